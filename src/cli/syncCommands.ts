import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { AppError } from '../domain/appError.ts';
import type { SyncResult } from '../sync/syncEngine.ts';
import { withSeatwise } from './context.ts';
import { ago, printJson, printTable } from './output.ts';

/** `seatwise sync` and `seatwise runs`. */
export function registerSyncCommands(program: Command): void {
  program
    .command('sync [id]')
    .description('Read every user of a connection from monday now (or of all connections with --all)')
    .option('--all', 'sync every connection')
    .option('--json', 'print the results as JSON')
    .action(async (id: string | undefined, flags) => {
      const results = await withSeatwise(async (app) => {
        const all = await app.connections.list();
        let targets: string[];
        if (flags.all) targets = all.map((c) => c.id);
        else if (id) targets = [id];
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
        const out: SyncResult[] = [];
        for (const target of targets) {
          const bar =
            !flags.json && process.stderr.isTTY
              ? new cliProgress.SingleBar(
                  {
                    format: `${target} {bar} {pages} pages, {users} users`,
                    stream: process.stderr,
                    hideCursor: true,
                  },
                  cliProgress.Presets.shades_classic,
                )
              : null;
          bar?.start(1, 0, { pages: 0, users: 0 });
          try {
            const result = await app.sync.sync(target, {
              onProgress: (p) => {
                // The total is unknown until the last page; keep the bar one step ahead.
                bar?.setTotal(p.pagesRead + 1);
                bar?.update(p.pagesRead, { pages: p.pagesRead, users: p.usersSeen });
              },
            });
            bar?.update(bar.getTotal());
            out.push(result);
          } finally {
            bar?.stop();
          }
        }
        return out;
      });
      if (flags.json) printJson(results);
      else {
        for (const r of results) {
          if (r.status === 'succeeded') {
            process.stdout.write(
              `Synced ${r.connectionId}: ${r.usersSeen} users, ${r.changes} changes${r.removed ? ` (${r.removed} removed)` : ''}, ${r.requests} requests${r.retries ? ` (${r.retries} retried)` : ''} in ${(r.durationMs / 1000).toFixed(1)}s (run ${r.runId})\n`,
            );
          } else {
            process.stderr.write(
              `Sync of ${r.connectionId} failed: ${r.error?.message} [${r.error?.code}] (run ${r.runId}); stored users are unchanged\n`,
            );
          }
        }
      }
      if (results.some((r) => r.status !== 'succeeded')) process.exitCode = 6;
    });

  program
    .command('runs [id]')
    .description('Show sync run history (of one connection, or all)')
    .option('--limit <n>', 'how many runs', (v) => Number.parseInt(v, 10), 20)
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
}
