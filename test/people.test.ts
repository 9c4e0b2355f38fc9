import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { runCli } from './helpers/cli.ts';
import { dialects } from './helpers/databases.ts';

describe.each(dialects)('people and their roles (%s)', (dialect) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApi(dialect, { users: 10 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('invites people with a role, refuses a second invitation, a bad email and a viewer', async () => {
    const ada = await h.call('POST', '/api/people', {
      body: { email: 'Ada@Example.com', role: 'operator', name: 'Ada' },
    });
    expect(ada.status).toBe(201);
    expect(ada.body).toMatchObject({
      email: 'ada@example.com',
      name: 'Ada',
      role: 'operator',
      roleSource: 'seatwise',
      assignedRole: 'operator',
      providerRole: null,
      lastSignInAt: null,
      disabled: false,
    });
    expect(ada.body.invitedBy).toMatch(/^api-key:/);
    const again = await h.call('POST', '/api/people', { body: { email: 'ada@example.com' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('person_exists');
    const bad = await h.call('POST', '/api/people', { body: { email: 'ada at example' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('"ada at example" is not a well-formed email address');
    const role = await h.call('POST', '/api/people', { body: { email: 'x@example.com', role: 'boss' } });
    expect(role.status).toBe(400);
    expect((await h.call('GET', '/api/people', { key: h.viewerKey })).status).toBe(403);
    const list = await h.call('GET', '/api/people');
    expect(list.body.people.map((p: any) => p.email)).toEqual(['ada@example.com']);
  });

  it('never lets the last active admin lose the role or be disabled', async () => {
    const grace = (
      await h.call('POST', '/api/people', { body: { email: 'grace@example.com', role: 'admin' } })
    ).body;
    const demote = await h.call('PATCH', `/api/people/${grace.id}`, { body: { role: 'viewer' } });
    expect(demote.status).toBe(409);
    expect(demote.body.error).toMatchObject({
      code: 'last_admin',
      message: 'grace@example.com is the last active admin: give someone else the admin role first',
    });
    expect((await h.call('PATCH', `/api/people/${grace.id}`, { body: { disabled: true } })).status).toBe(409);
    const linus = (
      await h.call('POST', '/api/people', { body: { email: 'linus@example.com', role: 'admin' } })
    ).body;
    // Two admins racing to demote each other: one of them stays admin.
    const [a, b] = await Promise.all([
      h.call('PATCH', `/api/people/${grace.id}`, { body: { role: 'viewer' } }),
      h.call('PATCH', `/api/people/${linus.id}`, { body: { role: 'viewer' } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const people = (await h.call('GET', '/api/people')).body.people as any[];
    expect(people.filter((p) => p.role === 'admin' && !p.disabled)).toHaveLength(1);
    const disabled = await h.call(
      'PATCH',
      `/api/people/${(people.find((p) => p.email === 'ada@example.com'))!.id}`,
      {
        body: { disabled: true },
      },
    );
    expect(disabled.body).toMatchObject({ disabled: true, role: 'operator' });
    expect((await h.call('PATCH', '/api/people/psn_missing', { body: { role: 'viewer' } })).status).toBe(404);
    expect((await h.call('PATCH', `/api/people/${grace.id}`, { body: {} })).status).toBe(400);
  });

  it('lists, invites, gives roles to and disables people in the CLI', async () => {
    const invited = await runCli(
      ['people', 'invite', 'tim@example.com', '--role', 'reviewer', '--json'],
      h.env,
    );
    expect(invited.code).toBe(0);
    const tim = JSON.parse(invited.stdout);
    expect(tim).toMatchObject({ email: 'tim@example.com', role: 'reviewer' });
    const set = await runCli(['people', 'set-role', tim.id, 'viewer'], h.env);
    expect(set.stdout).toBe('tim@example.com is now viewer.\n');
    const off = await runCli(['people', 'disable', tim.id], h.env);
    expect(off.stdout).toBe('tim@example.com is disabled.\n');
    const list = await runCli(['people'], h.env);
    expect(list.stdout).toMatch(/tim@example\.com\s+-\s+viewer\s+seatwise\s+never\s+disabled/);
    const bad = await runCli(['people', 'invite', 'tim@example.com'], h.env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('tim@example.com is already a person in Seatwise');
    // Each change is in the audit log, about Seatwise itself, naming who made it on this host.
    const audit = await runCli(['audit', '--action', 'person_role_changed', '--json'], h.env);
    expect(audit.code).toBe(0);
    const [entry] = JSON.parse(audit.stdout);
    expect(entry).toMatchObject({
      connectionId: null,
      actor: expect.stringMatching(/^cli/),
      outcome: 'done',
      targets: ['tim@example.com'],
      plan: { personId: tim.id, before: 'reviewer', after: 'viewer' },
    });
    const table = await runCli(['audit', '--action', 'person_disabled'], h.env);
    expect(table.stdout).toMatch(/Seatwise\s+person_disabled\s+cli\s+done\s+tim@example\.com/);
  });
});
