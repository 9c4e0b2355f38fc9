import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seatwise } from '../src/compose.ts';
import type { RealErrorShape } from '../src/emulator/faults.ts';
import { seedAccounts } from '../src/emulator/seed.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import type { MondayError } from '../src/monday/mondayError.ts';
import { DEACTIVATE_USERS } from '../src/monday/operations.ts';
import { connectedSeatwise } from './helpers/connected.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';
import { expectedAccess } from './helpers/expectedAccess.ts';

const actor = 'test:real-shapes';

describe("monday's real error bodies, served by the emulator, in a sync and in an action", () => {
  // One clock for monday and Seatwise: waiting moves time instead of sleeping.
  const clock = { t: Date.UTC(2026, 10, 29, 10, 0, 20), waited: [] as number[] };
  const now = () => clock.t;
  const sleep = async (ms: number) => {
    clock.waited.push(ms);
    clock.t += ms;
  };
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let connectionId: string;
  const account = () => emulator.accounts[0]!;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 2600, plan: 'pro', seed: 91, now });
    db = await createTestDatabase('sqlite');
    ({ app, connectionId } = await connectedSeatwise(emulator, db, {
      remote: { baseDelayMs: 1, clock: { now, sleep } },
      now: () => new Date(clock.t),
    }));
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  async function storedCount() {
    return (await app.users.list({ connectionId })).length;
  }

  it.each([
    ['legacyComplexity', 16_000],
    ['complexityNoReset', null],
    ['minuteLimit', null],
    ['concurrencyLimit', null],
  ] as [RealErrorShape, number | null][])(
    'a sync served %s waits as monday says (or to the next minute) and completes, removing no one',
    async (shape, waitMs) => {
      const before = await storedCount();
      clock.waited.length = 0;
      emulator.setFaults({ realError: shape, realErrorTimes: 2 });
      const result = await app.sync.sync(connectionId);
      emulator.setFaults({});
      expect(result).toMatchObject({ status: 'succeeded', complete: true, removed: 0 });
      expect(result.retries).toBe(2);
      expect(await storedCount()).toBe(before);
      // Never a short back-off: every wait is monday's, or the rest of the current minute. Pages read ahead
      // are refused together and share the account's one pause rather than waiting one after the other.
      expect(clock.waited.length).toBeGreaterThanOrEqual(1);
      for (const ms of clock.waited) expect(ms).toBeGreaterThan(1000);
      if (waitMs) expect(clock.waited).toContain(waitMs);
    },
  );

  it.each([
    'legacyComplexity',
    'complexityNoReset',
    'minuteLimit',
    'concurrencyLimit',
    'internalError',
  ] as RealErrorShape[])('an action served %s waits or retries, then acts exactly once', async (shape) => {
    const target = account().users.find(
      (u, i) => i > 2 && u.status === 'ACTIVE' && u.kind === 'member' && u.id !== account().tokenOwners.admin,
    )!;
    const mutations = emulator.state.mutationsExecuted.length;
    emulator.setFaults({ realError: shape, realErrorTimes: 2 });
    const result = await app.actions.run(
      { action: 'deactivate', via: 'graphql', connectionId, targets: [{ userId: target.id }] },
      actor,
    );
    emulator.setFaults({});
    expect(result).toMatchObject({ outcome: 'succeeded', inTargetState: true, summary: { changed: 1 } });
    expect(target.status).toBe('INACTIVE');
    expect(emulator.state.mutationsExecuted.length).toBe(mutations + 1);
  });

  it('an action served "Not Authenticated" inside HTTP 200 stops before acting and says the token was refused', async () => {
    const target = account().users.find((u, i) => i > 2 && u.status === 'ACTIVE' && u.kind === 'member')!;
    emulator.setFaults({ realError: 'notAuthenticated', realErrorTimes: 100 });
    const refused = await app.actions
      .run({ action: 'deactivate', via: 'graphql', connectionId, targets: [{ userId: target.id }] }, actor)
      .catch((e: Error) => e);
    emulator.setFaults({});
    expect((refused as Error).message).toContain('monday did not accept the API token (Not Authenticated)');
    expect(target.status).toBe('ACTIVE');
    const [entry] = await app.actions.auditLog({ connectionId, limit: 1 });
    expect(entry).toMatchObject({ outcome: 'failed', error: { code: 'Unauthorized' } });
    expect(entry!.requestIds).toHaveLength(1);
  });

  it('a sync served an internal error inside HTTP 200 retries it like a 500 and completes', async () => {
    emulator.setFaults({ realError: 'internalError', realErrorTimes: 2 });
    const result = await app.sync.sync(connectionId);
    emulator.setFaults({});
    expect(result).toMatchObject({ status: 'succeeded', retries: 2, removed: 0 });
  });

  it('a budget that never refills fails the sync saying so, and keeps every user', async () => {
    const before = await storedCount();
    emulator.setFaults({ realError: 'complexityNoReset', realErrorTimes: 100 });
    const result = await app.sync.sync(connectionId);
    emulator.setFaults({});
    expect(result.status).toBe('failed');
    expect(result.error!.code).toBe('ComplexityException');
    expect(result.error!.message).toMatch(
      /^monday's complexity budget is exhausted \(monday still refused after 5 waits totalling \d+ s\)$/,
    );
    expect(await storedCount()).toBe(before);
  });

  it('"Not Authenticated" inside HTTP 200 fails the sync as a token problem, with what to do', async () => {
    emulator.setFaults({ realError: 'notAuthenticated', realErrorTimes: 100 });
    const result = await app.sync.sync(connectionId);
    emulator.setFaults({});
    expect(result).toMatchObject({ status: 'failed', error: { code: 'Unauthorized' } });
    expect(result.error!.message).toContain('monday did not accept the API token (Not Authenticated)');
    expect(result.error!.message).toContain('give the connection a new token');
    // monday's request id of the failing answer is kept with the run, for monday's support.
    const run = await app.sync.getRun(result.runId);
    expect(run.error).toMatchObject({
      code: 'Unauthorized',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
  });

  it("a bare UserUnauthorizedException says the token's owner lacks the rights, and for which operation", async () => {
    const client = await app.connections.graphql(connectionId);
    const target = account().users.find((u, i) => i > 2 && u.status === 'ACTIVE' && u.kind === 'member')!;
    emulator.setFaults({ realError: 'userUnauthorized', realErrorTimes: 100 });
    const refused = await client
      .request(
        DEACTIVATE_USERS,
        { ids: [target.id] },
        { idempotencyKey: '9b1f7a52-3c4d-4e5f-a6b7-c8d9e0f1a2b3' },
      )
      .catch((e: MondayError) => e);
    // The same refusal reaches an action as the reason it stopped, before anything was changed.
    const action = await app.actions
      .run({ action: 'deactivate', via: 'graphql', connectionId, targets: [{ userId: target.id }] }, actor)
      .catch((e: MondayError) => e);
    emulator.setFaults({});
    expect(refused).toMatchObject({ code: 'UserUnauthorizedException', retryable: false });
    expect((refused as MondayError).message).toBe(
      "monday refused deactivate_users: the API token's owner lacks the rights for it (User unauthorized to perform action); an admin's token is needed",
    );
    expect((action as MondayError).message).toContain(
      "monday refused users: the API token's owner lacks the rights",
    );
    expect(target.status).toBe('ACTIVE');
    const [entry] = await app.actions.auditLog({ connectionId, limit: 1 });
    expect(entry).toMatchObject({ outcome: 'failed', error: { code: 'UserUnauthorizedException' } });
  });

  it('reads on past a short page when monday applied its own page size of 200, and removes no one', async () => {
    const before = await storedCount();
    emulator.setFaults({ pageCap: 200 });
    const result = await app.sync.sync(connectionId);
    emulator.setFaults({});
    const total = account().users.length;
    expect(result).toMatchObject({ status: 'succeeded', usersSeen: total, removed: 0 });
    // Every user came from the pages themselves, no look-ups by id: the pages of 1,000 known to exist (read
    // ahead at once, each answered with 200), one row past the first proving more follow, the rest at
    // monday's 200 from there, and one row past the end proving it.
    const readAhead = Math.floor((total * 0.99) / 1000);
    expect(result.requests - result.teamRequests).toBe(readAhead + 1 + (Math.ceil(total / 200) - 1) + 1);
    expect(await storedCount()).toBe(before);
  });

  it('shows agents, service and portal users with their kind and no seat, outside the seat counts', async () => {
    const bots = account().users.filter((u) => expectedAccess(u).role === 'other');
    expect(bots.length).toBeGreaterThan(10);
    const stored = await app.users.list({ connectionId, role: 'other' });
    expect(stored.map((u) => [u.id, u.kind, u.license]).sort()).toEqual(
      bots.map((u) => [u.id, u.kind, null]).sort(),
    );
    const one = await app.users.get(connectionId, bots[0]!.id);
    expect(one.explanation).toContain('no seat (not a person)');
    const [insights] = await app.insights.forConnections(connectionId);
    expect(insights!.notPeople).toBe(bots.length);
    const seats = account().users.filter((u) => expectedAccess(u).license === 'member').length;
    expect(insights!.seats.memberSeats).toBe(seats);
  });
});

describe('the seeded accounts', () => {
  it('have the same ids, emails and tokens whatever the number of users or the plan', () => {
    const base = seedAccounts({
      seed: 5,
      accounts: 2,
      usersPerAccount: 50,
      plan: 'pro',
      referenceDate: new Date(),
    });
    const other = seedAccounts({
      seed: 5,
      accounts: 2,
      usersPerAccount: 400,
      plan: 'enterprise',
      referenceDate: new Date(),
    });
    for (const [a, b] of base.map((account, i) => [account, other[i]!] as const)) {
      expect(b.id).toBe(a.id);
      expect(b.tokens).toEqual(a.tokens);
      expect(b.users.slice(0, 50).map((u) => [u.id, u.email, u.kind])).toEqual(
        a.users.map((u) => [u.id, u.email, u.kind]),
      );
    }
    expect(other[0]!.scimToken).not.toBeNull();
  });
});
