import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import type { EmuUser } from '../src/emulator/model.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { readAllPages } from '../src/monday/pageReader.ts';
import { expectCopyEqualsMonday } from './helpers/connected.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';

describe('reading every page when monday bends its pages', () => {
  /** A list of `total` rows served with monday's possible page caps. */
  const server = (total: number, cap: number | null, offset: 'follows' | 'unchanged') => {
    let requests = 0;
    const fetchPage = async (page: number, limit: number) => {
      requests++;
      const size = cap === null ? limit : Math.min(limit, cap);
      const start = (page - 1) * (offset === 'follows' ? size : limit);
      return Array.from({ length: Math.max(0, Math.min(size, total - start)) }, (_, i) => start + i);
    };
    return { fetchPage, requests: () => requests };
  };

  it('sees every row whatever page size monday applies and wherever a capped page starts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5000 }),
        fc.option(fc.integer({ min: 1, max: 1200 }), { nil: null }),
        fc.constantFrom('follows' as const, 'unchanged' as const),
        fc.integer({ min: 0, max: 6000 }),
        async (total, cap, offset, expected) => {
          const { fetchPage } = server(total, cap, offset);
          const seen = new Set<number>();
          for await (const rows of readAllPages(fetchPage, 1000, { expectedRows: expected, window: 4 }))
            for (const row of rows) seen.add(row);
          expect(seen.size).toBe(total);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('costs no more than reading to an empty page when monday takes the limit asked', async () => {
    for (const total of [0, 1, 999, 1000, 1001, 2500]) {
      const { fetchPage, requests } = server(total, null, 'follows');
      for await (const _ of readAllPages(fetchPage, 1000, { expectedRows: 0, window: 1 }));
      expect(requests()).toBe(Math.floor(total / 1000) + 1 + (total % 1000 === 0 ? 0 : 1));
    }
  });
});

describeEachDialect('a sync against bent answers (%s)', (dialect) => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let connectionId: string;
  const account = () => emulator.accounts[0]!;
  const storedIds = async () =>
    (
      await app.store.db
        .selectFrom('directory_users')
        .select('remote_id')
        .where('connection_id', '=', connectionId)
        .where('removed_at', 'is', null)
        .execute()
    )
      .map((r) => r.remote_id)
      .sort();
  /** Takes users out of monday (as if deleted there); returns them to put back. */
  const vanish = (from: number, count: number): EmuUser[] => {
    const gone = account().users.splice(from, count);
    for (const user of gone) account().usersById.delete(user.id);
    return gone;
  };
  const restore = (at: number, users: EmuUser[]) => {
    account().users.splice(at, 0, ...users);
    for (const user of users) account().usersById.set(user.id, user);
  };

  beforeAll(async () => {
    emulator = await startEmulator({ users: 2500, plan: 'enterprise', seed: 11 });
    db = await createTestDatabase(dialect);
    app = await createSeatwise(db.config, { remote: { baseDelayMs: 1 } });
    connectionId = (
      await app.connections.add({
        token: account().tokens.admin,
        apiUrl: emulator.graphqlUrl,
        permission: 'read_and_act',
      })
    ).id;
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  it('reads all 2,500 users on a first sync through pages cut to 150 with the offset unchanged', async () => {
    emulator.setFaults({ pageCap: 150, pageCapOffset: 'unchanged' });
    const result = await app.sync.sync(connectionId).finally(() => emulator.setFaults({}));
    expect(result).toMatchObject({ status: 'succeeded', complete: true, usersSeen: 2500, removed: 0 });
    await expectCopyEqualsMonday(app.store, connectionId, emulator);
  });

  it('removes only the people monday no longer has when pages and look-ups are both cut short', async () => {
    const gone = vanish(1200, 5);
    emulator.setFaults({ pageCap: 150, pageCapOffset: 'unchanged', lookupCap: 40 });
    const result = await app.sync.sync(connectionId).finally(() => emulator.setFaults({}));
    expect(result).toMatchObject({ status: 'succeeded', removed: 5, removalsHeld: 0 });
    await expectCopyEqualsMonday(app.store, connectionId, emulator);
    restore(1200, gone);
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
    await expectCopyEqualsMonday(app.store, connectionId, emulator);
  });

  it('removes nobody when look-ups by id answer only their first 100 and pages end early', async () => {
    // A page cap whose end looks like the list's end: only the look-ups can tell who is still there.
    emulator.setFaults({ pageCap: 700, pageCapOffset: 'unchanged', lookupCap: 100 });
    const result = await app.sync.sync(connectionId).finally(() => emulator.setFaults({}));
    expect(result).toMatchObject({ status: 'succeeded', removed: 0, removalsHeld: 0 });
    expect(await storedIds()).toHaveLength(2500);
  });

  it('holds 300 removals at once for review, applies the rest, and removes them once an admin confirms', async () => {
    const gone = vanish(100, 300);
    const role = account().users[0]!;
    const result = await app.sync.sync(connectionId);
    expect(result).toMatchObject({ status: 'succeeded', complete: true, removed: 0, removalsHeld: 300 });
    // Nobody left the copy; the run, the connection and the held list say why.
    expect(await storedIds()).toHaveLength(2500);
    const run = await app.sync.getRun(result.runId);
    expect(run.removalsHeld).toBe(300);
    const held = await app.sync.heldRemovals(connectionId);
    expect(held.map((h) => h.userId).sort()).toEqual(gone.map((u) => u.id).sort());
    expect(held[0]).toMatchObject({ runId: result.runId, email: expect.stringContaining('@') });
    expect((await app.connections.get(connectionId)).statusReason).toContain('300 removals held for review');
    // A later plain sync holds them again; nothing else is held back meanwhile.
    role.name = 'Renamed While Held';
    const again = await app.sync.sync(connectionId);
    expect(again).toMatchObject({ removed: 0, removalsHeld: 300 });
    // Two of the held come back in monday before the admin confirms: they stay.
    restore(100, gone.slice(0, 2));
    const confirmed = await app.sync.sync(connectionId, { confirmRemovals: true });
    expect(confirmed).toMatchObject({ status: 'succeeded', removed: 298, removalsHeld: 0 });
    await expectCopyEqualsMonday(app.store, connectionId, emulator);
    expect(await app.sync.heldRemovals(connectionId)).toEqual([]);
    expect((await app.connections.get(connectionId)).statusReason).toBeNull();
    restore(102, gone.slice(2));
  });

  it('removes many at once without review when the connection allows it', async () => {
    await app.connections.update(connectionId, { removalHoldPercent: 100 });
    const gone = vanish(1500, 400);
    const result = await app.sync.sync(connectionId);
    expect(result).toMatchObject({ removed: 400, removalsHeld: 0 });
    await app.connections.update(connectionId, { removalHoldPercent: 10 });
    restore(1500, gone);
  });
});
