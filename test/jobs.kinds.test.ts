import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createSeatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { Worker } from '../src/worker/worker.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { runCli, spawnCli, waitFor } from './helpers/cli.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';

/** A webhook receiver that counts what it gets. */
async function startReceiver() {
  const received: { text: string; n: number }[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const body = JSON.parse(text) as { text: string; n: number };
      received.push(body);
      // Slow enough that two workers would overlap if both sent.
      setTimeout(() => res.writeHead(200).end('ok'), 30);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${origin}/hook`, origin, received, close: () => new Promise((r) => server.close(r)) };
}

describeEachDialect('action batches and webhook deliveries as jobs (%s)', (dialect) => {
  let api: ApiHarness;
  const workers: Worker[] = [];

  beforeAll(async () => {
    api = await startApi(dialect, { users: 120, seed: 191 });
  }, 60_000);
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
  });
  afterAll(async () => {
    await api?.close();
  });

  const connect = async (permission: 'read' | 'read_and_act' = 'read_and_act') => {
    const account = api.emulator.accounts[0]!;
    const existing = await api.seatwise.connections.list();
    for (const c of existing) await api.seatwise.connections.remove(c.id);
    const connection = await api.seatwise.connections.add({
      token: account.tokens.admin,
      apiUrl: api.emulator.graphqlUrl,
      permission,
    });
    expect((await api.seatwise.sync.sync(connection.id)).status).toBe('succeeded');
    return connection.id;
  };

  it('queues an action batch through the API: checked now, run once by a worker, reported at /api/jobs', async () => {
    const connectionId = await connect();
    const members = api.emulator.accounts[0]!.users.filter(
      (u) => u.kind === 'member' && u.status === 'ACTIVE',
    );
    const targets = members.slice(0, 3).map((u) => ({ userId: u.id }));
    const mutationsBefore = api.emulator.state.mutationsExecuted.length;

    // Refused before anything is queued: an unknown user, and a read-only connection.
    const unknown = await api.call('POST', '/api/actions/jobs', {
      body: { action: 'set_role', connectionId, role: 'viewer', targets: [{ userId: '999999999' }] },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('unknown_users');

    const queued = await api.call('POST', '/api/actions/jobs', {
      body: { action: 'set_role', connectionId, role: 'viewer', targets },
    });
    expect(queued.status).toBe(202);
    expect(queued.headers.get('location')).toBe(`/api/jobs/${queued.body.jobId}`);
    expect(queued.body.idempotencyKey).toMatch(/^job-/);
    expect(queued.body.plan.map((p: { outcome: string }) => p.outcome)).toEqual([
      'change',
      'change',
      'change',
    ]);
    // Nothing sent to monday until a worker runs it.
    expect(api.emulator.state.mutationsExecuted.length).toBe(mutationsBefore);
    const waiting = await api.call('GET', `/api/jobs/${queued.body.jobId}`, { key: api.viewerKey });
    expect(waiting.status).toBe(200);
    expect(waiting.body).toMatchObject({ id: queued.body.jobId, status: 'queued' });

    const worker = new Worker(api.seatwise, api.seatwise.jobs, { pollMs: 50, leaseMs: 5_000 });
    workers.push(worker);
    await worker.start();
    await waitFor(
      async () => (await api.call('GET', `/api/jobs/${queued.body.jobId}`)).body.status === 'done',
      'the worker to run the action',
    );
    const done = await api.call('GET', `/api/jobs/${queued.body.jobId}`);
    expect(done.body).toMatchObject({ status: 'done', attempts: 1, error: null });
    expect(done.body.result).toMatchObject({
      action: 'set_role',
      outcome: 'succeeded',
      idempotencyKey: queued.body.idempotencyKey,
      summary: { changed: 3, already: 0, failed: 0 },
    });
    for (const target of targets) {
      const user = api.emulator.accounts[0]!.users.find((u) => u.id === target.userId)!;
      expect(user.kind).toBe('view_only');
    }
    expect(api.emulator.state.mutationsExecuted.length).toBe(mutationsBefore + 1);
    const audit = await api.call('GET', `/api/audit?connectionId=${connectionId}&action=set_role`);
    expect(
      audit.body.entries.filter(
        (e: { idempotencyKey: string | null }) => e.idempotencyKey === queued.body.idempotencyKey,
      ),
    ).toHaveLength(1);
    expect((await api.call('GET', '/api/jobs/job_nonexistent')).status).toBe(404);
  });

  it('two workers send each webhook notification exactly once', async () => {
    const receiver = await startReceiver();
    try {
      const connectionId = await connect();
      await api.seatwise.connections.update(connectionId, { webhookUrl: receiver.url });
      for (let i = 0; i < 2; i++) {
        const worker = new Worker(api.seatwise, api.seatwise.jobs, { pollMs: 20, leaseMs: 5_000 });
        workers.push(worker);
        await worker.start();
      }
      for (let n = 0; n < 12; n++)
        await api.seatwise.notifier.notify(connectionId, 'sync_failed', `notification ${n}`, { n });
      await waitFor(
        async () =>
          (
            await api.seatwise.store.db
              .selectFrom('webhook_deliveries')
              .select('status')
              .where('connection_id', '=', connectionId)
              .execute()
          ).every((d) => d.status === 'delivered'),
        'every notification to be delivered',
      );
      expect(receiver.received.map((r) => r.n).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 12 }, (_, n) => n),
      );
    } finally {
      await receiver.close();
    }
  });
});

describeEachDialect('a queued action whose worker dies (%s)', { timeout: 120_000 }, (dialect) => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let env: Record<string, string>;
  let connectionId: string;
  const LEASE_SECONDS = 2;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 100, accounts: 1, plan: 'enterprise', seed: 193 });
    db = await createTestDatabase(dialect);
    env = { ...db.env, SEATWISE_LEASE_SECONDS: String(LEASE_SECONDS), LOG_LEVEL: 'silent' };
    const app = await createSeatwise({ ...db.config, SEATWISE_LEASE_SECONDS: LEASE_SECONDS });
    connectionId = (
      await app.connections.add({
        token: emulator.accounts[0]!.tokens.admin,
        apiUrl: emulator.graphqlUrl,
        permission: 'read_and_act',
      })
    ).id;
    // Only the jobs a test asks for: a schedule falling due mid-test (every 6 hours) would add its own.
    await app.connections.update(connectionId, { syncSchedule: 'off' });
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
    await app.close();
  }, 60_000);
  afterAll(async () => {
    await db?.cleanup();
    await emulator?.close();
  });

  it('is finished by another worker without acting on monday twice', async () => {
    const target = emulator.accounts[0]!.users.find((u) => u.kind === 'member' && u.status === 'ACTIVE')!;
    const queued = await runCli(
      [
        'action',
        'set-role',
        '--connection',
        connectionId,
        '--user',
        target.id,
        '--role',
        'viewer',
        '--enqueue',
        '--json',
      ],
      env,
    );
    expect(queued.stderr).toBe('');
    const { jobId, idempotencyKey } = JSON.parse(queued.stdout) as { jobId: string; idempotencyKey: string };
    const before = emulator.state.mutationsExecuted.length;

    // monday carries the change out, then holds its answer: the worker dies before hearing it.
    emulator.setFaults({ answerDelayMs: 60_000 });
    const first = spawnCli(['worker'], env);
    try {
      await waitFor(
        () => emulator.state.mutationsExecuted.length > before,
        'monday to carry the change out',
        30_000,
      );
      first.child.kill('SIGKILL');
      await first.done;
    } finally {
      emulator.setFaults({});
    }
    expect(target.kind).toBe('view_only');

    const second = spawnCli(['worker'], env);
    try {
      await waitFor(
        async () => {
          const app = await createSeatwise({ ...db.config, SEATWISE_LEASE_SECONDS: LEASE_SECONDS });
          try {
            return (await app.jobs.state(jobId))?.status === 'done';
          } finally {
            await app.close();
          }
        },
        'the second worker to finish the action',
        90_000,
      );
    } finally {
      second.child.kill('SIGTERM');
      await second.done;
    }
    // Done once on monday; the result says the user is in the target state; the audit shows both attempts.
    expect(emulator.state.mutationsExecuted.length).toBe(before + 1);
    const app = await createSeatwise({ ...db.config, SEATWISE_LEASE_SECONDS: LEASE_SECONDS });
    try {
      const job = (await app.jobs.state(jobId))!;
      expect(job.attempts).toBe(2);
      expect(job.result).toMatchObject({ inTargetState: true, idempotencyKey });
      const stored = await app.users.list({ connectionId });
      expect(stored.find((u) => u.id === target.id)?.role).toBe('viewer');
    } finally {
      await app.close();
    }
  });
});
