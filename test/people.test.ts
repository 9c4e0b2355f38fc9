import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { runCli } from './helpers/cli.ts';
import { describeEachDialect } from './helpers/databases.ts';

describeEachDialect('people and their roles (%s)', (dialect) => {
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

  it("acts with at most the key owner's current role: a demoted admin's keys are demoted with them", async () => {
    const dana = (await h.call('POST', '/api/people', { body: { email: 'dana@example.com', role: 'admin' } }))
      .body;
    const issued = await h.call('POST', '/api/keys', {
      body: { role: 'admin', name: 'dana laptop', forEmail: 'Dana@Example.com' },
    });
    expect(issued.status).toBe(201);
    expect(issued.body.owner).toEqual({ id: dana.id, email: 'dana@example.com' });
    const danaKey = issued.body.key as string;
    // A key Dana makes herself is hers too; so is a browser session opened with her key.
    const spare = await h.call('POST', '/api/keys', { key: danaKey, body: { role: 'admin', name: 'spare' } });
    expect(spare.body.owner.email).toBe('dana@example.com');
    const signIn = await h.call('POST', '/api/session', { key: null, body: { key: danaKey } });
    expect(signIn.body.role).toBe('admin');
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;

    expect((await h.call('PATCH', `/api/people/${dana.id}`, { body: { role: 'viewer' } })).status).toBe(200);
    for (const key of [danaKey, spare.body.key as string]) {
      expect((await h.call('GET', '/api/session', { key })).body).toMatchObject({ role: 'viewer' });
      expect((await h.call('GET', '/api/users', { key })).status).toBe(200);
      const mint = await h.call('POST', '/api/keys', { key, body: { role: 'admin' } });
      expect(mint.status).toBe(403);
      expect(mint.body.error.message).toBe('this needs the admin role; the key used has the viewer role');
      const back = await h.call('PATCH', `/api/people/${dana.id}`, { key, body: { role: 'admin' } });
      expect(back.status).toBe(403);
    }
    const browser = await h.call('GET', '/api/session', { key: null, headers: { cookie } });
    expect(browser.body).toMatchObject({ role: 'viewer', via: 'session' });
    expect((await h.call('GET', '/api/people')).body.people.find((p: any) => p.id === dana.id).role).toBe(
      'viewer',
    );
    // Promoted again, her keys are what they were.
    await h.call('PATCH', `/api/people/${dana.id}`, { body: { role: 'admin' } });
    expect((await h.call('GET', '/api/session', { key: danaKey })).body.role).toBe('admin');
  });

  it('issues keys for a person, never above their role, and a reviewer key only for someone', async () => {
    await h.call('POST', '/api/people', { body: { email: 'rita@example.com', role: 'reviewer' } });
    const above = await h.call('POST', '/api/keys', {
      body: { role: 'operator', forEmail: 'rita@example.com' },
    });
    expect(above.status).toBe(400);
    expect(above.body.error).toEqual({
      code: 'role_above_owner',
      message: 'rita@example.com has the reviewer role: a key of theirs can have at most that role',
    });
    const nobody = await h.call('POST', '/api/keys', { body: { role: 'reviewer' } });
    expect(nobody.status).toBe(400);
    expect(nobody.body.error.code).toBe('reviewer_key_needs_owner');
    const unknown = await h.call('POST', '/api/keys', {
      body: { role: 'viewer', forEmail: 'who@example.com' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('no person with email who@example.com');
    const rita = await h.call('POST', '/api/keys', {
      body: { role: 'reviewer', forEmail: 'rita@example.com' },
    });
    expect(rita.status).toBe(201);
    const session = await h.call('GET', '/api/session', { key: rita.body.key });
    expect(session.body).toMatchObject({ kind: 'key', role: 'reviewer' });
    expect((await h.call('GET', '/api/reviews/inbox', { key: rita.body.key })).body).toEqual({ items: [] });
    expect((await h.call('GET', '/api/users', { key: rita.body.key })).status).toBe(403);

    const cli = await runCli(
      ['keys', 'create', '--role', 'reviewer', '--for', 'rita@example.com', '--name', 'rita cli'],
      h.env,
    );
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^Created reviewer key key_\S+ \(rita cli\) for rita@example\.com\./);
    const help = await runCli(['keys', '--help'], h.env);
    for (const role of ['reviewer', 'viewer', 'operator', 'admin'])
      expect(help.stdout).toContain(`${role} (`);
    const refused = await runCli(['keys', 'create', '--role', 'reviewer'], h.env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('a reviewer key must belong to the person whose reviews it opens');
  });

  it("stops a person's key and its browser session the moment they are disabled, and a demotion caps it", async () => {
    // Another admin, so Tess is never the last one (which could not be demoted).
    await h.call('POST', '/api/people', { body: { email: 'uma@example.com', role: 'admin' } });
    const tess = (await h.call('POST', '/api/people', { body: { email: 'tess@example.com', role: 'admin' } }))
      .body;
    const made = await h.call('POST', '/api/keys', {
      body: { role: 'admin', name: 'tess laptop', forEmail: 'tess@example.com' },
    });
    expect(made.status).toBe(201);
    const key: string = made.body.key;
    // While Tess is an admin her key is an admin's, with her name on it.
    expect((await h.call('GET', '/api/people', { key })).status).toBe(200);
    const signIn = await fetch(`${h.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const browser = () => fetch(`${h.url}/api/session`, { headers: { cookie } });
    const before = await (await browser()).json();
    expect(before).toMatchObject({ kind: 'key', role: 'admin', owner: { email: 'tess@example.com' } });
    // Demoted to viewer: the admin key now does what a viewer may, no more.
    expect((await h.call('PATCH', `/api/people/${tess.id}`, { body: { role: 'viewer' } })).status).toBe(200);
    const capped = await h.call('GET', '/api/people', { key });
    expect(capped.status).toBe(403);
    expect((await h.call('GET', '/api/connections', { key })).status).toBe(200);
    expect(await (await browser()).json()).toMatchObject({ role: 'viewer' });
    // Disabled: neither the key nor the session it opened works, not even for reading.
    expect((await h.call('PATCH', `/api/people/${tess.id}`, { body: { disabled: true } })).status).toBe(200);
    const refused = await h.call('GET', '/api/connections', { key });
    expect(refused.status).toBe(401);
    expect((await browser()).status).toBe(401);
    const again = await fetch(`${h.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    });
    expect(again.status).toBe(401);
    // The key's row is still there (an admin sees whose it was), and revoking it stays possible.
    const listed = (await h.call('GET', '/api/keys')).body.keys.find((k: any) => k.name === 'tess laptop');
    expect(listed).toBeDefined();
    expect((await h.call('DELETE', `/api/keys/${listed.id}`)).status).toBeLessThan(300);
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
