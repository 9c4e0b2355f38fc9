import { afterAll, beforeAll, expect, it } from 'vitest';
import { addUser, type EmuAccount, type EmuUser } from '../src/emulator/model.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { runCli, spawnCli } from './helpers/cli.ts';
import { describeEachDialect } from './helpers/databases.ts';

const DAY = 86_400_000;

/** A service user as monday holds one, made by `creator`, with a token last used `usedDaysAgo` ago (null: none). */
function serviceUser(
  account: EmuAccount,
  name: string,
  creator: EmuUser,
  token: { usedDaysAgo: number | null } | null,
  createdDaysAgo = 400,
): EmuUser {
  const id = String(account.nextUserId++);
  const at = (days: number) => new Date(Date.now() - days * DAY);
  const user: EmuUser = {
    id,
    accountId: account.id,
    name,
    email: `service-${id}@${account.slug}.monday-service.invalid`,
    title: '',
    kind: 'service_user',
    status: 'ACTIVE',
    invitationMethod: 'API_USER_CREATION',
    isEmailConfirmed: true,
    createdAt: at(createdDaysAgo),
    becameActiveAt: at(createdDaysAgo),
    lastActivity: null,
    timeZone: 'UTC',
    locale: 'en',
    externalId: null,
    teamIds: [],
    updatedAt: at(createdDaysAgo),
    invitedById: creator.id,
    serviceToken: token ? { lastUsedAt: token.usedDaysAgo === null ? null : at(token.usedDaysAgo) } : null,
  };
  addUser(account, user);
  return user;
}

describeEachDialect('service users (%s)', (dialect) => {
  let api: ApiHarness;
  let connectionId: string;
  let account: EmuAccount;
  const su: Record<'unused' | 'leaverActive' | 'noToken' | 'fresh' | 'revokeMe' | 'race', EmuUser> =
    {} as never;
  const mutations = () =>
    api.emulator.state.mutationsExecuted.filter((m) => m.accountId === account.id).length;

  beforeAll(async () => {
    api = await startApi(dialect, { users: 120, seed: 77, accounts: 2 });
    account = api.emulator.accounts[0]!;
    // The seed's own service users are dropped: these are the ones this test knows.
    for (const u of account.users.filter((x) => x.kind === 'service_user')) u.kind = 'agent_member';
    const active = account.users.find((u, i) => i > 2 && u.kind === 'member' && u.status === 'ACTIVE')!;
    const leaver = account.users.find((u, i) => i > 2 && u.kind === 'member' && u.status === 'INACTIVE')!;
    su.unused = serviceUser(account, 'Billing export', active, { usedDaysAgo: 200 });
    su.leaverActive = serviceUser(account, 'CRM bridge', leaver, { usedDaysAgo: 2 });
    su.noToken = serviceUser(account, 'Old importer', active, null);
    su.fresh = serviceUser(account, 'Status bot', active, { usedDaysAgo: 1 });
    su.revokeMe = serviceUser(account, 'Zapier link', leaver, { usedDaysAgo: 90 });
    su.race = serviceUser(account, 'Zz race', active, { usedDaysAgo: 5 });
    connectionId = (
      await api.seatwise.connections.add({
        token: account.tokens.admin,
        apiUrl: api.emulator.graphqlUrl,
        permission: 'read_and_act',
      })
    ).id;
    await api.seatwise.connections.update(connectionId, { inactiveDays: 60 });
    expect((await api.seatwise.sync.sync(connectionId)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await api?.close();
  });

  it('reads them with every sync and names what is wrong: unused tokens, creators who left, tokens active after', async () => {
    const { status, body } = await api.call('GET', `/api/connections/${connectionId}/service-users`);
    expect(status).toBe(200);
    expect(body.error).toBeNull();
    expect(body.unusedDays).toBe(60);
    const byId = new Map(body.serviceUsers.map((u: any) => [u.id, u]));
    // Exactly monday's service users, with what monday shows of each.
    expect([...byId.keys()].sort()).toEqual(
      account.users
        .filter((u) => u.kind === 'service_user')
        .map((u) => u.id)
        .sort(),
    );
    for (const u of account.users.filter((x) => x.kind === 'service_user')) {
      expect(byId.get(u.id)).toMatchObject({
        name: u.name,
        enabled: true,
        hasToken: Boolean(u.serviceToken),
        lastTokenActivity: u.serviceToken?.lastUsedAt?.toISOString() ?? null,
        createdBy: { id: u.invitedById },
      });
    }
    expect((byId.get(su.unused.id) as any).findings).toEqual(['token_unused']);
    expect((byId.get(su.leaverActive.id) as any).findings).toEqual([
      'creator_deactivated',
      'token_active_creator_left',
    ]);
    expect((byId.get(su.leaverActive.id) as any).createdBy.status).toBe('deactivated');
    expect((byId.get(su.noToken.id) as any).findings).toEqual([]);
    expect((byId.get(su.fresh.id) as any).findings).toEqual([]);
    expect((byId.get(su.revokeMe.id) as any).findings).toEqual(['token_unused', 'creator_deactivated']);
    expect(body.summary).toEqual({
      total: 6,
      withToken: 5,
      token_unused: 2,
      creator_deactivated: 2,
      token_active_creator_left: 1,
    });
    // A shorter threshold flags more; a bad one is a clear error.
    const short = await api.call('GET', `/api/connections/${connectionId}/service-users?unusedDays=3`);
    expect(short.body.summary.token_unused).toBe(3);
    const bad = await api.call('GET', `/api/connections/${connectionId}/service-users?unusedDays=0`);
    expect(bad.status).toBe(400);

    const cli = await runCli(['service-users', 'list', connectionId], api.env);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/CRM bridge .* token active after its creator left/);
    expect(cli.stdout).toContain(
      '6 service users, 5 with a token: 2 unused for 60 days, 2 whose creator left, 1 active after their creator left',
    );
  });

  it('plans a revoke from what monday shows and sends nothing on a dry run', async () => {
    const before = mutations();
    const { status, body } = await api.call(
      'POST',
      `/api/connections/${connectionId}/service-users/${su.revokeMe.id}/revoke-tokens`,
      { body: { dryRun: true } },
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      outcome: 'planned',
      dryRun: true,
      plan: { hadToken: true, change: 'revoke every API token' },
    });
    expect(mutations()).toBe(before);
    expect(su.revokeMe.serviceToken).not.toBeNull();
  });

  it('revokes once: monday shows no token after, a repeat with the key is the first result, all audited', async () => {
    const before = mutations();
    const path = `/api/connections/${connectionId}/service-users/${su.revokeMe.id}/revoke-tokens`;
    const first = await api.call('POST', path, { body: { idempotencyKey: 'revoke-zapier-1' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ outcome: 'revoked', replayed: false, error: null });
    expect(su.revokeMe.serviceToken).toBeNull();
    expect(mutations() - before).toBe(1);
    const again = await api.call('POST', path, { body: { idempotencyKey: 'revoke-zapier-1' } });
    expect(again.body).toMatchObject({ outcome: 'revoked', replayed: true, auditId: first.body.auditId });
    expect(mutations() - before).toBe(1);
    // Another key: monday shows no token, so nothing is sent and nothing changes.
    const other = await api.call('POST', path, { body: { idempotencyKey: 'revoke-zapier-2' } });
    expect(other.body).toMatchObject({ outcome: 'unchanged', replayed: false });
    expect(mutations() - before).toBe(1);
    // The stored copy follows monday.
    const listed = await api.call('GET', `/api/connections/${connectionId}/service-users`);
    expect(listed.body.serviceUsers.find((u: any) => u.id === su.revokeMe.id)).toMatchObject({
      hasToken: false,
      findings: ['creator_deactivated'],
    });
    const audit = await api.seatwise.store.db
      .selectFrom('audit_entries')
      .select(['outcome', 'idempotency_key', 'dry_run'])
      .where('connection_id', '=', connectionId)
      .where('action', '=', 'revoke_service_user_tokens')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => [a.outcome, a.idempotency_key, Number(a.dry_run)])).toEqual([
      ['planned', null, 1],
      ['revoked', 'revoke-zapier-1', 0],
      ['unchanged', 'revoke-zapier-2', 0],
    ]);
  });

  it('sends one revocation when the same request arrives twice at once, and one across two processes', async () => {
    const before = mutations();
    const path = `/api/connections/${connectionId}/service-users/${su.race.id}/revoke-tokens`;
    const both = await Promise.all([
      api.call('POST', path, { body: { idempotencyKey: 'race-1' } }),
      api.call('POST', path, { body: { idempotencyKey: 'race-1' } }),
    ]);
    expect(mutations() - before).toBe(1);
    expect(su.race.serviceToken).toBeNull();
    // Each answer is the result (first or replayed) or "running elsewhere": never a second revocation.
    for (const r of both) {
      if (r.status === 200) expect(r.body.outcome).toBe('revoked');
      else expect(r.body.error).toMatchObject({ code: 'action_in_progress' });
    }
    expect(both.some((r) => r.status === 200 && r.body.replayed === false)).toBe(true);

    // Two CLI processes with one key against a token monday still holds.
    su.race.serviceToken = { lastUsedAt: new Date() };
    const mid = mutations();
    const runs = [0, 1].map(() =>
      spawnCli(
        ['service-users', 'revoke', connectionId, su.race.id, '--idempotency-key', 'race-cli', '--json'],
        api.env,
      ),
    );
    const exits = await Promise.all(runs.map((r) => r.done));
    expect(mutations() - mid).toBe(1);
    expect(su.race.serviceToken).toBeNull();
    const outputs = runs.map((r, i) => ({ code: exits[i]!.code, out: r.stdout(), err: r.stderr() }));
    const results = outputs.filter((o) => o.code === 0).map((o) => JSON.parse(o.out));
    expect(results.length).toBeGreaterThanOrEqual(1);
    for (const r of results) expect(r.outcome).toBe('revoked');
    for (const o of outputs.filter((x) => x.code !== 0)) expect(o.err).toContain('running');
  });

  it('says nothing to do for a service user without a token, and 404 for one monday does not list', async () => {
    const before = mutations();
    const none = await runCli(['service-users', 'revoke', connectionId, su.noToken.id], api.env);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe(`Old importer (${su.noToken.id}): nothing to do: monday shows no token\n`);
    expect(mutations()).toBe(before);
    const unknown = await api.call(
      'POST',
      `/api/connections/${connectionId}/service-users/99999999/revoke-tokens`,
      { body: {} },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('service_user_not_found');
    // A person is not a service user.
    const person = account.users.find((u) => u.kind === 'member')!;
    const notService = await api.call(
      'POST',
      `/api/connections/${connectionId}/service-users/${person.id}/revoke-tokens`,
      { body: {} },
    );
    expect(notService.status).toBe(404);
    const viewer = await api.call(
      'POST',
      `/api/connections/${connectionId}/service-users/${su.fresh.id}/revoke-tokens`,
      { body: {}, key: api.viewerKey },
    );
    expect(viewer.status).toBe(403);
    expect(mutations()).toBe(before);
    expect(su.fresh.serviceToken).not.toBeNull();
  });

  it('refuses on a read-only connection (audited) and cannot read them with a member token', async () => {
    await api.seatwise.connections.update(connectionId, { permission: 'read' });
    try {
      const before = mutations();
      const refused = await api.call(
        'POST',
        `/api/connections/${connectionId}/service-users/${su.fresh.id}/revoke-tokens`,
        { body: {} },
      );
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('read_only_connection');
      expect(mutations()).toBe(before);
      const audit = await api.seatwise.store.db
        .selectFrom('audit_entries')
        .select(['outcome', 'error_code'])
        .where('connection_id', '=', connectionId)
        .where('action', '=', 'revoke_service_user_tokens')
        .where('outcome', '=', 'refused')
        .execute();
      expect(audit).toEqual([{ outcome: 'refused', error_code: 'read_only_connection' }]);
    } finally {
      await api.seatwise.connections.update(connectionId, { permission: 'read_and_act' });
    }

    // The second account, connected with a member's token: monday lists service users to admins only.
    const second = api.emulator.accounts[1]!;
    const creator = second.users.find((u) => u.kind === 'member' && u.status === 'ACTIVE')!;
    const theirs = serviceUser(second, 'Second bot', creator, { usedDaysAgo: 1 });
    const member = await api.seatwise.connections.add({
      token: second.tokens.member,
      apiUrl: api.emulator.graphqlUrl,
      permission: 'read_and_act',
    });
    expect((await api.seatwise.sync.sync(member.id)).status).toBe('succeeded');
    const listed = await api.call('GET', `/api/connections/${member.id}/service-users`);
    expect(listed.body.serviceUsers).toEqual([]);
    expect(listed.body.error).toBe(
      "not read: monday lists service users to admins only, and the API token's owner is member",
    );
    const cli = await runCli(['service-users', 'revoke', member.id, theirs.id], api.env);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('admin');
    expect(theirs.serviceToken).not.toBeNull();
  });
});
