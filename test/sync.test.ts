import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import {
  ACTIVATE_USERS,
  DEACTIVATE_USERS,
  INVITE_USERS,
  UPDATE_USERS_ROLE,
} from '../src/monday/operations.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';
import { gql } from './helpers/emulator.ts';
import { expectedAccess } from './helpers/expectedAccess.ts';
import { expectedTeamRequests } from './helpers/teams.ts';

describeEachDialect('connect and sync 10,000 users (%s)', (dialect) => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let connectionId: string;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 10_000, plan: 'enterprise', seed: 21 });
    db = await createTestDatabase(dialect);
    app = await createSeatwise(db.config);
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  const account = () => emulator.accounts[0]!;

  it('connects with a live-validated token and stores the account', async () => {
    const connection = await app.connections.add({
      token: account().tokens.admin,
      apiUrl: emulator.graphqlUrl,
      scimToken: account().scimToken!,
      scimUrl: emulator.scimUrl,
      permission: 'read_and_act',
    });
    connectionId = connection.id;
    expect(connection).toMatchObject({
      accountId: account().id,
      accountName: account().name,
      accountSlug: account().slug,
      planTier: 'enterprise',
      permission: 'read_and_act',
      hasScimToken: true,
      tokenOwnerKind: 'admin',
      status: 'connected',
      userCount: 0,
    });
    expect(JSON.stringify(connection)).not.toContain(account().tokens.admin);
  });

  it('syncs exactly the emulator users with the right role, status and license', async () => {
    const result = await app.sync.sync(connectionId);
    // Every user added, and every team created with its members and owners.
    const a = account();
    const teamEvents =
      a.teams.length +
      a.users.reduce((n, u) => n + u.teamIds.length, 0) +
      a.teams.reduce((n, t) => n + t.ownerIds.length, 0);
    expect(result).toMatchObject({
      status: 'succeeded',
      complete: true,
      usersSeen: 10_000,
      changes: 10_000 + teamEvents,
      removed: 0,
      error: null,
    });
    // Ten pages, one row past the end proving it; then the account's teams, at their minimum too.
    expect(result.requests - result.teamRequests).toBe(11);
    expect(result.teamRequests).toBe(expectedTeamRequests(account()));
    const users = await app.users.list({ connectionId });
    expect(users).toHaveLength(10_000);
    const byId = new Map(users.map((u) => [u.id, u]));
    for (const remote of account().users) {
      const user = byId.get(remote.id)!;
      const { role, status, license, scimLinked } = expectedAccess(remote);
      expect({
        id: user.id,
        email: user.email,
        role: user.role,
        status: user.status,
        license: user.license,
        scim: user.scimLinked,
      }).toEqual({
        id: remote.id,
        email: remote.email,
        role,
        status,
        license,
        scim: scimLinked,
      });
    }
    const connection = await app.connections.get(connectionId);
    expect(connection).toMatchObject({ status: 'connected', statusReason: null, userCount: 10_000 });
    expect(connection.lastSyncedAt).not.toBeNull();
  });

  it('reports 0 changes on a second sync and writes no change events', async () => {
    const result = await app.sync.sync(connectionId);
    expect(result).toMatchObject({ status: 'succeeded', changes: 0, usersSeen: 10_000 });
    expect(await app.users.changes(connectionId, result.runId)).toEqual([]);
  });

  it('records invites, role changes, deactivations and reactivations made in monday as change events', async () => {
    const admin = account().tokens.admin;
    const member = account().users.find((u, i) => i > 2 && u.kind === 'member' && u.status === 'ACTIVE')!;
    const active = account().users.find((u, i) => i > 2 && u.kind === 'view_only' && u.status === 'ACTIVE')!;
    const inactive = account().users.find((u, i) => i > 2 && u.status === 'INACTIVE')!;
    await gql(emulator, admin, INVITE_USERS, { emails: ['invitee@newco.example'], role: 'MEMBER' });
    await gql(emulator, admin, UPDATE_USERS_ROLE, { ids: [member.id], role: 'VIEW_ONLY' });
    await gql(emulator, admin, DEACTIVATE_USERS, { ids: [active.id] });
    await gql(emulator, admin, ACTIVATE_USERS, { ids: [inactive.id] });

    const result = await app.sync.sync(connectionId);
    expect(result.status).toBe('succeeded');
    const events = await app.users.changes(connectionId, result.runId);
    const invitee = account().usersByEmail.get('invitee@newco.example')!;
    const summary = events.map((e) => [e.userId, e.kind, e.before, e.after]);
    expect(summary).toEqual(
      expect.arrayContaining([
        [invitee.id, 'added', null, { role: 'member', status: 'pending', license: null }],
        [member.id, 'role_changed', 'member', 'viewer'],
        [member.id, 'license_changed', 'member', 'viewer'],
        [active.id, 'status_changed', 'active', 'deactivated'],
        [active.id, 'license_changed', 'viewer', null],
        [inactive.id, 'status_changed', 'deactivated', 'active'],
      ]),
    );
    expect(result.changes).toBe(events.length);
    const detail = await app.users.get(connectionId, member.id);
    expect(detail).toMatchObject({
      role: 'viewer',
      license: 'viewer',
      explanation: 'viewer license: kind=view_only, status=active',
    });
    // Added with the teams they were in, then the changes made in monday.
    expect(detail.history.map((h) => h.kind)).toEqual([
      'added',
      ...member.teamIds.map(() => 'joined_team'),
      'role_changed',
      'license_changed',
    ]);
  });

  it('marks a user removed only after a complete read confirms they are gone', async () => {
    const gone = account().users.find((u, i) => i > 2 && u.status === 'ACTIVE')!;
    account().users.splice(account().users.indexOf(gone), 1);
    account().usersById.delete(gone.id);
    const result = await app.sync.sync(connectionId);
    expect(result.removed).toBe(1);
    const events = await app.users.changes(connectionId, result.runId);
    expect(events.map((e) => [e.userId, e.kind])).toEqual([[gone.id, 'removed']]);
    expect((await app.users.list({ connectionId })).some((u) => u.id === gone.id)).toBe(false);
    expect((await app.users.get(connectionId, gone.id)).removed).toBe(true);
  });

  it('keeps the previous state and records why when a sync fails', async () => {
    const before = await app.users.list({ connectionId });
    emulator.setFaults({ revokeTokenAfter: 2 });
    try {
      const result = await app.sync.sync(connectionId);
      expect(result.status).toBe('failed');
      expect(result.error?.code).toBe('Unauthorized');
      expect(result.error?.message).toContain('API token was rejected');
    } finally {
      emulator.setFaults({});
    }
    expect(await app.users.list({ connectionId })).toEqual(before);
    const connection = await app.connections.get(connectionId);
    expect(connection.status).toBe('error');
    expect(connection.statusReason).toContain('sync failed');
    const [lastRun] = await app.sync.listRuns(connectionId, 1);
    expect(lastRun).toMatchObject({ status: 'failed', complete: false, error: { code: 'Unauthorized' } });
    expect(lastRun!.pagesRead).toBe(2);
  });

  it('streams pages into staging and, failing on its last page, leaves the previous copy exactly as it was', async () => {
    // Changes on early pages (staged as they stream in) and a new user who makes a short last page.
    const members = account().users.filter((u, i) => i > 2 && u.kind === 'member' && u.status === 'ACTIVE');
    await gql(emulator, account().tokens.admin, UPDATE_USERS_ROLE, {
      ids: [members[0]!.id, members[1]!.id],
      role: 'VIEW_ONLY',
    });
    await gql(emulator, account().tokens.admin, DEACTIVATE_USERS, { ids: [members[2]!.id] });
    await gql(emulator, account().tokens.admin, INVITE_USERS, {
      emails: ['late.joiner@example.org'],
      role: 'MEMBER',
    });
    const total = account().users.length;
    expect(total % 1000).not.toBe(0);
    const pages = Math.ceil(total / 1000);
    const before = await app.users.list({ connectionId }, { sort: 'createdAt', direction: 'asc' });
    const eventsBefore = await app.store.db.selectFrom('change_events').select('id').execute();
    const staged: { seen: number; users: number; events: number }[] = [];
    let runId = '';
    // What the run has staged: on SQLite its own temporary tables (absent once dropped), on PostgreSQL its rows.
    const count = async (kind: 'sync_seen' | 'sync_staged_users' | 'sync_staged_events') => {
      if (dialect === 'postgres') {
        const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(kind)}
          where run_id = ${runId}`.execute(app.store.db);
        return Number(rows[0]!.n);
      }
      const name = `${kind}_${runId}`;
      const { rows: tables } = await sql<{ name: string }>`select name from sqlite_temp_master
        where type = 'table' and name = ${name}`.execute(app.store.db);
      if (tables.length === 0) return 0;
      const { rows } = await sql<{
        n: number;
      }>`select count(*) as n from ${sql.table(`temp.${name}`)}`.execute(app.store.db);
      return Number(rows[0]!.n);
    };
    // Every page but the last is answered; the token stops working for the last one.
    emulator.setFaults({ revokeTokenAfter: pages - 1 });
    let result: Awaited<ReturnType<typeof app.sync.sync>>;
    try {
      result = await app.sync.sync(connectionId, {
        onStarted: (id) => {
          runId = id;
        },
        onProgress: async (p) => {
          if (p.pagesRead === pages - 1)
            staged.push({
              seen: await count('sync_seen'),
              users: await count('sync_staged_users'),
              events: await count('sync_staged_events'),
            });
        },
      });
    } finally {
      emulator.setFaults({});
    }
    expect(result).toMatchObject({ status: 'failed', complete: false, error: { code: 'Unauthorized' } });
    // The pages read had been written to staging as they came (not held in memory to the end).
    await vi.waitFor(() => expect(staged).toHaveLength(1));
    expect(staged[0]!.seen).toBe((pages - 1) * 1000);
    expect(staged[0]!.users).toBeGreaterThanOrEqual(3);
    expect(staged[0]!.events).toBeGreaterThanOrEqual(3);
    // Nothing of it reached the copy or the change log, and staging is empty again.
    expect(await app.users.list({ connectionId }, { sort: 'createdAt', direction: 'asc' })).toEqual(before);
    expect(await app.store.db.selectFrom('change_events').select('id').execute()).toEqual(eventsBefore);
    expect([
      await count('sync_seen'),
      await count('sync_staged_users'),
      await count('sync_staged_events'),
    ]).toEqual([0, 0, 0]);
    const [failed] = await app.sync.listRuns(connectionId, 1);
    expect(failed).toMatchObject({ status: 'failed', pagesRead: pages - 1, changes: 0 });
    // The next sync applies everything, exactly.
    const next = await app.sync.sync(connectionId);
    expect(next).toMatchObject({ status: 'succeeded', usersSeen: total });
    const events = await app.users.changes(connectionId, next.runId);
    expect(events.map((e) => [e.userId, e.kind]).sort()).toEqual(
      [
        [members[0]!.id, 'license_changed'],
        [members[0]!.id, 'role_changed'],
        [members[1]!.id, 'license_changed'],
        [members[1]!.id, 'role_changed'],
        [members[2]!.id, 'license_changed'],
        [members[2]!.id, 'status_changed'],
        [account().usersByEmail.get('late.joiner@example.org')!.id, 'added'],
      ].sort(),
    );
  });

  it('filters users by role, status, license, inactivity and search', async () => {
    const viewers = await app.users.list({ connectionId, role: 'viewer' });
    expect(viewers.length).toBeGreaterThan(0);
    expect(viewers.every((u) => u.role === 'viewer')).toBe(true);
    const pending = await app.users.list({ connectionId, status: 'pending', license: undefined });
    expect(pending.every((u) => u.status === 'pending' && u.license === null)).toBe(true);
    const seats = await app.users.list({ connectionId, license: 'member' });
    expect(seats.every((u) => (u.role === 'admin' || u.role === 'member') && u.status === 'active')).toBe(
      true,
    );
    const stale = await app.users.list({ connectionId, inactiveDays: 180 });
    const cutoff = Date.now() - 180 * 86_400_000;
    // Inactive: last active, or joined if never active, before the cutoff.
    expect(stale.length).toBeGreaterThan(0);
    expect(stale.every((u) => Date.parse((u.lastActivityAt ?? u.createdAt)!) < cutoff)).toBe(true);
    const someone = viewers[0]!;
    const found = await app.users.list({ connectionId, search: someone.email.toUpperCase() });
    expect(found.map((u) => u.id)).toContain(someone.id);
    await expect(app.users.list({ connectionId, role: 'owner' as never })).rejects.toThrow(/role/);
  });
});
