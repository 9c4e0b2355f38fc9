import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { offboardingReceiptHtml } from '../app/offboardingReceipt.ts';
import type { OffboardingView } from '../app/offboardingService.ts';
import { AppError } from '../domain/appError.ts';
import {
  describePersonState,
  describeSummary,
  notFoundWords,
  offboardingResultWords,
  resultReason,
} from '../domain/offboarding.ts';
import { actor } from './actionCommands.ts';
import { withSeatwise } from './context.ts';
import { emailsFrom } from './emailsFile.ts';
import { printJson, printTable } from './output.ts';
import { collect, integerIn } from './parsers.ts';

function print(view: OffboardingView): void {
  if (view.repeated && view.runningIn) {
    // The same request while another run works on it: nothing was done here; say who runs it and until when.
    throw new AppError(
      'conflict',
      'offboarding_in_progress',
      `offboarding ${view.id} is running in ${view.runningIn.holder ?? 'another process'}; if that process has stopped, it can be resumed after ${view.runningIn.until}`,
    );
  }
  const header = view.dryRun
    ? `Plan to offboard ${view.emails.join(', ')} (dry run: nothing was sent to monday)`
    : `Offboarding ${view.id} of ${view.emails.join(', ')}: ${view.status}${view.repeated ? ' (a repeat of the earlier request: nothing new was done)' : ''}`;
  process.stdout.write(`${header}\n`);
  printTable(
    ['ACCOUNT', 'USER', 'EMAIL', view.dryRun ? 'PLAN' : 'RESULT', 'AFTER', 'WHY'],
    view.steps
      .flatMap((step) => [
        ...(step.items.length === 0 && step.notFound.length === 0
          ? [[step.accountName, '-', '-', step.status, '-', step.message ?? '']]
          : step.items.map((item) => [
              step.accountName,
              item.userId,
              item.email,
              offboardingResultWords[item.result],
              step.after ? describePersonState(step.after.find((p) => p.userId === item.userId)) : '-',
              step.status === 'failed' ? (step.message ?? item.reason) : resultReason(item),
            ])),
        // Everyone asked about has a row in every account: those monday does not have too.
        ...step.notFound.map((email) => [step.accountName, '-', email, notFoundWords, '-', '']),
      ])
      .concat(view.leftOut.map((left) => [left.accountName, '-', '-', 'left out', '-', left.reason])),
  );
  // What each deactivation breaks in monday, as read for the plan.
  const breaks = view.steps.flatMap((step) =>
    step.items.flatMap((item) =>
      item.footprint ? [`  ${item.email} in ${step.accountName}: ${item.footprint.words}`] : [],
    ),
  );
  if (breaks.length) process.stdout.write(`What deactivating them breaks in monday:\n${breaks.join('\n')}\n`);
  process.stdout.write(
    `${describeSummary(view.summary)}${view.id ? `. Receipt: seatwise offboardings ${view.id} --html receipt.html` : ''}\n`,
  );
  const s = view.summary;
  // 0 only when nothing was refused or failed (a plan: when everything planned can be done).
  if (s.refused > 0 || s.failed > 0 || s.notDeactivated > 0) process.exitCode = 7;
}

/** `seatwise offboard` and `seatwise offboardings`. */
export function registerOffboardCommands(program: Command): void {
  program
    .command('offboard')
    .description(
      'Offboard people from every connected monday account: found live by email (and alias domains), deactivated where Seatwise may, with a receipt',
    )
    .option('--email <email>', 'email of a person to offboard (repeatable)', collect)
    .option('--emails-file <file>', 'a CSV or text file of emails (an HR leavers list)')
    .option('--dry-run', 'only show the plan across accounts; send nothing to monday')
    .option(
      '--idempotency-key <key>',
      'the same key resumes or repeats the same offboarding instead of a new one',
    )
    .option('--resume <id>', 'finish an offboarding that stopped (a crash) or had failed accounts')
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const emails = [...(flags.email ?? []), ...(flags.emailsFile ? emailsFrom(flags.emailsFile) : [])];
      if (flags.resume && emails.length > 0)
        throw new AppError(
          'invalid_input',
          'invalid_offboarding',
          '--resume takes no emails: it finishes the stored offboarding',
        );
      if (!flags.resume && emails.length === 0)
        throw new AppError(
          'invalid_input',
          'invalid_offboarding',
          'name at least one person with --email E or --emails-file F',
        );
      const view = await withSeatwise((app) =>
        flags.resume
          ? app.offboardings.resume(flags.resume, actor())
          : app.offboardings.offboard(
              { emails, dryRun: Boolean(flags.dryRun), idempotencyKey: flags.idempotencyKey },
              actor(),
            ),
      );
      if (flags.json) {
        printJson(view);
        const s = view.summary;
        if (view.repeated && view.runningIn) process.exitCode = 4;
        else if (s.refused > 0 || s.failed > 0 || s.notDeactivated > 0) process.exitCode = 7;
      } else print(view);
    });

  program
    .command('offboardings [id]')
    .description('List offboardings, or show one with its receipt (before and after in each account)')
    .option('--limit <n>', 'how many to list', integerIn(1, 500), 50)
    .option('--html <file>', 'with an id: write the printable receipt to this file')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, flags) => {
      if (flags.html && !id)
        throw new AppError('invalid_input', 'invalid_option', '--html needs an offboarding id');
      if (id) {
        const view = await withSeatwise((app) => app.offboardings.get(id));
        if (flags.html) {
          writeFileSync(flags.html, offboardingReceiptHtml(view));
          process.stdout.write(`Wrote the receipt of ${id} to ${flags.html}\n`);
          return;
        }
        return flags.json ? printJson(view) : print(view);
      }
      const list = await withSeatwise((app) => app.offboardings.list(flags.limit));
      if (flags.json) return printJson(list);
      if (list.length === 0) {
        process.stdout.write('No offboardings yet: seatwise offboard --email E\n');
        return;
      }
      printTable(
        ['ID', 'PEOPLE', 'STATUS', 'DEACTIVATED', 'REFUSED', 'FAILED', 'ASKED BY', 'AT'],
        list.map((o) => [
          o.id ?? '-',
          o.emails.join(', '),
          o.status,
          String(o.summary.deactivated),
          String(o.summary.refused),
          String(o.summary.failed),
          o.requestedBy,
          o.requestedAt,
        ]),
      );
    });
}
