import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { ActionRequestInput, TargetRef } from '../actions/actionInput.ts';
import { products } from '../actions/actionInput.ts';
import type { ActionResult } from '../actions/actionRunner.ts';
import { actionNames } from '../actions/definitions.ts';
import { auditCsv } from '../app/auditCsv.ts';
import { describeResultCounts, wasSkipped } from '../domain/actionResult.ts';
import { AppError } from '../domain/appError.ts';
import { roles } from '../domain/directory.ts';
import { seatwiseEventNames } from '../domain/seatwiseEvents.ts';
import { queueAction } from '../worker/actionJobs.ts';
import { withSeatwise } from './context.ts';
import { printJson, printTable } from './output.ts';
import { collect, integerIn, oneOf } from './parsers.ts';

export function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

function targetsFrom(flags: { user?: string[]; email?: string[] }): TargetRef[] {
  const targets: TargetRef[] = [
    ...(flags.user ?? []).map((userId) => ({ userId })),
    ...(flags.email ?? []).map((email) => ({ email })),
  ];
  if (targets.length === 0)
    throw new AppError('invalid_input', 'no_targets', 'name at least one user with --user ID or --email E');
  return targets;
}

function print(result: ActionResult, json: boolean): void {
  if (json) printJson(result);
  else if (result.dryRun) {
    process.stdout.write(
      `Dry run of ${result.action} (${result.via}) on ${result.connectionId}: nothing was sent to monday.\n`,
    );
    printTable(
      ['TARGET', 'USER', 'EMAIL', 'PLAN', 'WHY'],
      result.plan.map((p) => [p.target, p.userId ?? '-', p.email, p.outcome, p.reason]),
    );
    const breaks = result.plan.flatMap((p) => (p.footprint ? [`  ${p.email}: ${p.footprint.words}`] : []));
    if (breaks.length) process.stdout.write(`What this breaks in monday:\n${breaks.join('\n')}\n`);
  } else {
    printTable(
      ['TARGET', 'USER', 'EMAIL', 'OUTCOME', 'WHY'],
      result.results.map((r) => [
        r.target,
        r.userId ?? '-',
        r.email,
        wasSkipped(r, result.plan) ? 'skipped' : r.outcome,
        r.reason,
      ]),
    );
    const replay = result.replay;
    process.stdout.write(
      `${result.action} (${result.via}): ${describeResultCounts(result)}${replay ? ` (repeat of the request in audit entry ${replay.of}: nothing new was done now)` : ''}; audit entry ${result.auditId}, idempotency key ${result.idempotencyKey}\n`,
    );
    if (replay) {
      for (const d of replay.drifted) process.stdout.write(`But now: ${d.target} (${d.userId}) ${d.now}.\n`);
      if (replay.checkError) process.stdout.write(`But ${replay.checkError}.\n`);
      if (!result.inTargetState)
        process.stdout.write(
          'The earlier result no longer describes monday: run the action again with a new idempotency key (or none).\n',
        );
    }
    if (result.warning) process.stderr.write(`seatwise: warning: ${result.warning}\n`);
  }
  const failed = result.dryRun ? result.plan.some((p) => p.outcome === 'fail') : !result.inTargetState;
  // 0 only when every target ended (or would end) in the target state.
  if (failed) process.exitCode = 7;
}

async function runAction(
  input: ActionRequestInput,
  flags: { json?: boolean; enqueue?: boolean; wait?: boolean },
): Promise<void> {
  if (flags.wait && !flags.enqueue)
    throw new AppError('invalid_input', 'wait_without_enqueue', '--wait goes with --enqueue');
  if (flags.enqueue && input.dryRun)
    throw new AppError('invalid_input', 'enqueue_dry_run', '--enqueue runs the action; leave out --dry-run');
  if (!flags.enqueue) {
    const result = await withSeatwise((app) => app.actions.run(input, actor()));
    return print(result, Boolean(flags.json));
  }
  const outcome = await withSeatwise(async (app) => {
    const queued = await queueAction(app, input, actor());
    if (!flags.wait) return { queued };
    for (;;) {
      const job = await app.jobs.state(queued.jobId);
      if (!job) throw new AppError('not_found', 'job_not_found', `job ${queued.jobId} is gone`);
      if (job.status === 'done') return { queued, result: job.result as ActionResult };
      if (job.status === 'failed')
        throw new AppError(
          'upstream',
          'job_failed',
          `the queued action failed: ${job.error ?? 'unknown error'}`,
          {
            jobId: queued.jobId,
          },
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });
  if (outcome.result) return print(outcome.result, Boolean(flags.json));
  const { queued } = outcome;
  if (flags.json) return printJson(queued);
  process.stdout.write(
    `Queued ${input.action} on ${input.connectionId} for ${queued.plan.length} ${queued.plan.length === 1 ? 'target' : 'targets'} (job ${queued.jobId}, idempotency key ${queued.idempotencyKey}); a worker runs it.\n`,
  );
}

/** The options every action shares, as request fields. */
function base(flags: { connection: string; dryRun?: boolean; idempotencyKey?: string }) {
  return {
    connectionId: flags.connection,
    dryRun: Boolean(flags.dryRun),
    idempotencyKey: flags.idempotencyKey,
  };
}

function withTargets(command: Command): Command {
  return command
    .option('--user <id>', 'monday user id (repeatable)', collect)
    .option('--email <email>', 'user email (repeatable)', collect);
}

function common(command: Command): Command {
  return command
    .requiredOption('--connection <id>', 'connection id')
    .option('--dry-run', 'only compute and show the plan; send nothing to monday')
    .option('--idempotency-key <key>', 'the same key repeats the earlier result instead of acting again')
    .option('--enqueue', 'queue it for the workers (seatwise worker, or the one in seatwise serve)')
    .option('--wait', 'with --enqueue: wait for a worker to run it and print the result')
    .option('--json', 'print the result as JSON');
}

/** `seatwise action …`, `seatwise capabilities`, `seatwise audit`. */
export function registerActionCommands(program: Command): void {
  const action = program
    .command('action')
    .description(
      'Act on monday users: create, deactivate, invite, set-role, reactivate, add-to-team, remove-from-team',
    );

  common(action.command('create').description('Create a user through SCIM (Enterprise, needs a SCIM token)'))
    .requiredOption('--email <email>', 'email of the new user')
    .requiredOption('--name <name>', 'full name')
    .option('--role <role>', roles.join('|'), oneOf(roles), 'member')
    .action((flags) =>
      runAction(
        { action: 'create', ...base(flags), email: flags.email, name: flags.name, role: flags.role },
        flags,
      ),
    );

  withTargets(
    common(
      action
        .command('deactivate')
        .description('Deactivate users: over SCIM (default) or, explicitly, GraphQL deactivate_users'),
    ),
  )
    .option('--via <channel>', 'scim or graphql', oneOf(['scim', 'graphql'] as const), 'scim')
    .action((flags) =>
      runAction({ action: 'deactivate', ...base(flags), targets: targetsFrom(flags), via: flags.via }, flags),
    );

  common(
    action
      .command('invite')
      .description('Invite people by email (GraphQL invite_users, any plan); they appear as pending'),
  )
    .requiredOption('--email <email>', 'email to invite (repeatable)', collect)
    .option('--role <role>', roles.join('|'), oneOf(roles), 'member')
    .option('--product <product>', products.join('|'), oneOf(products))
    .action((flags) =>
      runAction(
        { action: 'invite', ...base(flags), emails: flags.email, role: flags.role, product: flags.product },
        flags,
      ),
    );

  withTargets(
    common(
      action
        .command('set-role')
        .description("Change users' role (GraphQL update_users_role; the token's owner must be an admin)"),
    ),
  )
    .requiredOption('--role <role>', roles.join('|'), oneOf(roles))
    .action((flags) =>
      runAction({ action: 'set_role', ...base(flags), targets: targetsFrom(flags), role: flags.role }, flags),
    );

  withTargets(
    common(
      action
        .command('reactivate')
        .description('Reactivate deactivated users (GraphQL activate_users; admin token)'),
    ),
  ).action((flags) =>
    runAction({ action: 'reactivate', ...base(flags), targets: targetsFrom(flags) }, flags),
  );

  for (const [command, name, verb] of [
    ['add-to-team', 'add_to_team', 'Add users to a monday team'],
    ['remove-from-team', 'remove_from_team', 'Remove users from a monday team'],
  ] as const) {
    withTargets(
      common(
        action
          .command(command)
          .description(
            `${verb} (GraphQL, admin token; a team an identity provider manages goes through SCIM Groups where the connection has SCIM)`,
          ),
      ),
    )
      .requiredOption('--team <teamId>', 'monday team id (see: seatwise teams)')
      .option(
        '--via <channel>',
        'scim or graphql (default: SCIM for a SCIM-managed team, else GraphQL)',
        oneOf(['scim', 'graphql'] as const),
      )
      .action((flags) =>
        runAction(
          { action: name, ...base(flags), targets: targetsFrom(flags), teamId: flags.team, via: flags.via },
          flags,
        ),
      );
  }

  program
    .command('capabilities [id]')
    .description('Show what each connection can read and which actions are available now, and why not')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, flags) => {
      const tables = await withSeatwise(async (app) => {
        const ids = id ? [id] : (await app.connections.list()).map((c) => c.id);
        return Promise.all(ids.map((c) => app.actions.capabilities(c)));
      });
      if (flags.json) return printJson(id ? tables[0] : tables);
      for (const table of tables) {
        process.stdout.write(`Connection ${table.connectionId}\n`);
        // The same rows as the web page's table: data, actions, offboarding and service users.
        const row = (kind: string) => (a: (typeof table.actions)[number]) => [
          a.label,
          kind,
          a.via,
          a.available ? 'yes' : 'no',
          a.reasons.join('; '),
        ];
        printTable(
          ['CAPABILITY', 'KIND', 'VIA', 'AVAILABLE', 'WHY NOT'],
          [
            ...table.reads.map((r) => [
              `read ${r.name}`,
              'data',
              'graphql',
              r.available ? 'yes' : 'no',
              r.reason ?? '',
            ]),
            ...table.actions.map(row('action')),
            ...table.offboarding.map(row('offboarding')),
            ...table.serviceUsers.map(row('service users')),
          ],
        );
        process.stdout.write('\n');
      }
    });

  program
    .command('audit')
    .description('Show the audit log of actions, refusals and dry runs (newest first)')
    .option('--connection <id>', 'only this connection')
    .option(
      '--action <name>',
      [...actionNames, ...seatwiseEventNames].join('|'),
      oneOf([...actionNames, ...seatwiseEventNames]),
    )
    .option('--person <id>', 'only what this person did (signed in, or with a key they own)')
    .option(
      '--dry-runs <which>',
      'include, exclude or only dry runs',
      oneOf(['include', 'exclude', 'only']),
      'include',
    )
    .option('--from <day>', 'entries on or after this day (YYYY-MM-DD, UTC)')
    .option('--to <day>', 'entries on or before this day (YYYY-MM-DD, UTC)')
    .option('--limit <n>', 'how many entries', integerIn(1, 1000), 50)
    .option('--csv', 'print CSV (who by name, targets by email, what monday did)')
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const { entries, label, accounts } = await withSeatwise(async (app) => ({
        entries: await app.actions.auditLog({
          connectionId: flags.connection,
          action: flags.action,
          personId: flags.person,
          dryRun: flags.dryRuns === 'include' ? undefined : flags.dryRuns === 'only',
          from: flags.from,
          to: flags.to,
          limit: flags.limit,
        }),
        label: await app.keys.actorLabels(),
        accounts: new Map((await app.connections.list()).map((c) => [c.id, c.accountName])),
      }));
      const named = entries.map((e) => ({ ...e, actorName: label(e.actor) }));
      if (flags.json) return printJson(named);
      if (flags.csv) {
        process.stdout.write(auditCsv(named, accounts));
        return;
      }
      if (entries.length === 0) {
        process.stdout.write('No audit entries match.\n');
        return;
      }
      printTable(
        ['ID', 'AT', 'WHO', 'ACCOUNT', 'ACTION', 'VIA', 'OUTCOME', 'USERS', 'NOTE'],
        named.map((e) => [
          e.id,
          e.at.replace('T', ' ').slice(0, 19),
          e.actorName,
          e.connectionId === null ? 'Seatwise' : (accounts.get(e.connectionId) ?? e.connectionId),
          `${e.action}${e.dryRun ? ' (dry run)' : ''}`,
          e.via,
          e.outcome,
          e.targetLabels.join(' '),
          e.error ? `${e.error.code}: ${e.error.message}` : e.source ? `${e.source.kind} ${e.source.id}` : '',
        ]),
      );
    });
}
