import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { openStore, type Store } from '../src/store/database.ts';
import { freePort, runCli, spawnCli, startServeWithKey, waitFor } from './helpers/cli.ts';
import { runningSync } from './helpers/connected.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';

/** SIGTERM while work is in flight: the work finishes, what it reports is what happened, then the process exits 0. */
describe('SIGTERM with work in flight', () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let store: Store;
  let connectionId: string;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 2000, plan: 'pro', seed: 46 });
    db = await createTestDatabase('sqlite');
    const app = await createSeatwise(db.config);
    ({ id: connectionId } = await app.connections.add({
      token: emulator.accounts[0]!.tokens.admin,
      apiUrl: emulator.graphqlUrl,
    }));
    await app.connections.update(connectionId, { syncSchedule: 'off' });
    await app.close();
    store = await openStore({ dataDir: db.dataDir });
  });
  afterAll(async () => {
    await store?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  const running = () => runningSync(store, connectionId);
  const runOf = (id: string) =>
    store.db
      .selectFrom('sync_runs')
      .select(['status', 'users_seen'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('the server finishes the request in flight (a sync), answers it, refuses new ones, and exits 0', async () => {
    const port = await freePort();
    const serve = await startServeWithKey({
      ...db.env,
      SEATWISE_PORT: String(port),
      SEATWISE_LEASE_SECONDS: '10',
    });
    const exited = new Promise<number | null>((resolve) => serve.child.once('exit', (code) => resolve(code)));
    emulator.setFaults({ latencyMs: 600, surfaces: ['graphql'] });
    try {
      const answer = fetch(`${serve.base}/api/connections/${connectionId}/sync`, {
        method: 'POST',
        headers: serve.headers,
        body: '{}',
      });
      let runId = '';
      await waitFor(async () => {
        const run = await running();
        if (run) runId = run.id;
        return runId !== '';
      }, 'the sync to be reading');
      serve.child.kill('SIGTERM');
      // It stops listening at once: a new request is refused while the one in flight goes on.
      await waitFor(async () => {
        try {
          const r = await fetch(`${serve.base}/health`);
          return r.status === 503;
        } catch {
          return true;
        }
      }, 'new requests to be refused');
      const response = await answer;
      expect(response.status).toBe(201);
      const body = (await response.json()) as { run: { id: string; status: string; usersSeen: number } };
      expect(body.run).toMatchObject({ id: runId, status: 'succeeded', usersSeen: 2000 });
      expect(await exited).toBe(0);
      expect(await runOf(runId)).toEqual({ status: 'succeeded', users_seen: 2000 });
      expect(serve.out()).toContain('shutting down: finishing requests in flight');
    } finally {
      emulator.setFaults({});
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
    }
  });

  it('a worker finishes the job in flight (a queued sync) before it exits 0, and the job is done', async () => {
    const queued = await runCli(['sync', connectionId, '--enqueue', '--json'], db.env);
    expect(queued.code).toBe(0);
    emulator.setFaults({ latencyMs: 600, surfaces: ['graphql'] });
    const worker = spawnCli(['worker'], { ...db.env, SEATWISE_LEASE_SECONDS: '10' });
    try {
      let runId = '';
      await waitFor(
        async () => {
          const run = await running();
          if (run) runId = run.id;
          return runId !== '';
        },
        'the worker to be syncing',
        30_000,
      );
      worker.child.kill('SIGTERM');
      const { code } = await worker.done;
      expect(code).toBe(0);
      expect(await runOf(runId)).toEqual({ status: 'succeeded', users_seen: 2000 });
      const jobs = await store.db.selectFrom('jobs').select(['kind', 'status']).execute();
      expect(jobs.filter((j) => j.kind === 'sync').map((j) => j.status)).toEqual(['done']);
    } finally {
      emulator.setFaults({});
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    }
  });
});
