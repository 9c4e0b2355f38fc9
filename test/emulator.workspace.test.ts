import { describe, expect, it } from 'vitest';
import type { EmuUser } from '../src/emulator/model.ts';
import { emulatorForFile, gql, scim } from './helpers/emulator.ts';

/**
 * Boards, automations and integrations in the emulator, and what monday switches off when a person loses access:
 * their automations on deactivation or a change to viewer, their integrations on deactivation, nothing back on at
 * reactivation.
 */
const emu = emulatorForFile({ users: 400, plan: 'enterprise', seed: 40 });
const account = () => emu.current.accounts[0]!;
const admin = () => account().tokens.admin;
const member = () => account().tokens.member;
const V10 = { 'API-Version': '2026-10' };

const AUTOMATIONS = `query ($cursor: String, $limit: Int) {
  board_automations(limit: $limit, cursor: $cursor) { cursor items { id user_id active title workflow_host_data } }
}`;

async function allAutomations(token: string) {
  const items: { id: string; user_id: string; active: boolean }[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: any = await gql(emu.current, token, AUTOMATIONS, { cursor, limit: 1000 }, V10);
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    items.push(...res.body.data.board_automations.items);
    cursor = res.body.data.board_automations.cursor;
    pages++;
  } while (cursor);
  return { items, pages };
}

/** An active member who created active automations and has an integration, when the seed has one. */
function ownerOfThings(): EmuUser {
  const a = account();
  return a.users.find(
    (u, i) =>
      i > 2 &&
      u.status === 'ACTIVE' &&
      u.kind === 'member' &&
      a.automations.some((x) => x.userId === u.id && x.active) &&
      a.connections.some((c) => c.userId === u.id),
  )!;
}

describe('boards, automations and integrations', () => {
  it('are seeded as real accounts have them: most people own nothing, a few own many', () => {
    const a = account();
    const people = a.users.filter((u) => u.kind === 'admin' || u.kind === 'member');
    const owning = people.filter((p) => a.boards.some((b) => b.ownerIds.includes(p.id)));
    expect(owning.length / people.length).toBeLessThan(0.4);
    expect(owning.length).toBeGreaterThan(10);
    const most = Math.max(...people.map((p) => a.boards.filter((b) => b.creatorId === p.id).length));
    expect(most).toBeGreaterThanOrEqual(5);
    expect(new Set(a.boards.map((b) => b.kind))).toEqual(new Set(['public', 'private', 'share']));
    expect(a.automations.length).toBeGreaterThan(20);
    expect(a.connections.length).toBeGreaterThan(3);
    // A person deactivated before has nothing still running.
    for (const x of a.automations)
      if (a.usersById.get(x.userId)!.status === 'INACTIVE') expect(x.active, x.id).toBe(false);
    expect(ownerOfThings()).toBeDefined();
  });

  it("lists the account's automations to an admin in cursor pages, and only their own to anyone else", async () => {
    const { items, pages } = await allAutomations(admin());
    // monday caps a page below what was asked: the client must follow the cursor.
    expect(pages).toBeGreaterThan(1);
    expect(items.map((i) => i.id)).toEqual(account().automations.map((x) => x.id));
    const mine = await allAutomations(member());
    const memberId = account().tokenOwners.member;
    expect(mine.items.every((i) => i.user_id === memberId)).toBe(true);
    expect(mine.items).toHaveLength(account().automations.filter((x) => x.userId === memberId).length);
    // One board at most; 2026-07 has no automations at all.
    const two = await gql<any>(
      emu.current,
      admin(),
      '{ board_automations(board_ids: [1, 2]) { items { id } } }',
      {},
      V10,
    );
    expect(two.body.errors?.[0].message).toBe('board_ids accepts at most 1 board');
    const old = await gql<any>(
      emu.current,
      admin(),
      '{ board_automations { items { id } } }',
      {},
      {
        'API-Version': '2026-07',
      },
    );
    expect(old.body.errors?.[0].message).toBe("Field 'board_automations' doesn't exist on type 'Query'");
  });

  it('lists integrations to admins only, and boards without the private ones of others', async () => {
    const res = await gql<any>(
      emu.current,
      admin(),
      '{ account_connections(pageSize: 100) { id userId provider state } }',
      {},
      V10,
    );
    expect(res.body.data.account_connections.map((c: any) => c.id)).toEqual(
      account().connections.map((c) => c.id),
    );
    const refused = await gql<any>(emu.current, member(), '{ account_connections { id } }', {}, V10);
    expect(refused.body.errors?.[0].extensions.code).toBe('USER_UNAUTHORIZED');
    const boards: any[] = [];
    for (let page = 1; ; page++) {
      const got = await gql<any>(
        emu.current,
        admin(),
        `{ boards(limit: 100, page: ${page}, state: all) { id board_kind owners { id } creator { id } } }`,
        {},
        V10,
      );
      boards.push(...got.body.data.boards);
      if (got.body.data.boards.length < 100) break;
    }
    const adminId = account().tokenOwners.admin;
    const expected = account().boards.filter(
      (b) => b.kind === 'public' || b.ownerIds.includes(adminId) || b.subscriberIds.includes(adminId),
    );
    expect(boards.map((b) => b.id)).toEqual(expected.map((b) => b.id));
    expect(account().boards.length).toBeGreaterThan(expected.length);
  });

  it('switches off what a person made when they are deactivated or made a viewer, and nothing comes back', async () => {
    const a = account();
    const person = ownerOfThings();
    const theirs = () => a.automations.filter((x) => x.userId === person.id);
    const links = () => a.connections.filter((c) => c.userId === person.id);
    const others = a.automations.filter((x) => x.userId !== person.id).map((x) => [x.id, x.active]);
    // Made a viewer: automations stop, integrations go on.
    const viewer = await gql<any>(
      emu.current,
      admin(),
      'mutation ($ids: [ID!]!) { update_users_role(user_ids: $ids, new_role: VIEW_ONLY) { errors { message } } }',
      { ids: [person.id] },
      V10,
    );
    expect(viewer.body.data.update_users_role.errors).toEqual([]);
    expect(theirs().every((x) => !x.active)).toBe(true);
    expect(links().some((c) => c.state === 'active')).toBe(true);
    // Deactivated: integrations stop too; reactivated and made a member again: nothing is switched back on.
    await gql(
      emu.current,
      admin(),
      'mutation ($ids: [ID!]!) { deactivate_users(user_ids: $ids) { errors { message } } }',
      { ids: [person.id] },
      V10,
    );
    expect(links().every((c) => c.state === 'inactive')).toBe(true);
    await gql(
      emu.current,
      admin(),
      'mutation ($ids: [ID!]!) { activate_users(user_ids: $ids) { errors { message } } }',
      { ids: [person.id] },
      V10,
    );
    await gql(
      emu.current,
      admin(),
      'mutation ($ids: [ID!]!) { update_users_role(user_ids: $ids, new_role: MEMBER) { errors { message } } }',
      { ids: [person.id] },
      V10,
    );
    expect(a.usersById.get(person.id)).toMatchObject({ status: 'ACTIVE', kind: 'member' });
    expect(theirs().every((x) => !x.active) && links().every((c) => c.state === 'inactive')).toBe(true);
    // Nobody else's automation changed.
    expect(a.automations.filter((x) => x.userId !== person.id).map((x) => [x.id, x.active])).toEqual(others);
    // What monday lists says the same.
    const listed = (await allAutomations(admin())).items.filter((i) => i.user_id === person.id);
    expect(listed.length).toBe(theirs().length);
    expect(listed.every((i) => i.active === false)).toBe(true);
  });

  it('switches them off when SCIM deactivates the person too', async () => {
    const a = account();
    const person = a.users.find(
      (u) =>
        u.invitationMethod === 'SCIM' &&
        u.status === 'ACTIVE' &&
        u.id !== a.scimTokenOwnerId &&
        a.automations.some((x) => x.userId === u.id && x.active),
    )!;
    expect(person).toBeDefined();
    const res = await scim(emu.current, a.scimToken!, 'PATCH', `/Users/${person.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(res.status).toBe(200);
    expect(a.automations.filter((x) => x.userId === person.id).every((x) => !x.active)).toBe(true);
  });

  it('makes people owners of a board, only active ones who may own, and only for its owners or an admin', async () => {
    const a = account();
    const board = a.boards.find(
      (b) => b.kind === 'public' && b.state === 'active' && !b.ownerIds.includes(a.tokenOwners.member),
    )!;
    const successor = a.users.find(
      (u, i) => i > 2 && u.status === 'ACTIVE' && u.kind === 'member' && !board.ownerIds.includes(u.id),
    )!;
    const gone = a.users.find((u) => u.status === 'INACTIVE' && u.kind === 'member')!;
    const ADD =
      'mutation ($b: ID!, $u: [ID!]!) { add_users_to_board(board_id: $b, user_ids: $u, kind: owner) { id } }';
    const res = await gql<any>(emu.current, admin(), ADD, { b: board.id, u: [successor.id, gone.id] }, V10);
    expect(res.body.data.add_users_to_board).toEqual([{ id: successor.id }]);
    expect(board.ownerIds).toContain(successor.id);
    expect(board.ownerIds).not.toContain(gone.id);
    const byMember = await gql<any>(emu.current, member(), ADD, { b: board.id, u: [successor.id] }, V10);
    expect(byMember.body.errors?.[0]?.extensions.code).toBe('USER_UNAUTHORIZED');
    const missing = await gql<any>(emu.current, admin(), ADD, { b: '1', u: [successor.id] }, V10);
    expect(missing.body.errors?.[0]?.message).toBe('Board 1 not found');
  });
});
