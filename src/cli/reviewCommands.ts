import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { ItemOutcome, ReviewCaller, ReviewItemView } from '../app/reviewsService.ts';
import type { Seatwise } from '../compose.ts';
import { AppError } from '../domain/appError.ts';
import {
  closeDefaults,
  type NewCampaignInput,
  type ReviewDecision,
  recurrences,
  reviewDecisions,
} from '../domain/reviews.ts';
import { actor } from './actionCommands.ts';
import { withSeatwise } from './context.ts';
import { emailsFrom } from './emailsFile.ts';
import { exitCodeFor, printJson, printTable } from './output.ts';
import { collect, integerIn, oneOf } from './parsers.ts';

/** The host's CLI acts as an admin, named as the host's user in the audit log. */
function hostCaller(): ReviewCaller {
  return { actor: actor(), personId: null, role: 'admin', via: 'cli' };
}

/** A person named by id or by email. */
async function personId(app: Seatwise, ref: string): Promise<string> {
  const people = await app.people.list();
  const found = people.find((p) => p.id === ref || p.email === ref.trim().toLowerCase());
  if (!found) throw new AppError('not_found', 'person_not_found', `no person with id or email ${ref}`);
  return found.id;
}

function day(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('expected a date such as 2027-01-31.');
  return value;
}

function decisionWords(i: Pick<ReviewItemView, 'decision' | 'role'>): string {
  if (!i.decision) return '-';
  return i.decision === 'change_role' ? `role → ${i.role}` : i.decision;
}

function printOutcomes(outcomes: ItemOutcome[]): void {
  const overridden = [
    ...new Set(outcomes.flatMap((o) => (o.ok && o.item?.overrideOf ? [o.item.overrideOf.email] : []))),
  ];
  if (overridden.length)
    process.stderr.write(
      `Decided in place of their reviewer (${overridden.join(', ')}): recorded as an admin's override, named in the report.\n`,
    );
  printTable(
    ['ITEM', 'USER', 'STATUS', 'RESULT'],
    outcomes.map((o) => [
      o.itemId,
      o.item?.email ?? '',
      o.ok ? (o.item?.status ?? 'ok') : 'refused',
      o.ok ? (o.item?.result ?? decisionWords(o.item ?? { decision: null, role: null })) : o.error?.message,
    ]),
  );
}

/**
 * The documented exit codes: a refusal as its kind says (3 an unknown item, 2 a keep without its comment…),
 * else 7 when a decision submitted could not be carried out in monday.
 */
function setExitCode(outcomes: ItemOutcome[]): void {
  const refused = outcomes.find((o) => !o.ok);
  if (refused) process.exitCode = exitCodeFor(new AppError(refused.error!.kind, refused.error!.code, ''));
  else if (outcomes.some((o) => o.item?.status === 'failed')) process.exitCode = 7;
}

/** `seatwise reviews [create|show|decide|submit|reassign|retry|close|report]`. */
export function registerReviewCommands(program: Command): void {
  const reviews = program
    .command('reviews')
    .description(
      'Access review campaigns (subcommands: create, show, decide, submit, reassign, retry, close, report)',
    )
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const list = await withSeatwise((app) => app.reviews.list());
      if (flags.json) return printJson(list);
      if (list.length === 0) {
        process.stdout.write(
          'No access reviews yet. Launch one with: seatwise reviews create --name NAME --connection ID --reviewer EMAIL --due DATE --default none\n',
        );
        return;
      }
      printTable(
        ['ID', 'NAME', 'STATUS', 'DUE', 'ITEMS', 'OPEN', 'DONE', 'KEPT', 'FAILED'],
        list.map((c) => [
          c.id,
          c.name,
          c.overdue ? 'open (overdue)' : c.status,
          c.dueAt.slice(0, 10),
          c.progress.total,
          c.progress.open + c.progress.decided,
          c.progress.done,
          c.progress.kept,
          c.progress.failed,
        ]),
      );
    });
  reviews
    .command('create')
    .description('Launch a campaign: every user in scope is snapshotted as an item with a reviewer')
    .requiredOption('--name <name>', 'what the campaign is called')
    .requiredOption('--connection <id>', 'a connection in scope (repeatable)', collect)
    .requiredOption('--due <date>', 'when reviewers should be done (YYYY-MM-DD)', day)
    .requiredOption(
      '--default <decision>',
      `undecided at the close: ${closeDefaults.join('|')}`,
      oneOf(closeDefaults),
    )
    .option('--ends <date>', 'when it closes by itself (YYYY-MM-DD)', day)
    .option(
      '--reviewer <person>',
      'a reviewer, by id or email (repeatable; items are shared in turn)',
      collect,
    )
    .option('--reviewer-for <connection=person>', "a connection's reviewer (repeatable)", collect)
    .option('--team-owners', "each user's team owner reviews them")
    .option('--fallback <person>', 'reviews what nobody else can')
    .option('--role <role>', 'only users of this role (repeatable)', collect)
    .option('--license <license>', 'only users with this license (repeatable)', collect)
    .option('--status <status>', 'only users in this status (repeatable)', collect)
    .option('--team <id>', 'only members of this monday team (repeatable)', collect)
    .option('--guests-only', 'only guests')
    .option('--admins-only', 'only admins')
    .option('--inactive-days <n>', 'only users inactive for more than N days', integerIn(1, 3650))
    .option('--decisions <list>', `allowed decisions, comma-separated (${reviewDecisions.join(',')})`)
    .option(
      '--revoke-via <channel>',
      'how a revoke reaches monday: graphql or scim',
      oneOf(['graphql', 'scim'] as const),
    )
    .option(
      '--apply <when>',
      'carry decisions out on_submit (default) or at_close',
      oneOf(['on_submit', 'at_close'] as const),
    )
    .option('--no-reassign', 'reviewers may not hand items to others')
    .option(
      '--reminder-days <n>',
      'remind reviewers this many days before the due date (3)',
      integerIn(0, 90),
    )
    .option('--recurrence <every>', recurrences.join('|'), oneOf(recurrences))
    .option('--leavers <file>', 'an HR leavers list (CSV or text of emails): recommended for revoke')
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const view = await withSeatwise(async (app) => {
        const fallbackPersonId = flags.fallback ? await personId(app, flags.fallback) : undefined;
        let reviewers: NewCampaignInput['reviewers'];
        if (flags.teamOwners) {
          if (!fallbackPersonId)
            throw new AppError('invalid_input', 'invalid_campaign', '--team-owners needs --fallback PERSON');
          reviewers = { kind: 'team_owner', fallbackPersonId };
        } else if (flags.reviewerFor) {
          const byConnection: Record<string, string> = {};
          for (const pair of flags.reviewerFor as string[]) {
            const [connection, person] = pair.split('=');
            if (!connection || !person)
              throw new AppError(
                'invalid_input',
                'invalid_campaign',
                `--reviewer-for ${pair}: expected CONNECTION=PERSON`,
              );
            byConnection[connection] = await personId(app, person);
          }
          reviewers = { kind: 'connection', byConnection, fallbackPersonId };
        } else {
          if (!flags.reviewer?.length)
            throw new AppError(
              'invalid_input',
              'invalid_campaign',
              'name the reviewers: --reviewer PERSON (repeatable), --reviewer-for CONNECTION=PERSON, or --team-owners --fallback PERSON',
            );
          const personIds: string[] = [];
          for (const ref of flags.reviewer as string[]) personIds.push(await personId(app, ref));
          reviewers = { kind: 'people', personIds, fallbackPersonId };
        }
        return app.reviews.create(
          {
            name: flags.name,
            scope: {
              connectionIds: flags.connection,
              roles: flags.role,
              licenses: flags.license,
              statuses: flags.status,
              teamIds: flags.team,
              guestsOnly: flags.guestsOnly,
              adminsOnly: flags.adminsOnly,
              inactiveDays: flags.inactiveDays,
            },
            reviewers,
            dueAt: flags.due,
            endsAt: flags.ends,
            decisions: flags.decisions?.split(',').map((d: string) => d.trim()),
            revokeVia: flags.revokeVia,
            applyMode: flags.apply,
            closeDefault: flags.default,
            allowReassign: flags.reassign,
            reminderDays: flags.reminderDays,
            recurrence: flags.recurrence,
            leavers: flags.leavers ? emailsFrom(flags.leavers) : undefined,
          } as NewCampaignInput,
          { actor: actor(), via: 'cli' },
        );
      });
      if (flags.json) return printJson(view);
      process.stdout.write(
        `Launched ${view.id} "${view.name}": ${view.progress.total} items for ${view.reviewers.length} reviewer(s), due ${view.dueAt.slice(0, 10)}\n`,
      );
    });
  reviews
    .command('show <id>')
    .description("A campaign's progress per reviewer and its items")
    .option('--reviewer <person>', "only this reviewer's items")
    .option('--json', 'print JSON')
    .action(async (id: string, flags) => {
      const { campaign, items } = await withSeatwise(async (app) => ({
        campaign: await app.reviews.get(id),
        items: await app.reviews.items(id, undefined, {
          reviewerId: flags.reviewer ? await personId(app, flags.reviewer) : undefined,
        }),
      }));
      if (flags.json) return printJson({ campaign, items });
      const p = campaign.progress;
      process.stdout.write(
        `${campaign.name} (${campaign.id}): ${campaign.status}${campaign.overdue ? ', overdue' : ''}, due ${campaign.dueAt.slice(0, 10)}\n` +
          `${p.total} items: ${p.open} open, ${p.decided} decided, ${p.submitted} submitted, ${p.done} done, ${p.kept} kept, ${p.failed} failed, ${p.notReviewed} not reviewed${p.drifted ? `, ${p.drifted} changed in monday since` : ''}\n\n`,
      );
      printTable(
        ['REVIEWER', 'ITEMS', 'OPEN', 'DONE', 'KEPT', 'FAILED'],
        campaign.reviewers.map((r) => [
          r.email,
          r.progress.total,
          r.progress.open + r.progress.decided,
          r.progress.done,
          r.progress.kept,
          r.progress.failed,
        ]),
      );
      process.stdout.write('\n');
      printTable(
        ['ITEM', 'USER', 'ACCOUNT', 'ROLE', 'LAST ACTIVE', 'RECOMMENDED', 'REVIEWER', 'DECISION', 'STATUS'],
        items.map((i) => [
          i.id,
          i.email,
          i.accountName,
          i.snapshot.role,
          i.snapshot.lastActivityAt?.slice(0, 10) ?? 'never',
          i.recommendations.map((r) => r.reason).join('; ') || '-',
          i.reviewer?.email ?? i.reviewerId,
          decisionWords(i),
          i.status,
        ]),
      );
    });
  reviews
    .command('decide <id> <items...>')
    .description('Decide items (changeable until submitted); --submit submits them at once')
    .requiredOption('--decision <decision>', reviewDecisions.join('|'), oneOf(reviewDecisions))
    .option(
      '--role <role>',
      'the role a change_role decision sets',
      oneOf(['admin', 'member', 'viewer', 'guest'] as const),
    )
    .option('--comment <text>', 'why (required to keep access the evidence recommends revoking)')
    .option('--submit', 'submit the decisions too')
    .option('--json', 'print JSON')
    .action(async (id: string, items: string[], flags) => {
      const outcomes = await withSeatwise((app) =>
        app.reviews.decide(
          id,
          items.map((itemId) => ({
            itemId,
            decision: flags.decision as ReviewDecision,
            role: flags.role,
            comment: flags.comment,
          })),
          hostCaller(),
          { submit: Boolean(flags.submit) },
        ),
      );
      if (flags.json) printJson(outcomes);
      else printOutcomes(outcomes);
      setExitCode(outcomes);
    });
  reviews
    .command('submit <id> <items...>')
    .description('Submit decided items')
    .option('--json', 'print JSON')
    .action(async (id: string, items: string[], flags) => {
      const outcomes = await withSeatwise((app) => app.reviews.submit(id, items, hostCaller()));
      if (flags.json) printJson(outcomes);
      else printOutcomes(outcomes);
      setExitCode(outcomes);
    });
  reviews
    .command('reassign <id> <items...>')
    .description('Give items to another reviewer')
    .requiredOption('--to <person>', 'the new reviewer, by id or email')
    .option('--json', 'print JSON')
    .action(async (id: string, items: string[], flags) => {
      const outcomes = await withSeatwise(async (app) =>
        app.reviews.reassign(id, items, await personId(app, flags.to), hostCaller()),
      );
      if (flags.json) printJson(outcomes);
      else printOutcomes(outcomes);
      setExitCode(outcomes);
    });
  reviews
    .command('approve <id> <items...>')
    .description(
      'Approve decisions that raise access (a higher role, a paid seat): they are carried out; --decline keeps them as they were',
    )
    .option('--decline', 'decline them instead')
    .option('--json', 'print JSON')
    .action(async (id: string, items: string[], flags) => {
      const outcomes = await withSeatwise((app) =>
        app.reviews.approve(id, items, !flags.decline, hostCaller()),
      );
      if (flags.json) printJson(outcomes);
      else printOutcomes(outcomes);
      setExitCode(outcomes);
    });
  reviews
    .command('retry <id> <items...>')
    .description('Carry failed items out again')
    .option('--json', 'print JSON')
    .action(async (id: string, items: string[], flags) => {
      const outcomes = await withSeatwise((app) => app.reviews.retry(id, items));
      if (flags.json) printJson(outcomes);
      else printOutcomes(outcomes);
      setExitCode(outcomes);
    });
  reviews
    .command('close <id>')
    .description(
      "Close a campaign: undecided items take its default, decisions are carried out, monday's state is kept",
    )
    .option('--json', 'print JSON')
    .action(async (id: string, flags) => {
      const view = await withSeatwise((app) => app.reviews.close(id, { actor: actor(), via: 'cli' }));
      if (flags.json) return printJson(view);
      const p = view.progress;
      process.stdout.write(
        `Closed ${view.id} "${view.name}": ${p.done} done, ${p.kept} kept, ${p.failed} failed, ${p.notReviewed} not reviewed${p.drifted ? `, ${p.drifted} changed in monday since` : ''}. The report: seatwise reviews report ${view.id}\n`,
      );
    });
  reviews
    .command('report <id>')
    .description('The evidence of a closed campaign: CSV (default), HTML or JSON')
    .option('--format <format>', 'csv, html or json', oneOf(['csv', 'html', 'json'] as const))
    .option('--output <file>', 'write it to a file instead of printing it')
    .action(async (id: string, flags) => {
      const format = flags.format ?? 'csv';
      const report = await withSeatwise((app) => app.reviews.report(id, format));
      const text = typeof report === 'string' ? report : `${JSON.stringify(report, null, 2)}\n`;
      if (flags.output) {
        writeFileSync(flags.output, text);
        process.stdout.write(`Wrote the report of ${id} to ${flags.output}\n`);
      } else process.stdout.write(text);
    });
}
