import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { JOB_RETRY_DELAYS_MS } from '../src/jobs/jobQueue.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';

describeEachDialect('the job queue and schedules (%s)', (dialect) => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  const clock = { t: Date.parse('2026-11-29T10:30:00.000Z') };
  const ids: string[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ users: 20, accounts: 3, plan: 'pro', seed: 171 });
    db = await createTestDatabase(dialect);
    app = await createSeatwise(db.config, { now: () => new Date(clock.t) });
    for (const account of emulator.accounts)
      ids.push((await app.connections.add({ token: account.tokens.admin, apiUrl: emulator.graphqlUrl })).id);
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  /** The sync jobs queued for a connection: the database queue's, or pg-boss's with PostgreSQL. */
  const jobsOf = async (connectionId: string): Promise<unknown[]> => {
    if (dialect === 'sqlite')
      return app.store.db.selectFrom('jobs').selectAll().where('connection_id', '=', connectionId).execute();
    const { rows } = await sql<{
      id: string;
    }>`select id from pgboss.job where name = 'sync' and singleton_key = ${connectionId}`.execute(
      app.store.db,
    );
    return rows;
  };

  it('joins a sync asked for while one waits, and queues one behind a sync that runs', async () => {
    const first = await app.jobQueue.enqueue('sync', ids[0]!);
    expect(await app.jobQueue.enqueue('sync', ids[0]!)).toBe(first);
    const claimed = await app.jobQueue.claim('w1', 60_000);
    expect(claimed?.id).toBe(first);
    const behind = await app.jobQueue.enqueue('sync', ids[0]!);
    expect(behind).not.toBe(first);
    // The connection's sync runs: the one behind it waits, whoever asks.
    expect(await app.jobQueue.claim('w2', 60_000)).toBeNull();
    await app.jobQueue.complete(first, 'w1', { ok: true });
    expect((await app.jobQueue.claim('w2', 60_000))?.id).toBe(behind);
    await app.jobQueue.complete(behind, 'w2', { ok: true });
  });

  it('gives each job to one worker, however many ask at once', async () => {
    const queued = await Promise.all(ids.map((id) => app.jobQueue.enqueue('sync', id)));
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) => app.jobQueue.claim(`w${i}`, 60_000)),
    );
    const taken = claims.filter((c) => c !== null);
    expect(taken.map((c) => c!.id).sort()).toEqual([...queued].sort());
    expect(new Set(taken.map((c) => c!.holder)).size).toBe(taken.length);
    for (const job of taken) await app.jobQueue.complete(job!.id, job!.holder!, {});
  });

  it('takes over a job whose worker stopped heartbeating, once its lease has run out', async () => {
    const id = await app.jobQueue.enqueue('sync', ids[1]!);
    const held = await app.jobQueue.claim('dead worker', 5_000);
    expect(held?.id).toBe(id);
    expect(await app.jobQueue.claim('other', 5_000)).toBeNull();
    clock.t += 6_000;
    const taken = await app.jobQueue.claim('other', 5_000);
    expect(taken).toMatchObject({ id, holder: 'other', attempts: 2 });
    // The dead worker's late answer changes nothing.
    await app.jobQueue.complete(id, 'dead worker', { late: true });
    expect((await app.jobQueue.get(id))?.status).toBe('running');
    await app.jobQueue.complete(id, 'other', {});
  });

  it('retries a failed job after a growing wait, and gives up after the last attempt', async () => {
    const id = await app.jobQueue.enqueue('sync', ids[2]!);
    for (let attempt = 1; attempt <= JOB_RETRY_DELAYS_MS.length + 1; attempt++) {
      const job = await app.jobQueue.claim('w', 60_000);
      expect(job?.id).toBe(id);
      await app.jobQueue.fail(job!, 'w', `monday is down (${attempt})`, { retryable: true });
      const after = await app.jobQueue.get(id);
      if (attempt <= JOB_RETRY_DELAYS_MS.length) {
        expect(after?.status).toBe('queued');
        expect(Date.parse(after!.run_after) - clock.t).toBe(JOB_RETRY_DELAYS_MS[attempt - 1]);
        expect(await app.jobQueue.claim('w', 60_000)).toBeNull();
        clock.t += JOB_RETRY_DELAYS_MS[attempt - 1]!;
      } else {
        expect(after).toMatchObject({ status: 'failed', last_error: `monday is down (${attempt})` });
      }
    }
  });

  it('schedules syncs: every six hours by default, a missed schedule runs once, off never', async () => {
    await app.store.db.deleteFrom('jobs').execute();
    if (dialect === 'postgres') await sql`delete from pgboss.job`.execute(app.store.db).catch(() => {});
    // First seen: only the next run is set.
    expect(await app.scheduler.tick()).toEqual([]);
    const views = await Promise.all(ids.map((id) => app.connections.get(id)));
    expect(views.map((v) => [v.syncSchedule, v.nextSyncAt])).toEqual(
      ids.map(() => ['0 */6 * * *', `${new Date(clock.t).toISOString().slice(0, 11)}12:00:00.000Z`]),
    );
    await app.connections.update(ids[2]!, { syncSchedule: 'off' });
    await app.connections.update(ids[1]!, { syncSchedule: '*/15 * * * *' });
    await expect(app.connections.update(ids[1]!, { syncSchedule: 'every day' })).rejects.toMatchObject({
      code: 'invalid_connection_update',
    });
    expect(await app.scheduler.tick()).toEqual([]);

    // Three days later, nothing having run meanwhile: each due connection syncs once, not once per missed slot.
    clock.t += 3 * 86_400_000;
    const [a, b] = await Promise.all([app.scheduler.tick(), app.scheduler.tick()]);
    expect([...a, ...b].sort()).toEqual([ids[0]!, ids[1]!].sort());
    expect(await jobsOf(ids[0]!)).toHaveLength(1);
    expect(await jobsOf(ids[1]!)).toHaveLength(1);
    expect(await jobsOf(ids[2]!)).toHaveLength(0);
    expect((await app.connections.get(ids[1]!)).nextSyncAt).toBe(
      new Date(Math.ceil((clock.t + 1) / 900_000) * 900_000).toISOString(),
    );
    expect(await app.scheduler.tick()).toEqual([]);
  });
});
