import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { AppError } from '../src/domain/appError.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';
import { expectedTeamRequests } from './helpers/teams.ts';

describe('sync under faults', () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let connectionId: string;
  const account = () => emulator.accounts[0]!;
  const emulatorIds = () =>
    account()
      .users.map((u) => u.id)
      .sort();

  beforeAll(async () => {
    emulator = await startEmulator({ users: 10_000, plan: 'pro', seed: 5 });
    db = await createTestDatabase('sqlite');
    // Timeouts well above a loaded machine's answer times: only the emulator's held answers time out.
    app = await createSeatwise(db.config, { remote: { baseDelayMs: 1, maxRetries: 6, timeoutMs: 5000 } });
    connectionId = (await app.connections.add({ token: account().tokens.admin, apiUrl: emulator.graphqlUrl }))
      .id;
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  it('completes through 5xx answers, cut-off bodies and hung requests, with exactly the right users', async () => {
    emulator.setFaults({ serverErrorRate: 0.25, malformedRate: 0.1, timeoutRate: 0.05, timeoutHoldMs: 8000 });
    try {
      const result = await app.sync.sync(connectionId);
      expect(result).toMatchObject({ status: 'succeeded', complete: true, usersSeen: 10_000 });
      expect(result.retries).toBeGreaterThan(0);
      expect(result.requests).toBe(11 + expectedTeamRequests(account()) + result.retries);
    } finally {
      emulator.setFaults({});
    }
    const stored = (await app.users.list({ connectionId })).map((u) => u.id).sort();
    expect(stored).toEqual(emulatorIds());
  });

  it('fails with a clear reason when monday keeps failing, and removes nobody', async () => {
    const gone = account().users[4000]!;
    account().users.splice(4000, 1);
    account().usersById.delete(gone.id);
    emulator.setFaults({ serverErrorRate: 1, serverErrorStatus: 503 });
    let result: Awaited<ReturnType<typeof app.sync.sync>>;
    try {
      result = await app.sync.sync(connectionId);
    } finally {
      emulator.setFaults({});
    }
    expect(result).toMatchObject({
      status: 'failed',
      complete: false,
      error: { code: 'http_5xx', message: 'monday answered HTTP 503' },
    });
    const stored = await app.users.list({ connectionId });
    expect(stored).toHaveLength(10_000);
    expect(stored.some((u) => u.id === gone.id)).toBe(true);
    const connection = await app.connections.get(connectionId);
    expect(connection.statusReason).toBe('sync failed: monday answered HTTP 503');
    // Restore the account for the next test.
    account().users.splice(4000, 0, gone);
    account().usersById.set(gone.id, gone);
  });

  it('never marks removed a user skipped because pages shifted mid-sync', async () => {
    const deleted = account().users[10]!;
    const shifted = account().users[1000]!;
    let removedOnce = false;
    const result = await app.sync.sync(connectionId, {
      onProgress: ({ pagesRead }) => {
        if (pagesRead === 1 && !removedOnce) {
          // Deleting a user on page 1 moves the first user of page 2 onto page 1, which was already read.
          removedOnce = true;
          account().users.splice(10, 1);
          account().usersById.delete(deleted.id);
        }
      },
    });
    // The deleted user was read before it went; the shifted one was never on a page and had to be confirmed.
    expect(result).toMatchObject({ status: 'succeeded', removed: 0, usersSeen: 10_000 });
    // Ten pages (the last one short), one row past the end proving it, and the look-up of the shifted user.
    expect(result.requests - result.teamRequests).toBe(12);
    // The deleted user's stored memberships are not on any team's page: one look-up confirms they are gone.
    expect(result.teamRequests).toBe(expectedTeamRequests(account()) + (deleted.teamIds.length > 0 ? 1 : 0));
    const events = await app.users.changes(connectionId, result.runId);
    expect(events.filter((e) => e.kind === 'removed')).toEqual([]);
    const stored = await app.users.list({ connectionId });
    expect(stored.some((u) => u.id === shifted.id)).toBe(true);

    const next = await app.sync.sync(connectionId);
    expect(next).toMatchObject({ status: 'succeeded', removed: 1 });
    const nextEvents = await app.users.changes(connectionId, next.runId);
    expect(nextEvents.map((e) => [e.userId, e.kind])).toEqual([[deleted.id, 'removed']]);
    expect((await app.users.list({ connectionId })).map((u) => u.id).sort()).toEqual(emulatorIds());
  });

  it('runs one sync at a time per connection', async () => {
    emulator.setFaults({ latencyMs: 50 });
    try {
      const first = app.sync.sync(connectionId);
      const second = await app.sync.sync(connectionId).catch((e) => e);
      expect(second).toBeInstanceOf(AppError);
      expect(second).toMatchObject({ code: 'sync_in_progress', kind: 'conflict' });
      expect((await first).status).toBe('succeeded');
    } finally {
      emulator.setFaults({});
    }
  });
});
