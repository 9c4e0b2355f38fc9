import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Seatwise } from '../src/compose.ts';
import type { EmuUser } from '../src/emulator/model.ts';
import type { RunningEmulator } from '../src/emulator/server.ts';
import { seatwiseWithEmulator } from './helpers/connected.ts';
import { describeEachDialect } from './helpers/databases.ts';
import { expectedAccess } from './helpers/expectedAccess.ts';

const today = new Date('2026-12-07T10:00:00Z');
const after2027_01 = new Date('2027-01-16T10:00:00Z');

/** Every user as monday holds them, keyed by id: what a complete sync must have stored. */
function mondayUsers(emulator: RunningEmulator) {
  return new Map(emulator.accounts[0]!.users.map((u) => [u.id, expectedAccess(u)]));
}

async function storedUsers(app: Seatwise, connectionId: string) {
  const users = await app.users.list({ connectionId });
  return new Map(
    users.map((u) => [
      u.id,
      { role: u.role, status: u.status, license: u.license, scimLinked: u.scimLinked },
    ]),
  );
}

describeEachDialect("monday's version calendar (%s)", (dialect) => {
  let emulator: RunningEmulator;
  let app: Seatwise;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ emulator, app, close } = await seatwiseWithEmulator(
      dialect,
      { users: 300, plan: 'enterprise', seed: 41, calendarDate: today },
      { maxRetries: 1, baseDelayMs: 1 },
    ));
  });
  afterAll(async () => {
    await close?.();
  });
  const token = () => emulator.accounts[0]!.tokens.admin;

  it('connects new accounts to the current version, sending no version header, and stores what monday served', async () => {
    const c = await app.connections.add({ token: token() });
    expect(c).toMatchObject({ apiVersion: 'current', servedApiVersion: '2026-10', apiVersionNotice: null });
    const result = await app.sync.sync(c.id);
    expect(result.status).toBe('succeeded');
    const expected = mondayUsers(emulator);
    const stored = await storedUsers(app, c.id);
    expect(stored.size).toBe(expected.size);
    for (const [id, access] of expected) expect(stored.get(id), id).toEqual(access);
    await app.connections.remove(c.id);
  });

  it('keeps a connection pinned to 2026-07 working the day monday serves 2026-10 for it, and says what to do', async () => {
    emulator.state.calendarDate = today;
    const c = await app.connections.add({ token: token(), apiVersion: '2026-07' });
    // Today 2026-07 is monday's maintenance version: served as asked, with a word on the card.
    expect(c).toMatchObject({ apiVersion: '2026-07', servedApiVersion: '2026-07' });
    expect(c.apiVersionNotice).toMatchObject({ level: 'info' });
    expect(c.apiVersionNotice!.message).toContain('maintenance');
    expect((await app.sync.sync(c.id)).status).toBe('succeeded');

    // 2027-01-15: 2026-07 is deprecated, and monday serves its maintenance version (2026-10) instead.
    emulator.state.calendarDate = after2027_01;
    const mutations = emulator.state.mutationsExecuted.length;
    const result = await app.sync.sync(c.id);
    expect(result.error).toBeNull();
    expect(result.status).toBe('succeeded');
    expect(emulator.state.mutationsExecuted.length).toBe(mutations);
    const expected = mondayUsers(emulator);
    const stored = await storedUsers(app, c.id);
    for (const [id, access] of expected) expect(stored.get(id), id).toEqual(access);

    const card = await app.connections.get(c.id);
    expect(card.servedApiVersion).toBe('2026-10');
    expect(card.apiVersionNotice).toMatchObject({ level: 'warning' });
    expect(card.apiVersionNotice!.since).not.toBeNull();
    expect(card.apiVersionNotice!.message).toContain(
      "monday serves API 2026-10 for this connection's pinned 2026-07",
    );
    expect(card.apiVersionNotice!.message).toContain(
      `seatwise connections update ${c.id} --api-version current`,
    );
    const caps = await app.actions.capabilities(c.id);
    expect(caps.apiVersion).toMatchObject({ setting: '2026-07', served: '2026-10' });
    expect(caps.apiVersion.notice?.message).toBe(card.apiVersionNotice!.message);

    // Following current again clears the notice.
    const updated = await app.connections.update(c.id, { apiVersion: 'current' });
    expect(updated).toMatchObject({
      apiVersion: 'current',
      servedApiVersion: '2027-01',
      apiVersionNotice: null,
    });
    expect((await app.sync.sync(c.id)).status).toBe('succeeded');
    emulator.state.calendarDate = today;
    await app.connections.remove(c.id);
  });

  it('refuses a malformed or too old version with a clear error', async () => {
    for (const apiVersion of ['2026-7', 'latest', '2026-04'])
      await expect(app.connections.add({ token: token(), apiVersion })).rejects.toMatchObject({
        code: 'invalid_connection',
      });
  });

  it('holds users of kinds Seatwise does not know apart as unclassified, never as people', async () => {
    const account = emulator.accounts[0]!;
    const template = account.users.find((u) => u.kind === 'member' && u.status === 'ACTIVE')!;
    const odd = (id: number, kind: EmuUser['kind']): EmuUser => ({
      ...template,
      id: String(id),
      email: `odd${id}@example.org`,
      kind,
      teamIds: [],
    });
    for (const [i, kind] of (['vibe_user', 'vibe_user', 'external_agent_member'] as const).entries()) {
      const user = odd(account.nextUserId + 10_000 + i, kind);
      account.users.push(user);
      account.usersById.set(user.id, user);
      account.usersByEmail.set(user.email, user);
    }
    const c = await app.connections.add({ token: token() });
    expect((await app.sync.sync(c.id)).status).toBe('succeeded');
    const [insights] = await app.insights.forConnections(c.id);
    const people = account.users.filter((u) => ['admin', 'member', 'view_only', 'guest'].includes(u.kind));
    expect(insights!.users).toBe(people.length);
    expect(insights!.unclassified).toEqual([{ kind: 'vibe_user', count: 2 }]);
    // Agents, service and portal users Seatwise knows: not people, and not unclassified.
    expect(insights!.notPeople).toBe(account.users.length - people.length - 2);
    const stored = await app.users.list({ connectionId: c.id, role: 'other' });
    const vibe = stored.filter((u) => u.kind === 'vibe_user');
    expect(vibe).toHaveLength(2);
    expect(vibe[0]!.license).toBeNull();
    expect((await app.users.get(c.id, vibe[0]!.id)).explanation).toContain('unclassified kind vibe_user');
    await app.connections.remove(c.id);
  });
});

describeEachDialect("the account's daily call limit (%s)", (dialect) => {
  let emulator: RunningEmulator;
  let app: Seatwise;
  let close: () => Promise<void>;
  let connectionId: string;

  beforeAll(async () => {
    // One page of users: a refused sync asks monday once.
    ({ emulator, app, close } = await seatwiseWithEmulator(
      dialect,
      { users: 600, plan: 'standard', seed: 43, calendarDate: today },
      { maxRetries: 3, baseDelayMs: 1 },
    ));
    connectionId = (await app.connections.add({ token: emulator.accounts[0]!.tokens.admin })).id;
  });
  afterAll(async () => {
    await close?.();
  });
  const limiter = () => emulator.state.limiter(emulator.accounts[0]!);

  it('shows the day’s calls after a sync: the limit, everyone’s use, the token owner’s, what a sync costs', async () => {
    const result = await app.sync.sync(connectionId);
    expect(result.status).toBe('succeeded');
    const { dailyUsage } = await app.connections.get(connectionId);
    expect(dailyUsage).toMatchObject({ limit: 1000, syncCost: result.requests });
    // monday's own count of the day, read after the sync: every call so far but the reading itself.
    expect(dailyUsage!.usedToday).toBe(Math.floor(limiter().dailyUsed()) - 1);
    expect(dailyUsage!.tokenOwnerToday).toBe(dailyUsage!.usedToday);
  });

  it('leaves a scheduled sync the day cannot finish for later, with the reason, and never refuses an on-demand one', async () => {
    const cost = (await app.connections.get(connectionId)).dailyUsage!.syncCost!;
    // Another integration of the account used nearly all of today's calls.
    limiter().settings = { ...limiter().settings, dailyCalls: Math.ceil(limiter().dailyUsed()) + cost };
    const runsBefore = (await app.sync.listRuns(connectionId, 100)).length;
    const deferred = await app.sync.sync(connectionId, { trigger: 'schedule' }).catch((e: unknown) => e);
    expect(deferred).toMatchObject({ code: 'sync_deferred' });
    expect((deferred as Error).message).toMatch(
      new RegExp(
        `^deferred: \\d+ calls left today, a sync needs ${cost} and \\d+ are kept for actions; monday's daily limit resets 00:00 UTC$`,
      ),
    );
    const card = await app.connections.get(connectionId);
    expect(card.syncDeferred).toMatch(/^deferred: \d+ calls left today/);
    expect((await app.sync.listRuns(connectionId, 100)).length).toBe(runsBefore);
  });

  it('fails at once, naming the reset, when monday says the day is used up; the refusal is not retried', async () => {
    limiter().settings = { ...limiter().settings, dailyCalls: Math.floor(limiter().dailyUsed()) };
    const refusedBefore = limiter().refused.daily;
    const result = await app.sync.sync(connectionId);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'DAILY_LIMIT_EXCEEDED' });
    expect(result.error!.message).toContain("monday's daily API call limit for this account is used up");
    expect(result.error!.message).toContain('resets at 00:00 UTC');
    expect(limiter().refused.daily - refusedBefore).toBe(1);
    // A scheduled sync is deferred with the same reason instead of failing.
    await expect(app.sync.sync(connectionId, { trigger: 'schedule' })).rejects.toMatchObject({
      code: 'sync_deferred',
    });
    expect(limiter().refused.daily - refusedBefore).toBe(2);
  });
});
