import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createSeatwise } from '../../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { forgetBudgets } from '../../src/store/budgetRepo.ts';
import { runCli, spawnCli, waitFor } from '../helpers/cli.ts';
import { expectCopyEqualsMonday } from '../helpers/connected.ts';
import {
  createTestDatabase,
  type Dialect,
  describeDialect,
  type TestDatabase,
} from '../helpers/databases.ts';

const LEASE_SECONDS = 2;

/** Registers this file's suite for one dialect (each dialect is a test file of its own, so they run in parallel). */
export function register(dialect: Dialect): void {
  describeDialect(dialect, 'worker processes (%s)', { timeout: 150_000 }, (dialect) => {
    let emulator: RunningEmulator;
    let db: TestDatabase;
    let env: Record<string, string>;
    const workers: ReturnType<typeof spawnCli>[] = [];

    beforeAll(async () => {
      emulator = await startEmulator({ users: 1500, accounts: 20, plan: 'pro', seed: 181 });
      db = await createTestDatabase(dialect);
      env = { ...db.env, SEATWISE_LEASE_SECONDS: String(LEASE_SECONDS), LOG_LEVEL: 'silent' };
      const app = await createSeatwise({ ...db.config, SEATWISE_LEASE_SECONDS: LEASE_SECONDS });
      for (const account of emulator.accounts) {
        const { id } = await app.connections.add({
          token: account.tokens.admin,
          apiUrl: emulator.graphqlUrl,
        });
        // Only the jobs a test asks for: a schedule falling due mid-test (every 6 hours) would add its own.
        await app.connections.update(id, { syncSchedule: 'off' });
      }
      await app.close();
    }, 120_000);
    afterEach(async () => {
      for (const w of workers.splice(0)) {
        w.child.kill('SIGKILL');
        await w.done;
      }
    });
    afterAll(async () => {
      await db?.cleanup();
      await emulator?.close();
    });

    const startWorker = async () => {
      const worker = spawnCli(['worker', '--concurrency', '3'], env);
      workers.push(worker);
      await waitFor(() => worker.stdout().includes('is running'), 'the worker to start', 30_000);
      return worker;
    };

    it('two workers sync twenty accounts exactly once each, never two syncs of one connection at once', async () => {
      // One request at a time per account: the sync's read-ahead must wait for the account's shared budget.
      emulator.setLimits({ concurrency: 1, requestsPerMinute: 100 });
      const refusedBefore = emulator.state.rateLimitRefusals();
      const [a, b] = await Promise.all([startWorker(), startWorker()]);
      const queued = await runCli(['sync', '--all', '--enqueue', '--wait', '--json'], env);
      expect(queued.stderr).toBe('');
      expect(queued.code).toBe(0);
      const results = JSON.parse(queued.stdout) as {
        connectionId: string;
        status: string;
        usersSeen: number;
      }[];
      expect(results).toHaveLength(20);
      expect(results.every((r) => r.status === 'succeeded' && r.usersSeen === 1500)).toBe(true);
      // Within every account's limits: monday refused nothing.
      expect(emulator.state.rateLimitRefusals()).toBe(refusedBefore);
      // Back to monday's usual limits, and forget the tight ones the workers learned.
      emulator.setLimits({});
      const reset = await createSeatwise({ ...db.config, SEATWISE_LEASE_SECONDS: LEASE_SECONDS });
      await forgetBudgets(reset.store);
      await reset.close();

      const app = await createSeatwise({ ...db.config, SEATWISE_LEASE_SECONDS: LEASE_SECONDS });
      try {
        const runs = await app.store.db.selectFrom('sync_runs').selectAll().execute();
        const byConnection = new Map<string, typeof runs>();
        for (const run of runs)
          byConnection.set(run.connection_id, [...(byConnection.get(run.connection_id) ?? []), run]);
        expect(byConnection.size).toBe(20);
        for (const list of byConnection.values()) {
          expect(list.map((r) => [r.status, r.trigger])).toEqual([['succeeded', 'job']]);
        }
        // Every job done once, and both workers took some.
        const done = (w: typeof a) => (w.stdout().match(/: done$/gm) ?? []).length;
        expect(done(a) + done(b)).toBe(20);
        expect(done(a)).toBeGreaterThan(0);
        expect(done(b)).toBeGreaterThan(0);
      } finally {
        await app.close();
      }
      expect(a.stdout()).toMatch(/ sync con_\w+: done/);
    });

    it('a worker killed mid-sync: the other takes the job after its lease, and the copy ends equal to monday', async () => {
      // monday holds every answer to the first worker: its sync cannot finish before it is killed.
      emulator.setFaults({ latencyMs: 60_000 });
      const first = await startWorker();
      const app = await createSeatwise({ ...db.config, SEATWISE_LEASE_SECONDS: LEASE_SECONDS });
      try {
        const connectionId = (await app.connections.list())[0]!.id;
        const jobId = await app.jobs.enqueue('sync', connectionId, { trigger: 'test' });
        await waitFor(
          async () =>
            (await app.store.db
              .selectFrom('sync_runs')
              .select('id')
              .where('connection_id', '=', connectionId)
              .where('status', '=', 'running')
              .executeTakeFirst()) !== undefined,
          'the first worker to start the sync',
          30_000,
        );
        first.child.kill('SIGKILL');
        await first.done;
        emulator.setFaults({});
        const second = await startWorker();
        await waitFor(
          async () => {
            const st = await app.jobs.state(jobId);
            if (process.env.DEBUG_JOBS)
              console.log(
                new Date().toISOString(),
                JSON.stringify(st),
                second.stdout().slice(-200),
                second.stderr().slice(-300),
              );
            return st?.status === 'done';
          },
          'the second worker to finish',
          90_000,
        );
        const job = (await app.jobs.state(jobId))!;
        expect(second.stdout()).toContain(`${jobId} sync ${connectionId}: done`);
        expect(job.attempts).toBe(2);
        const runs = await app.store.db
          .selectFrom('sync_runs')
          .select(['status', 'error_code'])
          .where('connection_id', '=', connectionId)
          .orderBy('started_at')
          .execute();
        // The killed worker's run is marked abandoned by the sync that took over.
        expect(runs.slice(-2).map((r) => [r.status, r.error_code])).toEqual([
          ['failed', 'abandoned'],
          ['succeeded', null],
        ]);
        await expectCopyEqualsMonday(app.store, connectionId, {
          ...emulator,
          accounts: [emulator.accounts[0]!],
        });
      } finally {
        emulator.setFaults({});
        await app.close();
      }
    });
  });
}
