import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';
import { mondayTeams, storedTeams } from './helpers/teams.ts';

async function teamEvents(app: Seatwise, runId: string) {
  const rows = await app.store.db
    .selectFrom('change_events')
    .select(['kind', 'team_id', 'remote_user_id', 'before_value', 'after_value'])
    .where('run_id', '=', runId)
    .where('team_id', 'is not', null)
    .execute();
  return rows
    .map((r) => `${r.kind} ${r.team_id} ${r.remote_user_id} ${r.before_value ?? '-'} ${r.after_value ?? '-'}`)
    .sort();
}

describeEachDialect('sync of monday teams (%s)', (dialect) => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let connectionId: string;
  const account = () => emulator.accounts[0]!;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 400, plan: 'enterprise', seed: 5 });
    db = await createTestDatabase(dialect);
    app = await createSeatwise(db.config, { remote: { baseDelayMs: 1 } });
    ({ id: connectionId } = await app.connections.add({
      token: account().tokens.admin,
      apiUrl: emulator.graphqlUrl,
      scimToken: account().scimToken!,
      scimUrl: emulator.scimUrl,
      permission: 'read_and_act',
    }));
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  it('seeds teams as real accounts have them', () => {
    const a = account();
    const size = (name: string) =>
      a.users.filter((u) => u.teamIds.includes(a.teams.find((t) => t.name === name)!.id));
    expect(size('People')).toEqual([]);
    expect(size('Partners').length).toBeGreaterThan(0);
    expect(size('Partners').every((u) => u.kind === 'guest')).toBe(true);
    expect(a.users.some((u) => u.teamIds.length >= 2)).toBe(true);
    expect(a.users.some((u) => u.status === 'INACTIVE' && u.teamIds.length > 0)).toBe(true);
    expect(a.teams.filter((t) => t.ownerIds.length > 0).length).toBeGreaterThan(3);
    expect(a.teams.some((t) => t.ownerIds.length === 2)).toBe(true);
    expect(
      a.teams
        .filter((t) => t.scimProvisioned)
        .map((t) => t.name)
        .sort(),
    ).toEqual(['Engineering', 'Sales']);
  });

  it("stores exactly monday's teams, owners and memberships, deactivated members included", async () => {
    const run = await app.sync.sync(connectionId);
    expect(run.status).toBe('succeeded');
    expect(await storedTeams(app.store.db, connectionId)).toEqual(mondayTeams(account()));
    const deactivatedMember = account().users.find((u) => u.status === 'INACTIVE' && u.teamIds.length > 0)!;
    const links = await app.store.db
      .selectFrom('directory_team_members')
      .select('team_id')
      .where('connection_id', '=', connectionId)
      .where('user_id', '=', deactivatedMember.id)
      .execute();
    expect(links.map((l) => l.team_id).sort()).toEqual([...deactivatedMember.teamIds].sort());
    // SCIM Groups say which teams an IdP manages (matched by name: their SCIM ids are not the team ids).
    const scim = await app.store.db
      .selectFrom('directory_teams')
      .select(['name', 'scim_managed'])
      .where('connection_id', '=', connectionId)
      .execute();
    expect(
      scim
        .filter((t) => Number(t.scim_managed) === 1)
        .map((t) => t.name)
        .sort(),
    ).toEqual(['Engineering', 'Sales']);
  });

  it('a second sync with nothing changed writes no team events', async () => {
    const run = await app.sync.sync(connectionId);
    expect(run.status).toBe('succeeded');
    expect(await teamEvents(app, run.runId)).toEqual([]);
  });

  it('records exactly the joins, departures, renames, creations, removals and owner changes monday shows', async () => {
    const a = account();
    const design = a.teams.find((t) => t.name === 'Design')!;
    const marketing = a.teams.find((t) => t.name === 'Marketing')!;
    const finance = a.teams.find((t) => t.name === 'Finance')!;
    const people = a.teams.find((t) => t.name === 'People')!;
    const joiner = a.users.find(
      (u, i) => i > 2 && u.kind === 'member' && u.status === 'ACTIVE' && !u.teamIds.includes(design.id),
    )!;
    const leaver = a.users.find(
      (u) => u.teamIds.includes(marketing.id) && !marketing.ownerIds.includes(u.id),
    )!;
    const deactivatedLeaver = a.users.find(
      (u) => u.status === 'INACTIVE' && u.teamIds.length > 0 && u.id !== leaver.id,
    )!;
    const deactivatedTeam = deactivatedLeaver.teamIds[0]!;
    joiner.teamIds.push(design.id);
    leaver.teamIds = leaver.teamIds.filter((t) => t !== marketing.id);
    deactivatedLeaver.teamIds = deactivatedLeaver.teamIds.filter((t) => t !== deactivatedTeam);
    design.name = 'Product Design';
    const newOwner = a.users.find(
      (u) =>
        u.teamIds.includes(finance.id) &&
        u.kind === 'member' &&
        u.status === 'ACTIVE' &&
        !finance.ownerIds.includes(u.id),
    );
    if (newOwner) finance.ownerIds.push(newOwner.id);
    a.teams = a.teams.filter((t) => t !== people);
    a.teams.push({
      id: '777000111',
      name: 'Contractors',
      isGuest: true,
      ownerIds: [],
      scimProvisioned: false,
      scimId: 'g-new',
    });

    const run = await app.sync.sync(connectionId);
    expect(run.status).toBe('succeeded');
    const teamName = (id: string) => a.teams.find((t) => t.id === id)?.name ?? id;
    const expected = [
      `joined_team ${design.id} ${joiner.id} - {"team":"Product Design"}`,
      `left_team ${marketing.id} ${leaver.id} {"team":"Marketing"} -`,
      `left_team ${deactivatedTeam} ${deactivatedLeaver.id} {"team":"${teamName(deactivatedTeam)}"} -`,
      `team_renamed ${design.id}  "Design" "Product Design"`,
      `team_removed ${people.id}  {"name":"People"} -`,
      'team_created 777000111  - {"name":"Contractors","isGuest":true}',
      ...(newOwner ? [`owner_added ${finance.id} ${newOwner.id} - {"team":"Finance"}`] : []),
    ].sort();
    expect(await teamEvents(app, run.runId)).toEqual(expected);
    expect(await storedTeams(app.store.db, connectionId)).toEqual(mondayTeams(a));
  });

  it('keeps every membership when monday answers team pages smaller than asked', async () => {
    emulator.setFaults({ pageCap: 7 });
    try {
      const run = await app.sync.sync(connectionId);
      expect(run.status).toBe('succeeded');
      expect(await teamEvents(app, run.runId)).toEqual([]);
      expect(await storedTeams(app.store.db, connectionId)).toEqual(mondayTeams(account()));
    } finally {
      emulator.setFaults({ pageCap: null });
    }
  });

  it('a failed teams read fails the run and leaves the stored teams as they were', async () => {
    const before = await storedTeams(app.store.db, connectionId);
    const a = account();
    a.users.find((u) => u.teamIds.length > 0)!.teamIds = [];
    const realTeams = Object.getOwnPropertyDescriptor(a, 'teams')!;
    let reads = 0;
    // monday fails on the teams question only (the users pages answer as usual).
    Object.defineProperty(a, 'teams', {
      configurable: true,
      get() {
        reads++;
        throw new Error('teams unavailable');
      },
    });
    try {
      const run = await app.sync.sync(connectionId);
      expect(run.status).toBe('failed');
      expect(reads).toBeGreaterThan(0);
    } finally {
      Object.defineProperty(a, 'teams', realTeams);
    }
    expect(await storedTeams(app.store.db, connectionId)).toEqual(before);
    const after = await app.sync.sync(connectionId);
    expect(after.status).toBe('succeeded');
    expect(await storedTeams(app.store.db, connectionId)).toEqual(mondayTeams(a));
  });
});
