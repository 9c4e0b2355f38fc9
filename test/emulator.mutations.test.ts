import { describe, expect, it } from 'vitest';
import {
  ACTIVATE_USERS,
  DEACTIVATE_USERS,
  INVITE_USERS,
  UPDATE_USERS_ROLE,
} from '../src/monday/operations.ts';
import { emulatorForFile, gql } from './helpers/emulator.ts';

const emu = emulatorForFile({ users: 300, plan: 'pro', seed: 11 });
const account = () => emu.current.accounts[0]!;
const admin = () => account().tokens.admin;
const member = () => account().tokens.member;
const someone = (predicate: (u: ReturnType<typeof account>['users'][number]) => boolean) =>
  account().users.find((u, i) => i > 2 && predicate(u))!;

describe('emulator GraphQL: user mutations', () => {
  it('invites users who then appear as pending with the requested role', async () => {
    const res = await gql<any>(emu.current, admin(), INVITE_USERS, {
      emails: ['new.hire@example.org', 'Second@Example.org'],
      role: 'VIEW_ONLY',
    });
    expect(res.body.data.invite_users.errors).toEqual([]);
    const invited = res.body.data.invite_users.invited_users;
    expect(invited.map((u: any) => [u.email, u.status, u.kind])).toEqual([
      ['new.hire@example.org', 'PENDING', 'view_only'],
      ['second@example.org', 'PENDING', 'view_only'],
    ]);
    const lookup = await gql<any>(
      emu.current,
      admin(),
      '{ users(emails: ["new.hire@example.org"]) { status is_pending } }',
      {},
      // The legacy booleans are 2026-07's; 2026-10 removed them.
      { 'API-Version': '2026-07' },
    );
    expect(lookup.body.data.users).toEqual([{ status: 'PENDING', is_pending: true }]);
  });

  it('reports per-email invite errors for malformed and existing emails, inviting the rest', async () => {
    const existing = account().users[5]!.email;
    const res = await gql<any>(emu.current, member(), INVITE_USERS, {
      emails: ['not-an-email', existing, 'ok.person@example.org'],
    });
    const result = res.body.data.invite_users;
    expect(result.invited_users.map((u: any) => u.email)).toEqual(['ok.person@example.org']);
    expect(result.errors).toEqual([
      { message: 'Invalid email address: not-an-email', code: 'ERROR', email: 'not-an-email' },
      { message: 'A user with this email already exists in the account', code: 'ERROR', email: existing },
    ]);
  });

  it('changes roles, and a member becomes a viewer', async () => {
    const target = someone((u) => u.kind === 'member' && u.status === 'ACTIVE');
    const res = await gql<any>(emu.current, admin(), UPDATE_USERS_ROLE, {
      ids: [target.id],
      role: 'VIEW_ONLY',
    });
    expect(res.body.data.update_users_role.errors).toEqual([]);
    expect(res.body.data.update_users_role.updated_users[0]).toMatchObject({
      id: target.id,
      kind: 'view_only',
    });
    const check = await gql<any>(
      emu.current,
      admin(),
      `{ users(ids: [${target.id}]) { kind is_view_only } }`,
      {},
      // The legacy booleans are 2026-07's; 2026-10 removed them.
      { 'API-Version': '2026-07' },
    );
    expect(check.body.data.users).toEqual([{ kind: 'view_only', is_view_only: true }]);
  });

  it('returns per-user errors: CANNOT_UPDATE_SELF, USER_NOT_FOUND and INVALID_INPUT, and still changes the rest', async () => {
    const target = someone((u) => u.kind === 'guest');
    const res = await gql<any>(emu.current, admin(), UPDATE_USERS_ROLE, {
      ids: [account().tokenOwners.admin, '999', 'abc', target.id],
      role: 'MEMBER',
    });
    const result = res.body.data.update_users_role;
    expect(result.updated_users.map((u: any) => u.id)).toEqual([target.id]);
    expect(result.errors.map((e: any) => [e.code, e.user_id])).toEqual([
      ['CANNOT_UPDATE_SELF', account().tokenOwners.admin],
      ['USER_NOT_FOUND', '999'],
      ['INVALID_INPUT', 'abc'],
    ]);
  });

  it('refuses batches over 200 users with EXCEEDS_BATCH_LIMIT and changes nobody', async () => {
    const ids = account()
      .users.slice(3, 204)
      .map((u) => u.id);
    expect(ids).toHaveLength(201);
    const before = account()
      .users.slice(3, 204)
      .map((u) => u.status);
    const res = await gql<any>(emu.current, admin(), DEACTIVATE_USERS, { ids });
    expect(res.body.data.deactivate_users.deactivated_users).toEqual([]);
    expect(res.body.data.deactivate_users.errors[0].code).toBe('EXCEEDS_BATCH_LIMIT');
    expect(
      account()
        .users.slice(3, 204)
        .map((u) => u.status),
    ).toEqual(before);
  });

  it('deactivates and reactivates users; repeating either is harmless', async () => {
    const target = someone((u) => u.status === 'ACTIVE' && u.kind === 'member');
    const first = await gql<any>(emu.current, admin(), DEACTIVATE_USERS, { ids: [target.id] });
    expect(first.body.data.deactivate_users).toMatchObject({
      errors: [],
      deactivated_users: [{ id: target.id, status: 'INACTIVE' }],
    });
    const again = await gql<any>(emu.current, admin(), DEACTIVATE_USERS, { ids: [target.id] });
    expect(again.body.data.deactivate_users.deactivated_users[0].status).toBe('INACTIVE');
    const legacy = await gql<any>(
      emu.current,
      admin(),
      `{ users(ids: [${target.id}], non_active: true) { enabled } }`,
      {},
      // The legacy booleans are 2026-07's; 2026-10 removed them.
      { 'API-Version': '2026-07' },
    );
    expect(legacy.body.data.users).toEqual([{ enabled: false }]);
    const back = await gql<any>(emu.current, admin(), ACTIVATE_USERS, { ids: [target.id] });
    expect(back.body.data.activate_users).toMatchObject({
      errors: [],
      activated_users: [{ id: target.id, status: 'ACTIVE' }],
    });
  });

  it('refuses to activate a user who has not accepted the invitation', async () => {
    const pending = someone((u) => u.status === 'PENDING');
    const res = await gql<any>(emu.current, admin(), ACTIVATE_USERS, { ids: [pending.id] });
    expect(res.body.data.activate_users.errors).toEqual([
      { message: 'User has not accepted the invitation yet', code: 'FAILED', user_id: pending.id },
    ]);
  });

  it('makes role changes, deactivation and activation admin-only (USER_UNAUTHORIZED)', async () => {
    const target = someone((u) => u.kind === 'member' && u.status === 'ACTIVE');
    for (const [doc, vars] of [
      [UPDATE_USERS_ROLE, { ids: [target.id], role: 'ADMIN' }],
      [DEACTIVATE_USERS, { ids: [target.id] }],
      [ACTIVATE_USERS, { ids: [target.id] }],
    ] as const) {
      const res = await gql<any>(emu.current, member(), doc, vars);
      expect(res.status).toBe(200);
      expect(res.body.errors![0]).toMatchObject({
        message: 'User unauthorized to perform action',
        extensions: { code: 'USER_UNAUTHORIZED', status_code: 403 },
      });
    }
    expect(target.kind).toBe('member');
    expect(target.status).toBe('ACTIVE');
  });

  it('replays a mutation sent twice with the same Idempotency-Key instead of running it again', async () => {
    const headers = { 'Idempotency-Key': 'f3b1c9a0-0000-4000-8000-000000000001' };
    const first = await gql<any>(
      emu.current,
      admin(),
      INVITE_USERS,
      { emails: ['once@example.org'] },
      headers,
    );
    const second = await gql<any>(
      emu.current,
      admin(),
      INVITE_USERS,
      { emails: ['once@example.org'] },
      headers,
    );
    expect(first.headers.get('idempotency-replayed')).toBeNull();
    expect(second.headers.get('idempotency-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(second.body.data.invite_users.errors).toEqual([]);
    const without = await gql<any>(emu.current, admin(), INVITE_USERS, { emails: ['once@example.org'] });
    expect(without.body.data.invite_users.errors[0].message).toContain('already exists');
  });
});
