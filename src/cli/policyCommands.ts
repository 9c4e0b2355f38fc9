import type { Command } from 'commander';
import { policyKinds, proposalStatuses } from '../domain/policies.ts';
import { actor } from './actionCommands.ts';
import { withSeatwise } from './context.ts';
import { emailsFrom } from './emailsFile.ts';
import { ago, printJson, printTable } from './output.ts';
import { collect, commaList, integerIn, oneOf } from './parsers.ts';

/** `seatwise policies list|add|remove|preview` and `seatwise proposals [approve|reject]`. */
export function registerPolicyCommands(program: Command): void {
  const policies = program
    .command('policies')
    .description('License policies that propose changes after each sync (subcommands: add, remove, preview)')
    .option('--connection <id>', 'only this connection')
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const list = await withSeatwise((app) => app.policies.list(flags.connection));
      if (flags.json) return printJson(list);
      if (list.length === 0) {
        process.stdout.write(
          'No policies yet. Add one with: seatwise policies add --connection ID --kind inactive_members_to_viewer\n',
        );
        return;
      }
      printTable(
        ['ID', 'CONNECTION', 'RULE', 'EXCEPTIONS', 'APPLY'],
        list.map((p) => [
          p.id,
          p.connectionId,
          p.description,
          [...p.exceptions.emails, ...p.exceptions.domains].join(', ') || '-',
          p.autoApply ? `automatically, up to ${p.maxPerRun} a sync` : 'after approval',
        ]),
      );
    });
  policies
    .command('add')
    .description(
      'Add a policy: inactive members → viewer, stale invites → report, or an HR leavers list → deactivate',
    )
    .requiredOption('--connection <id>', 'the connection it watches')
    .requiredOption('--kind <kind>', policyKinds.join('|'), oneOf(policyKinds))
    .option(
      '--days <n>',
      'inactive or pending for more than N days (90 and 30 by default)',
      integerIn(1, 3650),
    )
    .option('--emails-file <file>', 'the HR leavers list: a CSV or text file of emails')
    .option('--except <email>', 'never touch this email (repeatable)', collect)
    .option('--except-domain <domain>', 'never touch this domain (repeatable)', collect)
    .option('--auto-apply', 'apply proposals without approval (never more than --max-per-run per sync)')
    .option(
      '--max-per-run <n>',
      'most proposals applied automatically per sync (default 10)',
      integerIn(1, 1000),
    )
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const emails = flags.emailsFile ? emailsFrom(flags.emailsFile) : undefined;
      const policy = await withSeatwise((app) =>
        app.policies.add(
          {
            connectionId: flags.connection,
            kind: flags.kind,
            days: flags.days,
            emails,
            exceptEmails: flags.except ?? [],
            exceptDomains: flags.exceptDomain ?? [],
            autoApply: Boolean(flags.autoApply),
            maxPerRun: flags.maxPerRun,
          },
          actor(),
        ),
      );
      if (flags.json) return printJson(policy);
      process.stdout.write(
        `Added policy ${policy.id}: ${policy.description}. It runs after every sync of ${policy.connectionId}.\n`,
      );
    });
  policies
    .command('remove <id>')
    .description('Remove a policy and its proposals')
    .action(async (id: string) => {
      await withSeatwise((app) => app.policies.remove(id, actor()));
      process.stdout.write(`Removed policy ${id}.\n`);
    });
  policies
    .command('preview <id>')
    .description('What the policy would propose now, from the synced users (nothing is stored)')
    .option('--json', 'print JSON')
    .action(async (id: string, flags) => {
      const drafts = await withSeatwise((app) => app.policies.preview(id));
      if (flags.json) return printJson(drafts);
      if (drafts.length === 0) {
        process.stdout.write('The policy would propose nothing now.\n');
        return;
      }
      printTable(
        ['USER', 'EMAIL', 'ACTION', 'WHY'],
        drafts.map((d) => [
          d.remoteUserId,
          d.email,
          d.action === 'set_role' ? `role → ${d.params.role}` : d.action,
          d.reason,
        ]),
      );
    });

  const proposals = program
    .command('proposals')
    .description('What policies propose, to approve or reject (subcommands: approve, reject)')
    .option('--connection <id>', 'only this connection')
    .option('--status <status>', proposalStatuses.join('|'), oneOf(proposalStatuses))
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const list = await withSeatwise((app) =>
        app.policies.proposals({ connectionId: flags.connection, status: flags.status }),
      );
      if (flags.json) return printJson(list);
      if (list.length === 0) {
        process.stdout.write('No proposals.\n');
        return;
      }
      printTable(
        ['ID', 'CONNECTION', 'EMAIL', 'ACTION', 'STATUS', 'WHY', 'CREATED'],
        list.map((p) => [
          p.id,
          p.connectionId,
          p.email,
          p.action === 'set_role' ? `role → ${p.params.role}` : p.action,
          p.outcome && p.status !== 'open' ? `${p.status} (${p.outcome})` : p.status,
          p.reason,
          ago(p.createdAt),
        ]),
      );
    });
  for (const verdict of ['approve', 'reject'] as const) {
    proposals
      .command(`${verdict} <ids...>`)
      .description(
        verdict === 'approve'
          ? 'Approve proposals: each runs as an ordinary action and is audited'
          : 'Reject proposals: the users are left as they are',
      )
      .option('--json', 'print JSON')
      .action(async (ids: string[], flags) => {
        const who = actor();
        const done = await withSeatwise((app) =>
          verdict === 'approve' ? app.policies.approve(ids, who) : app.policies.reject(ids, who),
        );
        if (flags.json) printJson(done);
        else {
          for (const p of done.proposals)
            process.stdout.write(`${p.id} ${p.email}: ${p.status}${p.outcome ? ` (${p.outcome})` : ''}\n`);
          for (const e of done.errors) process.stderr.write(`${e.id}: ${e.message} [${e.code}]\n`);
        }
        if (done.errors.length > 0) process.exitCode = 4;
        if (done.proposals.some((p) => p.status === 'failed')) process.exitCode = 7;
      });
  }

  program
    .command('settings')
    .description(
      "Organisation settings: its own email domains (guests on them are reported) and monday's seat bucket sizes",
    )
    .option('--org-domains <domains>', 'comma-separated domains, e.g. acme.com,acme.co.uk ("" clears them)')
    .option(
      '--seat-buckets <sizes>',
      'comma-separated seat bucket sizes, e.g. 3,5,10,15,20,25,30,40,50,100,200',
    )
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const settings = await withSeatwise(async (app) => {
        const orgDomains =
          flags.orgDomains === undefined
            ? await app.insights.orgDomains()
            : await app.insights.setOrgDomains(commaList(String(flags.orgDomains)));
        const seatBuckets =
          flags.seatBuckets === undefined
            ? await app.economics.buckets()
            : await app.economics.setBuckets(
                commaList(String(flags.seatBuckets)).map((v) => (/^\d+$/.test(v) ? Number(v) : v)),
              );
        return { orgDomains, seatBuckets };
      });
      if (flags.json) return printJson(settings);
      process.stdout.write(
        `Organisation domains: ${settings.orgDomains.length ? settings.orgDomains.join(', ') : 'none set'}\nSeat buckets: ${settings.seatBuckets.join(', ')}\n`,
      );
    });
}
