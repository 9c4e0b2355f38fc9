import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { footprintOf } from '../src/domain/footprint.ts';
import type { EmuAccount, EmuUser } from '../src/emulator/model.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { runCli } from './helpers/cli.ts';

/**
 * An offboarding plan says, per person, what deactivating them switches off and leaves without an owner in
 * monday, counted from monday's own state (the emulator's boards, automations and integrations), and says
 * "unknown" where monday would not tell.
 */
describe("an offboarding plan shows what each person's deactivation breaks", () => {
  let api: ApiHarness;
  let connectionId: string;
  const account = () => api.emulator.accounts[0] as EmuAccount;

  beforeAll(async () => {
    api = await startApi('sqlite', { users: 300, plan: 'enterprise', seed: 41 });
    const res = await api.call('POST', '/api/connections', {
      body: {
        token: account().tokens.admin,
        scimToken: account().scimToken,
        apiUrl: api.emulator.graphqlUrl,
        scimUrl: api.emulator.scimUrl,
        permission: 'read_and_act',
      },
    });
    expect(res.status, res.text).toBe(201);
    connectionId = res.body.id;
    expect((await api.call('POST', `/api/connections/${connectionId}/sync`)).status).toBe(201);
    expect((await api.call('GET', `/api/connections/${connectionId}`)).body.lastSyncedAt).not.toBeNull();
  });
  afterAll(() => api?.close());

  /** monday's state counted independently: active automations, active integrations, boards only they own. */
  const expected = (person: EmuUser) => {
    const a = account();
    const active = (id: string) => a.usersById.get(id)?.status === 'ACTIVE';
    const automations = a.automations.filter((x) => x.userId === person.id && x.active);
    const visibleTo = (b: EmuAccount['boards'][number]) =>
      b.kind === 'public' ||
      b.ownerIds.includes(a.tokenOwners.admin) ||
      b.subscriberIds.includes(a.tokenOwners.admin);
    return {
      automations: automations.length,
      boards: new Set(automations.map((x) => x.boardId)).size,
      integrations: [
        ...new Set(
          a.connections.filter((c) => c.userId === person.id && c.state === 'active').map((c) => c.provider),
        ),
      ],
      teams: a.teams
        .filter((t) => {
          const owners = t.ownerIds.filter(active);
          return owners.length === 1 && owners[0] === person.id;
        })
        .map((t) => t.id),
      sole: a.boards
        .filter((b) => b.state === 'active' && visibleTo(b))
        .filter((b) => {
          const owners = b.ownerIds.filter(active);
          return owners.length === 1 && owners[0] === person.id;
        })
        .map((b) => b.id),
    };
  };

  it('counts automations, integrations and boards left ownerless for people who have them, and nothing for the rest', async () => {
    const a = account();
    const busy = a.users.find(
      (u, i) =>
        i > 2 &&
        u.status === 'ACTIVE' &&
        u.kind === 'member' &&
        a.automations.some((x) => x.userId === u.id && x.active) &&
        a.boards.some((b) => b.kind === 'public' && b.ownerIds.length === 1 && b.ownerIds[0] === u.id),
    )!;
    expect(busy).toBeDefined();
    const idle = a.users.find(
      (u, i) =>
        i > 2 &&
        u.status === 'ACTIVE' &&
        u.kind === 'member' &&
        !a.automations.some((x) => x.userId === u.id) &&
        !a.connections.some((c) => c.userId === u.id) &&
        !a.boards.some((b) => b.ownerIds.includes(u.id)) &&
        !a.teams.some((t) => t.ownerIds.includes(u.id)),
    )!;
    const plan = await api.call('POST', '/api/offboardings', {
      body: { emails: [busy.email, idle.email], dryRun: true },
    });
    expect(plan.status, plan.text).toBe(200);
    const items = plan.body.steps[0].items as any[];
    const of = (u: EmuUser) => items.find((i) => i.userId === u.id).footprint;
    const want = expected(busy);
    expect(of(busy)).toMatchObject({
      automations: { count: want.automations },
      integrations: want.integrations,
      breaks: true,
      unknown: ["boards: private and shareable boards the connection's token owner is not on are not listed"],
    });
    expect(of(busy).automations.boards).toHaveLength(want.boards);
    expect(of(busy).soleOwnerBoards.map((b: { id: string }) => b.id)).toEqual(want.sole);
    expect(of(busy).soleOwnerTeams.map((t: { id: string }) => t.id)).toEqual(want.teams);
    expect(of(busy).words).toMatch(new RegExp(`^switches off ${want.automations} automations?`));
    expect(of(idle)).toMatchObject({
      automations: { count: 0 },
      integrations: [],
      soleOwnerBoards: [],
      soleOwnerTeams: [],
      breaks: false,
    });
    expect(of(idle).words).toMatch(/^breaks nothing monday showed; unknown: boards: private and shareable/);
    // The CLI's plan says the same, per person.
    const env = { ...api.env, SEATWISE_ALLOWED_ENDPOINTS: new URL(api.emulator.graphqlUrl).origin };
    const cli = await runCli(['offboard', '--email', busy.email, '--dry-run'], env);
    expect(cli.stdout).toContain('What deactivating them breaks in monday:');
    expect(cli.stdout).toContain(`  ${busy.email} in ${a.name}: ${of(busy).words}`);
    // A plan changes nothing in monday.
    expect(a.automations.filter((x) => x.userId === busy.id && x.active)).toHaveLength(want.automations);
  });

  it('an action plan that deactivates or makes a viewer says the same, a change to viewer only its automations', async () => {
    const a = account();
    const busy = a.users.find(
      (u, i) =>
        i > 2 &&
        u.status === 'ACTIVE' &&
        u.kind === 'member' &&
        a.automations.some((x) => x.userId === u.id && x.active) &&
        !a.connections.some((c) => c.userId === u.id),
    )!;
    expect(busy).toBeDefined();
    // Give them an integration, as monday would hold one they connected.
    a.connections.push({
      id: 999_001,
      userId: busy.id,
      provider: 'slack',
      name: 'slack',
      method: 'oauth',
      state: 'active',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const want = expected(busy);
    expect(want.integrations).toEqual(['slack']);
    const plan = (body: object) =>
      api.call('POST', '/api/actions/plan', {
        body: { connectionId, targets: [{ userId: busy.id }], ...body },
      });
    const deactivate = (await plan({ action: 'deactivate', via: 'graphql' })).body.plan[0].footprint;
    expect(deactivate).toMatchObject({
      automations: { count: want.automations },
      integrations: want.integrations,
      breaks: true,
    });
    const viewer = (await plan({ action: 'set_role', role: 'viewer' })).body.plan[0].footprint;
    expect(viewer).toMatchObject({
      automations: { count: want.automations },
      integrations: [],
      soleOwnerBoards: null,
      breaks: true,
    });
    expect(viewer.unknown).toEqual([
      'boards: monday does not document what a viewer keeps of the boards and teams they own',
    ]);
    // A change that takes nothing away reads nothing.
    expect((await plan({ action: 'set_role', role: 'admin' })).body.plan[0].footprint).toBeUndefined();
    const env = { ...api.env, SEATWISE_ALLOWED_ENDPOINTS: new URL(api.emulator.graphqlUrl).origin };
    const cli = await runCli(
      [
        'action',
        'set-role',
        '--connection',
        connectionId,
        '--user',
        busy.id,
        '--role',
        'viewer',
        '--dry-run',
      ],
      env,
    );
    expect(cli.stdout).toContain(`What this breaks in monday:\n  ${busy.email}: ${viewer.words}`);
    expect(a.usersById.get(busy.id)!.kind).toBe('member');
  });

  it('says unknown, never "nothing", where the version monday serves has no automations', async () => {
    const a = account();
    const person = a.users.find(
      (u, i) => i > 2 && u.status === 'ACTIVE' && a.automations.some((x) => x.userId === u.id && x.active),
    )!;
    const pinned = await api.call('PATCH', `/api/connections/${connectionId}`, {
      body: { apiVersion: '2026-07' },
    });
    expect(pinned.status, pinned.text).toBe(200);
    try {
      const plan = await api.call('POST', '/api/offboardings', {
        body: { emails: [person.email], dryRun: true },
      });
      const footprint = plan.body.steps[0].items[0].footprint;
      expect(footprint.automations).toBeNull();
      expect(footprint.unknown[0]).toBe(
        'automations: the API version monday serves has no automations (2026-10 and later do)',
      );
      expect(footprint.words).not.toMatch(/^breaks nothing/);
      expect(footprint.words).toContain(
        'unknown: automations: the API version monday serves has no automations',
      );
    } finally {
      await api.call('PATCH', `/api/connections/${connectionId}`, { body: { apiVersion: 'current' } });
    }
  });

  it('is the domain rule applied to what was read', () => {
    const workspace = {
      automations: [
        { id: '1', userId: 'u', boardId: 'b1', title: 'A', active: true },
        { id: '2', userId: 'u', boardId: 'b1', title: 'B', active: true },
        { id: '3', userId: 'u', boardId: 'b2', title: 'A', active: false },
        { id: '4', userId: 'v', boardId: 'b2', title: 'C', active: true },
      ],
      automationsUnknown: null,
      integrations: [{ id: '9', userId: 'u', provider: 'slack', active: true }],
      integrationsUnknown: null,
      boards: [
        { id: 'b1', name: 'Roadmap', kind: 'private', activeOwnerIds: ['u'] },
        { id: 'b2', name: 'Hiring', kind: 'public', activeOwnerIds: ['u', 'v'] },
      ],
      boardsUnknown: null,
      teams: [
        { id: 't1', name: 'Sales', activeOwnerIds: ['u'] },
        { id: 't2', name: 'Ops', activeOwnerIds: ['u', 'v'] },
        { id: 't3', name: 'Nobody', activeOwnerIds: [] },
      ],
      teamsUnknown: null,
      requests: 4,
    };
    expect(footprintOf('u', workspace)).toEqual({
      automations: { count: 2, boards: ['b1'], titles: ['A', 'B'] },
      integrations: ['slack'],
      soleOwnerBoards: [{ id: 'b1', name: 'Roadmap', kind: 'private' }],
      soleOwnerTeams: [{ id: 't1', name: 'Sales' }],
      unknown: [],
      breaks: true,
      words:
        'switches off 2 automations (1 board) and 1 integration (slack); leaves 1 board with no active owner (1 private or shareable); leaves 1 team with no active owner (Sales)',
    });
    // Unknown parts are said, never counted as nothing.
    const blind = { ...workspace, teams: null, teamsUnknown: 'monday did not answer (timeout)' };
    expect(footprintOf('w', blind)).toMatchObject({
      soleOwnerTeams: null,
      breaks: false,
      words: 'breaks nothing monday showed; unknown: teams: monday did not answer (timeout)',
    });
    expect(footprintOf('v', workspace).words).toBe('switches off 1 automation (1 board)');
    expect(footprintOf('w', workspace)).toMatchObject({
      breaks: false,
      words: 'breaks nothing monday showed',
    });
  });
});
