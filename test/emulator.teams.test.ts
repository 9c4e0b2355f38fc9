import { describe, expect, it } from 'vitest';
import { GraphqlClient } from '../src/monday/graphqlClient.ts';
import { MondayError } from '../src/monday/mondayError.ts';
import {
  ADD_USERS_TO_TEAM,
  REMOVE_USERS_FROM_TEAM,
  TEAM_MEMBERS_PAGE,
  TEAMS,
} from '../src/monday/operations.ts';
import { emulatorForFile, gql, scim } from './helpers/emulator.ts';

const emu = emulatorForFile({ users: 300, plan: 'enterprise', seed: 17 });
const account = () => emu.current.accounts[0]!;
const admin = () => account().tokens.admin;
const member = () => account().tokens.member;
const team = (name: string) => account().teams.find((t) => t.name === name)!;
const inTeam = (teamId: string) => account().users.filter((u) => u.teamIds.includes(teamId));
const someone = (predicate: (u: ReturnType<typeof account>['users'][number]) => boolean) =>
  account().users.find((u, i) => i > 2 && predicate(u))!;

/** Loads a package by a name TypeScript does not resolve (its own types pull in another copy of Node's). */
const load = (name: string): Promise<any> => import(name);

describe('emulator GraphQL: teams', () => {
  it('answers the root teams query with owners and members, and User.teams', async () => {
    const res = await gql<any>(
      emu.current,
      admin(),
      '{ teams { id name is_guest picture_url owners { id } users(limit: 1000) { id status } } }',
    );
    expect(res.body.errors).toBeUndefined();
    const teams = res.body.data.teams;
    expect(teams.map((t: any) => t.name)).toEqual(account().teams.map((t) => t.name));
    const design = teams.find((t: any) => t.name === 'Design');
    // Without non_active a team's users are its active and pending members.
    expect(design.users.map((u: any) => u.id).sort()).toEqual(
      inTeam(team('Design').id)
        .filter((u) => u.status !== 'INACTIVE')
        .map((u) => u.id)
        .sort(),
    );
    expect(design.owners.map((o: any) => o.id)).toEqual(team('Design').ownerIds);
    expect(teams.find((t: any) => t.name === 'Partners').is_guest).toBe(true);
    const inactive = await gql<any>(
      emu.current,
      admin(),
      `{ teams(ids: [${team('Design').id}]) { users(non_active: true, limit: 1000) { id status } } }`,
    );
    expect(inactive.body.data.teams[0].users.every((u: any) => u.status === 'INACTIVE')).toBe(true);
    const deactivated = someone((u) => u.status === 'INACTIVE' && u.teamIds.length > 0);
    const mine = await gql<any>(
      emu.current,
      admin(),
      `{ users(ids: [${deactivated.id}], status: [INACTIVE]) { teams { id } } }`,
    );
    expect(mine.body.data.users[0].teams.map((t: any) => t.id).sort()).toEqual(
      [...deactivated.teamIds].sort(),
    );
  });

  it.each(['2026-07', '2026-10'])(
    "serves Seatwise's own team documents and monday's SDK query on %s",
    async (apiVersion) => {
      expect((await gql<any>(emu.current, admin(), TEAMS)).body.data.teams).toHaveLength(
        account().teams.length,
      );
      const page = await gql<any>(emu.current, admin(), TEAM_MEMBERS_PAGE, {
        ids: [team('Sales').id],
        limit: 1000,
        page: 1,
        inactive: null,
      });
      expect(page.body.data.teams[0].users.length).toBeGreaterThan(0);
      const { ApiClient } = await load('@mondaydotcomorg/api');
      const client = new ApiClient({ token: admin(), endpoint: emu.current.graphqlUrl, apiVersion });
      const sdk = await client.request('query { teams { id name owners { id } users { id } } }');
      expect(sdk.teams.map((t: any) => t.id)).toEqual(account().teams.map((t) => t.id));
      expect(sdk.teams.find((t: any) => t.name === 'People').users).toEqual([]);
    },
  );

  it.each(['2026-07', '2026-10'])(
    "answers monday's agent toolkit list_users_and_teams on %s",
    async (apiVersion) => {
      const { ApiClient } = await load('@mondaydotcomorg/api');
      const { allGraphqlApiTools } = await load('@mondaydotcomorg/agent-toolkit/core');
      const api = new ApiClient({ token: admin(), endpoint: emu.current.graphqlUrl, apiVersion });
      const Tool = allGraphqlApiTools.find((T: any) => new T(api).name === 'list_users_and_teams');
      const tool = new Tool(api);
      const run = async (input: Record<string, unknown>): Promise<string> => {
        const out = await tool.execute(input);
        return typeof out.content === 'string' ? out.content : String(out.content.data);
      };
      const teamsOnly = await run({ teamsOnly: true });
      for (const t of account().teams) expect(teamsOnly).toContain(`ID: ${t.id}\n  Name: ${t.name}`);
      const everything = await run({ includeTeams: true });
      expect(everything).toContain('Teams:');
      expect(everything).toContain(account().users[0]!.email);
      const withMembers = await run({ teamIds: [team('Design').id], includeTeamMembers: true });
      const firstMember = inTeam(team('Design').id).find((u) => u.status !== 'INACTIVE')!;
      expect(withMembers).toContain(firstMember.id);
    },
  );

  it('adds and removes members, reporting per user who changed and who did not', async () => {
    const design = team('Design');
    const joiner = someone(
      (u) => u.kind === 'member' && u.status === 'ACTIVE' && !u.teamIds.includes(design.id),
    );
    const already = inTeam(design.id).find((u) => u.status !== 'INACTIVE')!;
    const guest = someone((u) => u.kind === 'guest' && u.status === 'ACTIVE');
    const deactivated = someone((u) => u.status === 'INACTIVE' && !u.teamIds.includes(design.id));
    const add = await gql<any>(emu.current, admin(), ADD_USERS_TO_TEAM, {
      team: design.id,
      ids: [joiner.id, already.id, guest.id, deactivated.id],
    });
    expect(add.body.data.add_users_to_team.successful_users).toEqual([{ id: joiner.id }]);
    expect(add.body.data.add_users_to_team.failed_users.map((u: any) => u.id).sort()).toEqual(
      [already.id, guest.id, deactivated.id].sort(),
    );
    expect(joiner.teamIds).toContain(design.id);
    const remove = await gql<any>(emu.current, admin(), REMOVE_USERS_FROM_TEAM, {
      team: design.id,
      ids: [joiner.id, guest.id],
    });
    expect(remove.body.data.remove_users_from_team).toEqual({
      successful_users: [{ id: joiner.id }],
      failed_users: [{ id: guest.id }],
    });
    expect(joiner.teamIds).not.toContain(design.id);
  });

  it('refuses membership changes of a team an identity provider manages, and tokens of non-admins', async () => {
    const engineering = team('Engineering');
    const user = someone(
      (u) => u.kind === 'member' && u.status === 'ACTIVE' && !u.teamIds.includes(engineering.id),
    );
    const managed = await gql<any>(emu.current, admin(), ADD_USERS_TO_TEAM, {
      team: engineering.id,
      ids: [user.id],
    });
    expect(managed.body.data.add_users_to_team.failed_users).toEqual([{ id: user.id }]);
    const refused = await gql<any>(emu.current, member(), ADD_USERS_TO_TEAM, {
      team: team('Design').id,
      ids: [user.id],
    });
    expect(refused.body.errors![0].extensions.code).toBe('UNAUTHORIZED');
    expect(refused.body.data.add_users_to_team).toBeNull();
    const missing = await gql<any>(emu.current, admin(), ADD_USERS_TO_TEAM, { team: '1', ids: [user.id] });
    expect(missing.body.errors![0].extensions.code).toBe('RESOURCE_NOT_FOUND');
    const tooMany = await gql<any>(emu.current, admin(), ADD_USERS_TO_TEAM, {
      team: team('Design').id,
      ids: Array.from({ length: 201 }, (_, i) => String(i + 1)),
    });
    expect(tooMany.body.errors![0].extensions.code).toBe('EXCEEDS_BATCH_LIMIT');
  });

  it("classifies monday's UNAUTHORIZED as the token owner's missing rights, saying what to do", async () => {
    const client = new GraphqlClient({
      token: member(),
      apiUrl: emu.current.graphqlUrl,
      retry: { maxRetries: 0 },
    });
    const user = someone((u) => u.kind === 'member' && u.status === 'ACTIVE');
    const error = await client.request(ADD_USERS_TO_TEAM, { team: team('Design').id, ids: [user.id] }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MondayError);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    expect((error as MondayError).message).toMatch(
      /^monday refused add_users_to_team: the API token's owner lacks the rights for it \(.*\); an admin's token is needed$/,
    );
  });

  it('creates, gives owners to and deletes teams', async () => {
    const [a, b] = account().users.filter((u, i) => i > 2 && u.kind === 'member' && u.status === 'ACTIVE');
    const created = await gql<any>(
      emu.current,
      admin(),
      `mutation { create_team(input: { name: "Audit", subscriber_ids: [${a!.id}, ${b!.id}] }) { id name is_guest users { id } } }`,
    );
    const audit = created.body.data.create_team;
    expect(audit).toMatchObject({ name: 'Audit', is_guest: false });
    expect(audit.users.map((u: any) => u.id).sort()).toEqual([a!.id, b!.id].sort());
    const empty = await gql<any>(
      emu.current,
      admin(),
      'mutation { create_team(input: { name: "Nobody" }) { id } }',
    );
    expect(empty.body.errors![0].message).toMatch(/allow_empty_team/);
    const guest = someone((u) => u.kind === 'guest');
    const owners = await gql<any>(
      emu.current,
      admin(),
      `mutation { assign_team_owners(team_id: ${audit.id}, user_ids: [${a!.id}, ${guest.id}]) { team { owners { id } } errors { code user_id } } }`,
    );
    expect(owners.body.data.assign_team_owners).toEqual({
      team: { owners: [{ id: a!.id }] },
      errors: [{ code: 'USER_NOT_MEMBER_OF_TEAM', user_id: guest.id }],
    });
    const unowned = await gql<any>(
      emu.current,
      admin(),
      `mutation { remove_team_owners(team_id: ${audit.id}, user_ids: [${a!.id}]) { team { owners { id } } errors { code } } }`,
    );
    expect(unowned.body.data.remove_team_owners).toEqual({ team: { owners: [] }, errors: [] });
    const deleted = await gql<any>(
      emu.current,
      admin(),
      `mutation { delete_team(team_id: ${audit.id}) { id name users { id } } }`,
    );
    expect(deleted.body.data.delete_team.users).toHaveLength(2);
    expect(account().teams.some((t) => t.id === audit.id)).toBe(false);
    expect(a!.teamIds).not.toContain(audit.id);
  });
});

describe('emulator SCIM: Groups', () => {
  const token = () => account().scimToken!;
  it('lists SCIM-provisioned teams only unless asked for all, with members, by a SCIM id of their own', async () => {
    const list = await scim(emu.current, token(), 'GET', '/Groups');
    expect(list.status).toBe(200);
    expect(list.body.Resources.map((g: any) => g.displayName).sort()).toEqual(['Engineering', 'Sales']);
    const engineering = list.body.Resources.find((g: any) => g.displayName === 'Engineering');
    expect(engineering.id).not.toBe(team('Engineering').id);
    expect(engineering.members.map((m: any) => m.value).sort()).toEqual(
      inTeam(team('Engineering').id)
        .map((u) => u.id)
        .sort(),
    );
    const all = await scim(emu.current, token(), 'GET', '/Groups?scim_provisioned_only=false');
    expect(all.body.totalResults).toBe(account().teams.length);
    const byName = await scim(
      emu.current,
      token(),
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "Sales"')}`,
    );
    expect(byName.body.Resources.map((g: any) => g.displayName)).toEqual(['Sales']);
    const badFilter = await scim(
      emu.current,
      token(),
      'GET',
      `/Groups?filter=${encodeURIComponent('id eq "1"')}`,
    );
    expect(badFilter).toMatchObject({ status: 400, body: { scimType: 'invalidFilter' } });
  });

  it('creates, renames, changes the members of and deletes a Group', async () => {
    const scimUsers = account().users.filter(
      (u) => u.invitationMethod === 'SCIM' && u.status === 'ACTIVE' && u.kind === 'member',
    );
    const [x, y] = scimUsers;
    const created = await scim(emu.current, token(), 'POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Okta Pushed',
      members: [{ value: x!.id }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const taken = await scim(emu.current, token(), 'POST', '/Groups', { displayName: 'Okta Pushed' });
    expect(taken.status).toBe(409);
    const patch = (Operations: unknown[]) =>
      scim(emu.current, token(), 'PATCH', `/Groups/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations,
      });
    expect((await patch([{ op: 'Replace', path: 'displayName', value: 'Okta Group' }])).status).toBe(204);
    expect((await patch([{ op: 'add', path: 'members', value: [{ value: y!.id }] }])).status).toBe(204);
    expect((await patch([{ op: 'remove', path: `members[value eq "${x!.id}"]` }])).status).toBe(204);
    const nonScim = someone(
      (u) => u.invitationMethod !== 'SCIM' && u.kind === 'member' && u.status === 'ACTIVE',
    );
    const refused = await patch([{ op: 'add', path: 'members', value: [{ value: nonScim.id }] }]);
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/not provisioned through SCIM/);
    const group = account().teams.find((t) => t.scimId === id)!;
    expect(group.name).toBe('Okta Group');
    expect(inTeam(group.id).map((u) => u.id)).toEqual([y!.id]);
    // A team not provisioned through SCIM cannot be changed through it.
    const design = team('Design');
    const notScim = await scim(emu.current, token(), 'PATCH', `/Groups/${design.scimId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'displayName', value: 'X' }],
    });
    expect(notScim.status).toBe(404);
    expect((await scim(emu.current, token(), 'DELETE', `/Groups/${id}`)).status).toBe(204);
    expect(account().teams.some((t) => t.scimId === id)).toBe(false);
  });
});
