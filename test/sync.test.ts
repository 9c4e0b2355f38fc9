import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import {
  ACTIVATE_USERS,
  DEACTIVATE_USERS,
  INVITE_USERS,
  UPDATE_USERS_ROLE,
} from '../src/monday/operations.ts';
import { createTestDatabase, dialects, type TestDatabase } from './helpers/databases.ts';
import { gql } from './helpers/emulator.ts';
import { expectedAccess } from './helpers/expectedAccess.ts';

describe.each(dialects)('connect and sync 10,000 users (%s)', (dialect) => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let connectionId: string;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 10_000, plan: 'enterprise', seed: 21 });
    db = await createTestDatabase(dialect);
    app = await createSeatwise({
      SEATWISE_DATA_DIR: db.dataDir,
      DATABASE_URL: db.databaseUrl,
      SEATWISE_SECRET_KEY: undefined,
    });
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
    expect(result).toMatchObject({
      status: 'succeeded',
      complete: true,
      usersSeen: 10_000,
      changes: 10_000,
      removed: 0,
      error: null,
    });
    expect(result.requests).toBe(11);
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
    expect(detail.history.map((h) => h.kind)).toEqual(['added', 'role_changed', 'license_changed']);
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
    expect(stale.every((u) => u.lastActivityAt === null || Date.parse(u.lastActivityAt) < cutoff)).toBe(true);
    const someone = viewers[0]!;
    const found = await app.users.list({ connectionId, search: someone.email.toUpperCase() });
    expect(found.map((u) => u.id)).toContain(someone.id);
    await expect(app.users.list({ connectionId, role: 'owner' as never })).rejects.toThrow(/role/);
  });
});
