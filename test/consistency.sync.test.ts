import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Seatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import type { MondayApi } from '../src/monday/mondayApi.ts';
import { LeaseRepo } from '../src/store/leaseRepo.ts';
import { SyncConflictError, SyncEngine } from '../src/sync/syncEngine.ts';
import { waitFor } from './helpers/cli.ts';
import {
  connectedSeatwise,
  expectCopyEqualsMonday as expectCopyEqualsMondayIn,
} from './helpers/connected.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';

const actor = 'test:consistency';

/**
 * A MondayApi whose pages stop after `page` until released, and which records the ids each page held. `arrived`
 * settles once page `page` is held back and every page before it has been read (pages are fetched a few at once,
 * so they may come back in any order).
 */
function gated(api: MondayApi, page: number) {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached: () => void = () => {};
  const arrived = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const pages: string[][] = [];
  let held = false;
  const check = () => {
    if (held && Array.from({ length: page - 1 }, (_, i) => pages[i]).every(Boolean)) reached();
  };
  const wrapped = Object.create(api) as MondayApi;
  wrapped.usersPage = async (n, limit) => {
    const users = await api.usersPage(n, limit);
    pages[n - 1] = users.map((u) => u.id);
    if (n === page) held = true;
    check();
    if (n === page) await gate;
    return users;
  };
  return { api: wrapped, release, arrived, pages };
}

describeEachDialect('syncs, actions and leases on one connection (%s)', (dialect) => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let connectionId: string;
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  // Each test starts on today's clock, whatever an earlier one moved it to.
  afterEach(() => {
    offsetMs = 0;
  });
  const account = () => emulator.accounts[0]!;

  const expectCopyEqualsMonday = () => expectCopyEqualsMondayIn(app.store, connectionId, emulator);

  beforeAll(async () => {
    emulator = await startEmulator({ users: 2500, plan: 'pro', seed: 82 });
    db = await createTestDatabase(dialect);
    ({ app, connectionId } = await connectedSeatwise(emulator, db, { now }));
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  const engine = (heartbeatMs = 20) => new SyncEngine(app.store, now, { leaseMs: 60_000, heartbeatMs });
  const deactivate = (userId: string) =>
    app.actions.run({ action: 'deactivate', via: 'graphql', connectionId, targets: [{ userId }] }, actor);
  const activeOn = (ids: string[]) =>
    ids.find((id) => {
      const u = account().usersById.get(id)!;
      return u.status === 'ACTIVE' && u.kind === 'member' && id !== account().tokenOwners.admin;
    })!;

  it('an action that lands after the sync read its user is not overwritten, and no change is invented', async () => {
    const g = gated(await app.connections.api(connectionId), 2);
    const sync = engine().run(connectionId, g.api);
    await g.arrived;
    const userId = activeOn(g.pages[0]!);
    expect((await deactivate(userId)).summary.changed).toBe(1);
    g.release();
    const result = await sync;
    expect(result.status).toBe('succeeded');
    expect(account().usersById.get(userId)!.status).toBe('INACTIVE');
    expect((await app.users.get(connectionId, userId)).status).toBe('deactivated');
    const events = await app.store.db
      .selectFrom('change_events')
      .select(['run_id', 'kind', 'after_value'])
      .where('remote_user_id', '=', userId)
      .execute();
    expect(events.filter((e) => e.run_id === result.runId)).toEqual([]);
    expect(events.filter((e) => e.kind === 'status_changed')).toEqual([
      { run_id: null, kind: 'status_changed', after_value: '"deactivated"' },
    ]);
    await expectCopyEqualsMonday();
  });

  it('an action that writes the copy while the sync is about to commit wins, and the run records it', async () => {
    const api = await app.connections.api(connectionId);
    let userId = '';
    const result = await engine().run(connectionId, api, {
      beforeCommit: async () => {
        userId = activeOn(account().users.map((u) => u.id));
        expect((await deactivate(userId)).summary.changed).toBe(1);
      },
    });
    expect(result).toMatchObject({ status: 'succeeded', keptForActions: 0 });
    expect((await app.users.get(connectionId, userId)).status).toBe('deactivated');
    await expectCopyEqualsMonday();

    // A user the sync saw change in monday, changed again by an action before the sync commits: the
    // action's newer answer stays, and the run says it left that user alone.
    const target = activeOn(account().users.map((u) => u.id));
    account().usersById.get(target)!.kind = 'guest';
    const changed = await engine().run(connectionId, api, {
      beforeCommit: async () => {
        await app.actions.run(
          { action: 'set_role', connectionId, targets: [{ userId: target }], role: 'viewer' },
          actor,
        );
      },
    });
    expect(changed).toMatchObject({ status: 'succeeded', keptForActions: 1 });
    expect((await app.users.get(connectionId, target)).role).toBe('viewer');
    const guestEvents = await app.store.db
      .selectFrom('change_events')
      .select('after_value')
      .where('remote_user_id', '=', target)
      .where('kind', '=', 'role_changed')
      .execute();
    expect(guestEvents).toEqual([{ after_value: '"viewer"' }]);
    await expectCopyEqualsMonday();
    expect((await app.sync.sync(connectionId)).changes).toBe(0);
  });

  it('keeps the copy exact when the sync reads while an action waits for monday to answer', async () => {
    const userId = activeOn(account().users.map((u) => u.id));
    emulator.setFaults({ answerDelayMs: 300, surfaces: ['graphql'] });
    const before = emulator.state.mutationsExecuted.length;
    let acted = false;
    const action = deactivate(userId).then((r) => {
      acted = true;
      return r;
    });
    // monday has carried the action out and holds its answer: the sync reads meanwhile.
    await waitFor(() => emulator.state.mutationsExecuted.length > before, 'monday to carry out the action');
    const sync = app.sync.sync(connectionId);
    expect(acted).toBe(false);
    const [done, synced] = await Promise.all([action, sync]);
    emulator.setFaults({});
    expect(done.summary.changed).toBe(1);
    expect(synced.status).toBe('succeeded');
    await expectCopyEqualsMonday();
    expect((await app.sync.sync(connectionId)).changes).toBe(0);
  });

  it('a heartbeat still in flight when a sync ends does not hold the connection again', async () => {
    const original = LeaseRepo.prototype.heartbeat;
    // Every beat lands late, so one is always in flight when the sync ends.
    LeaseRepo.prototype.heartbeat = async function (this: LeaseRepo, ...args) {
      await sleep(150);
      return original.apply(this, args);
    };
    try {
      const first = await engine(5).run(connectionId, await app.connections.api(connectionId));
      expect(first.status).toBe('succeeded');
      const second = await engine(5).run(connectionId, await app.connections.api(connectionId));
      expect(second.status).toBe('succeeded');
    } finally {
      LeaseRepo.prototype.heartbeat = original;
    }
  });

  it('a slow sync that heartbeats keeps its lease past the abandonment interval and is never taken over', async () => {
    const g = gated(await app.connections.api(connectionId), 1);
    const slow = engine().run(connectionId, g.api);
    await g.arrived;
    const leases = new LeaseRepo(app.store.db);
    for (let i = 0; i < 10; i++) {
      offsetMs += 30_000;
      // Wait for a heartbeat at the new time, however slow the machine.
      const at = now().toISOString();
      await waitFor(async () => ((await leases.get(connectionId))?.heartbeat_at ?? '') >= at, 'a heartbeat');
    }
    const second = await engine()
      .run(connectionId, await app.connections.api(connectionId))
      .catch((e) => e);
    expect(second).toBeInstanceOf(SyncConflictError);
    expect(second.message).toMatch(
      /already running: sync run_\w+ \(pid \d+ on .+\) holds the connection until/,
    );
    g.release();
    expect((await slow).status).toBe('succeeded');
  });

  it('a sync that stopped heartbeating is taken over after the lease, and its late commit is refused', async () => {
    const g = gated(await app.connections.api(connectionId), 1);
    // A frozen process: it never heartbeats.
    const frozen = engine(3_600_000).run(connectionId, g.api);
    await g.arrived;
    const refused = await engine()
      .run(connectionId, await app.connections.api(connectionId))
      .catch((e) => e);
    expect(refused).toBeInstanceOf(SyncConflictError);
    offsetMs += 61_000;
    const takeover = await engine().run(connectionId, await app.connections.api(connectionId));
    expect(takeover.status).toBe('succeeded');
    g.release();
    const late = await frozen;
    expect(late).toMatchObject({ status: 'failed', error: { code: 'lease_lost' } });
    const runs = await app.sync.listRuns(connectionId, 2);
    expect(runs[0]).toMatchObject({ id: takeover.runId, status: 'succeeded' });
    expect(runs[1]).toMatchObject({ id: late.runId, status: 'failed', error: { code: 'abandoned' } });
    expect(runs[1]!.error!.message).toContain(`run ${takeover.runId} took over`);
    await expectCopyEqualsMonday();
  });
});
