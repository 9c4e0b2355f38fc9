import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { Seatwise } from '../compose.ts';
import { AppError } from '../domain/appError.ts';
import type { SyncResult } from '../sync/syncEngine.ts';
import { withSeatwise } from './context.ts';
import { ago, brief, count, printJson, printTable } from './output.ts';
import { integerIn } from './parsers.ts';

/** `seatwise sync` and `seatwise runs`. */
export function registerSyncCommands(program: Command): void {
  program
    .command('sync [id]')
    .description('Read every user of a connection from monday now (or of all connections with --all)')
    .option('--all', 'sync every connection')
    .option('--enqueue', 'put the syncs on the queue for the workers instead of running them here')
    .option('--wait', 'with --enqueue: wait for the workers and print their results')
    .option(
      '--wait-timeout <seconds>',
      'with --wait: give up waiting after this long (the jobs stay queued)',
      integerIn(1, 86_400),
      600,
    )
    .option(
      '--confirm-removals',
      'apply the removals the last sync held for review (those monday still does not show)',
    )
    .option('--json', 'print the results as JSON')
    .action(async (id: string | undefined, flags) => {
      const names = new Map<string, string>();
      const results = await withSeatwise(async (app) => {
        const all = await app.connections.list();
        for (const c of all) names.set(c.id, `${c.accountName} (${c.id})`);
        let targets: string[];
        if (flags.all) targets = all.map((c) => c.id);
        else if (id !== undefined) targets = [id];
        else if (all.length === 1) targets = [all[0]!.id];
        else if (all.length === 0)
          throw new AppError(
            'precondition',
            'no_connections',
            'no connections yet: add one with seatwise connect --token <token>',
          );
        else
          throw new AppError(
            'invalid_input',
            'connection_required',
            `there are ${all.length} connections: name one (seatwise sync <id>) or use --all`,
          );
        if (flags.enqueue) {
          for (const target of targets) await app.connections.get(target);
          const jobs = await Promise.all(
            targets.map((target) =>
              app.jobs.enqueue('sync', target, {
                trigger: 'cli',
                confirmRemovals: Boolean(flags.confirmRemovals),
              }),
            ),
          );
          if (!flags.wait) {
            if (flags.json) printJson(jobs.map((job, i) => ({ connectionId: targets[i], jobId: job })));
            else
              for (const [i, job] of jobs.entries())
                process.stdout.write(`Queued the sync of ${targets[i]} (job ${job}); a worker runs it.\n`);
            return [];
          }
          return waitForJobs(app, jobs, flags.waitTimeout * 1000);
        }
        const out: ReportedSync[] = [];
        for (const target of targets) {
          const showProgress = !flags.json && process.stderr.isTTY;
          let bar: cliProgress.SingleBar | null = null;
          let expected: number | null = null;
          let runId: string | null = null;
          try {
            const result = await app.sync.sync(target, {
              confirmRemovals: Boolean(flags.confirmRemovals),
              onStarted: (id) => {
                runId = id;
              },
              onProgress: (p) => {
                if (!showProgress) return;
                if (!bar) {
                  // The last complete sync's count is the total; a first sync shows counts without a bar.
                  expected = p.expectedUsers;
                  bar = new cliProgress.SingleBar(
                    { stream: process.stderr, hideCursor: true, format: progressFormat(target, expected) },
                    cliProgress.Presets.shades_classic,
                  );
                  bar.start(Math.max(1, expected ?? 1), 0, { pages: 0, users: 0 });
                }
                if (expected !== null && p.usersSeen > bar.getTotal()) bar.setTotal(p.usersSeen);
                bar.update(expected === null ? 0 : p.usersSeen, { pages: p.pagesRead, users: p.usersSeen });
              },
            });
            const shown = bar as cliProgress.SingleBar | null;
            if (result.status === 'succeeded' && expected !== null) shown?.update(shown.getTotal());
            out.push(result);
          } catch (error) {
            // One connection that cannot sync (refused, already syncing) does not stop the others of --all.
            if (!flags.all || !(error instanceof AppError)) throw error;
            out.push(failedSync(target, runId, error));
          } finally {
            (bar as cliProgress.SingleBar | null)?.stop();
          }
        }
        return out;
      });
      if (flags.enqueue && !flags.wait) return;
      if (flags.json) printJson(results);
      else {
        for (const r of results) {
          if (r.status === 'succeeded') {
            process.stdout.write(
              `Synced ${names.get(r.connectionId) ?? r.connectionId}: ${count(r.usersSeen, 'user')}, ${count(r.changes, 'change')}${r.removed ? ` (${r.removed} removed)` : ''}, ${count(r.requests, 'request')}${r.teamRequests ? ` (${r.teamRequests} for teams)` : ''}${r.retries ? ` (${r.retries} retried)` : ''} in ${(r.durationMs / 1000).toFixed(1)}s (run ${r.runId})\n`,
            );
            if (r.removalsHeld)
              process.stdout.write(
                `  ${count(r.removalsHeld, 'removal')} held for review: monday no longer shows them, but that is too many at once to remove without a person's word. See who with \`seatwise runs show ${r.runId}\`; remove them with \`seatwise sync ${r.connectionId} --confirm-removals\`.\n`,
              );
          } else {
            process.stderr.write(
              `Sync of ${names.get(r.connectionId) ?? r.connectionId} failed: ${r.error?.message} [${r.error?.code}]${r.runId ? ` (run ${r.runId})` : ''}; stored users are unchanged\n`,
            );
          }
        }
      }
      if (results.some((r) => r.status !== 'succeeded')) process.exitCode = 6;
    });

  const runs = program
    .command('runs [connectionId]')
    .description('Show sync run history, of one connection or all (subcommand: show)')
    .option('--limit <n>', 'how many runs', integerIn(1, 500), 20)
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, flags) => {
      const runs = await withSeatwise((app) => app.sync.listRuns(id, flags.limit));
      if (flags.json) return printJson(runs);
      if (runs.length === 0) {
        process.stdout.write('No sync runs yet.\n');
        return;
      }
      printTable(
        ['RUN', 'CONNECTION', 'STARTED', 'STATUS', 'USERS', 'CHANGES', 'REQUESTS', 'ERROR'],
        runs.map((r) => [
          r.id,
          r.connectionId,
          ago(r.startedAt),
          r.status,
          r.usersSeen,
          r.changes,
          r.requests,
          r.error ? `${r.error.code}: ${r.error.message}` : '',
        ]),
      );
    });

  runs
    .command('show <runId>')
    .description('One sync run and its change events, a page at a time')
    .option('--limit <n>', 'events per page', integerIn(1, 1000), 100)
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .option('--json', 'print {"run","events","nextCursor"} as JSON')
    .action(async (runId: string, flags) => {
      const { run, page } = await withSeatwise(async (app) => {
        const run = await app.sync.getRun(runId);
        const held = run.removalsHeld > 0 ? await app.sync.heldByRun(run.id) : [];
        return {
          run: { ...run, heldRemovals: held },
          page: await app.users.changesPage(run.connectionId, run.id, flags),
        };
      });
      if (flags.json) return printJson({ run, ...page });
      const lines = [
        `Run ${run.id} of ${run.connectionId} (${run.trigger}): ${run.status}${run.complete ? '' : ', incomplete'}`,
        `  Started       ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}`,
        `  Read          ${count(run.usersSeen, 'user')} in ${count(run.pagesRead, 'page')}, ${count(run.requests, 'request')}${run.retries ? ` (${count(run.retries, 'retry', 'retries')})` : ''}`,
        `  Changes       ${run.changes}${run.keptForActions ? `, ${count(run.keptForActions, 'user')} kept as an action wrote them` : ''}`,
      ];
      if (run.error) lines.push(`  Error         ${run.error.message} [${run.error.code}]`);
      if (run.removalsHeld > 0) {
        lines.push(
          `  Held          ${count(run.removalsHeld, 'removal')} for review${run.heldRemovals.length === 0 ? ' (since confirmed or replaced by a later run)' : `; remove them with seatwise sync ${run.connectionId} --confirm-removals`}`,
        );
        for (const h of run.heldRemovals)
          lines.push(`                ${h.userId}  ${h.name ?? ''} <${h.email ?? '?'}>`);
      }
      process.stdout.write(`${lines.join('\n')}\n\n`);
      if (page.events.length === 0) {
        process.stdout.write(flags.cursor ? 'No more changes.\n' : 'No changes in this run.\n');
        return;
      }
      printTable(
        ['USER', 'CHANGE', 'BEFORE', 'AFTER'],
        page.events.map((e) => [e.userId, e.kind, brief(e.before), brief(e.after)]),
      );
      if (page.nextCursor)
        process.stdout.write(
          `More changes: seatwise runs show ${run.id} --limit ${flags.limit} --cursor ${page.nextCursor}\n`,
        );
    });
}

/** A bar against the expected users when a complete sync has counted them, else honest counts only. */
function progressFormat(target: string, expected: number | null): string {
  return expected === null
    ? `${target} reading users: {pages} pages, {users} users so far`
    : `${target} {bar} {percentage}% | {users} of ~${expected} users, {pages} pages`;
}

/** Waits until every job has run (done, or failed for good), and answers with their sync results. */
async function waitForJobs(app: Seatwise, ids: string[], timeoutMs: number): Promise<ReportedSync[]> {
  const results = new Map<string, ReportedSync>();
  const deadline = Date.now() + timeoutMs;
  while (results.size < ids.length) {
    if (Date.now() > deadline) {
      const open = ids.filter((id) => !results.has(id));
      throw new AppError(
        'precondition',
        'wait_timeout',
        `no worker finished ${open.length === 1 ? `job ${open[0]}` : `jobs ${open.join(', ')}`} within ${Math.round(timeoutMs / 1000)} s; the jobs stay queued: is \`seatwise worker\` running against this database?`,
        { jobIds: open },
      );
    }
    for (const id of ids) {
      if (results.has(id)) continue;
      const job = await app.jobs.state(id);
      if (!job) throw new AppError('not_found', 'job_not_found', `job ${id} is gone`);
      if (job.status === 'done' || job.status === 'failed') {
        const result = job.result as (SyncResult & { joined?: boolean }) | null;
        if (result?.runId && !result.joined) results.set(id, result);
        else
          results.set(
            id,
            failedSync('', null, {
              code: 'job_failed',
              message: job.error ?? 'the job failed',
            }),
          );
      }
    }
    if (results.size < ids.length) await new Promise((r) => setTimeout(r, 250));
  }
  return ids.map((id) => results.get(id)!);
}

/** A sync as the command reports it: one refused before its run was recorded has no run id. */
type ReportedSync = Omit<SyncResult, 'runId' | 'phases'> & {
  runId: string | null;
  phases?: SyncResult['phases'];
};

/** A sync that did not run (refused, another one holds the connection, its job failed), as one result. */
function failedSync(
  connectionId: string,
  runId: string | null,
  error: { code: string; message: string },
): ReportedSync {
  return {
    runId,
    connectionId,
    status: 'failed',
    complete: false,
    usersSeen: 0,
    changes: 0,
    removed: 0,
    removalsHeld: 0,
    keptForActions: 0,
    requests: 0,
    teamRequests: 0,
    retries: 0,
    durationMs: 0,
    error: { code: error.code, message: error.message, requestId: null },
  };
}
