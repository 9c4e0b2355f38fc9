import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { runCli } from './helpers/cli.ts';
import { describeEachDialect } from './helpers/databases.ts';

describeEachDialect('teams in the HTTP API, the CLI and offboarding receipts (%s)', (dialect) => {
  let h: ApiHarness;
  let connectionId: string;
  const account = () => h.emulator.accounts[0]!;
  const team = (name: string) => account().teams.find((t) => t.name === name)!;
  const membersOf = (teamId: string) =>
    account()
      .users.filter((u) => u.teamIds.includes(teamId))
      .map((u) => u.id)
      .sort();

  beforeAll(async () => {
    h = await startApi(dialect, { users: 250, seed: 61 });
    const added = await h.call('POST', '/api/connections', {
      body: {
        token: account().tokens.admin,
        apiUrl: h.emulator.graphqlUrl,
        scimToken: account().scimToken,
        scimUrl: h.emulator.scimUrl,
        permission: 'read_and_act',
      },
    });
    connectionId = added.body.id;
    expect((await h.seatwise.sync.sync(connectionId)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists every team with members, owners, paid seats and inactive paid seats, for viewers too', async () => {
    const res = await h.call('GET', `/api/teams?connectionId=${connectionId}`, { key: h.viewerKey });
    expect(res.status).toBe(200);
    const teams = res.body.teams as any[];
    expect(teams.map((t) => t.name).sort()).toEqual(
      account()
        .teams.map((t) => t.name)
        .sort(),
    );
    const users = await h.seatwise.users.list({ connectionId });
    const byId = new Map(users.map((u) => [u.id, u]));
    const cutoff = Date.now() - 90 * 86_400_000;
    for (const t of teams) {
      const monday = team(t.name);
      const paid = membersOf(monday.id).filter((id) => byId.get(id)?.license === 'member');
      const inactive = paid.filter((id) => {
        const u = byId.get(id)!;
        return Date.parse(u.lastActivityAt ?? u.createdAt!) < cutoff;
      });
      expect(t).toMatchObject({
        connectionId,
        id: monday.id,
        isGuest: monday.isGuest,
        scimManaged: monday.scimProvisioned,
        members: membersOf(monday.id).length,
        owners: monday.ownerIds.length,
        paidSeats: paid.length,
        inactivePaidSeats: inactive.length,
        inactiveDays: 90,
      });
    }
    expect(teams.find((t) => t.name === 'People').members).toBe(0);
  });

  it('shows one team with its owners, and filters users by team', async () => {
    const design = team('Design');
    const res = await h.call('GET', `/api/teams/${connectionId}/${design.id}`);
    expect(res.status).toBe(200);
    expect(res.body.ownerUsers.map((u: any) => u.id)).toEqual(design.ownerIds);
    const members = await h.call(
      'GET',
      `/api/users?connectionId=${connectionId}&team=${design.id}&limit=1000`,
    );
    expect(members.body.users.map((u: any) => u.id).sort()).toEqual(membersOf(design.id));
    expect(members.body.users.every((u: any) => u.teams.some((t: any) => t.id === design.id))).toBe(true);
    expect((await h.call('GET', `/api/teams/${connectionId}/1`)).status).toBe(404);
    const bad = await h.call('GET', `/api/users?team=design`);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/team id/);
    const csv = await h.call('GET', `/api/users?connectionId=${connectionId}&team=${design.id}&format=csv`);
    expect(csv.text.trim().split('\n')).toHaveLength(membersOf(design.id).length + 1);
  });

  it("shows a user's teams and team changes in their history", async () => {
    const several = account().users.find((u) => u.teamIds.length >= 2)!;
    const res = await h.call('GET', `/api/users/${connectionId}/${several.id}`);
    expect(res.body.teams.map((t: any) => t.id).sort()).toEqual([...several.teamIds].sort());
    expect(
      res.body.history
        .filter((e: any) => e.kind === 'joined_team')
        .map((e: any) => e.teamId)
        .sort(),
    ).toEqual([...several.teamIds].sort());
  });

  it('lists the teams and one team in the CLI, and filters users by --team', async () => {
    const env = h.env;
    const list = await runCli(['teams', '--connection', connectionId], env);
    expect(list.code).toBe(0);
    for (const t of account().teams) expect(list.stdout).toContain(t.name);
    expect(list.stdout).toMatch(/PAID SEATS/);
    const design = team('Design');
    const one = await runCli(['teams', design.id], env);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`Design (team ${design.id})`);
    for (const id of membersOf(design.id)) expect(one.stdout).toContain(id);
    const json = await runCli(['users', connectionId, '--team', design.id, '--json'], env);
    expect(
      JSON.parse(json.stdout)
        .map((u: any) => u.id)
        .sort(),
    ).toEqual(membersOf(design.id));
    const missing = await runCli(['teams', '42'], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no synced team 42/);
    const user = account().users.find((u) => u.teamIds.length > 0)!;
    const show = await runCli(['users', 'show', connectionId, user.id], env);
    const first = account().teams.find((t) => t.id === user.teamIds[0])!;
    expect(show.stdout).toMatch(new RegExp(`Teams\\s+.*${first.name} \\(${first.id}`));
  });

  it("shows each person's teams before and after in the offboarding receipt", async () => {
    const person = account().users.find(
      (u, i) =>
        i > 2 &&
        u.invitationMethod === 'SCIM' &&
        u.status === 'ACTIVE' &&
        u.teamIds.length > 0 &&
        u.kind === 'member',
    )!;
    const names = account()
      .teams.filter((t) => person.teamIds.includes(t.id))
      .map((t) => t.name)
      .sort();
    const res = await h.call('POST', '/api/offboardings', { body: { emails: [person.email] } });
    expect(res.status).toBeLessThan(300);
    const step = res.body.steps[0];
    expect(step.before[0].teams).toEqual(names);
    expect(step.after[0].teams).toEqual(names);
    const receipt = await h.call('GET', `/api/offboardings/${res.body.id}/receipt`);
    expect(receipt.text).toContain(`member, active; teams: ${names.join(', ')}`);
    expect(receipt.text).toContain(`member, deactivated; teams: ${names.join(', ')}`);
  });
});
