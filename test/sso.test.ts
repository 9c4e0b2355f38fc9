import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { freePort } from './helpers/cli.ts';
import { describeEachDialect } from './helpers/databases.ts';
import {
  oidcEnv,
  type ProviderAccount,
  type RunningProvider,
  startProviderFor,
} from './helpers/oidcProvider.ts';
import { SsoBrowser } from './helpers/ssoDriver.ts';

/** The settings an operator would put in the environment, read as Seatwise reads them. */
function oidcConfig(provider: RunningProvider, seatwise: string, extra: Record<string, string> = {}) {
  return loadConfig({
    SEATWISE_DATA_DIR: '/tmp/unused',
    ...oidcEnv(provider, seatwise, {
      SEATWISE_OIDC_ROLE_GROUPS: 'admin=seatwise-admins;operator=it-ops;reviewer=managers;viewer=finance',
      ...extra,
    }),
  });
}

const accounts = {
  ada: { email: 'ada@acme.test', name: 'Ada Admin', groups: ['seatwise-admins', 'everyone'] },
  otto: { email: 'otto@acme.test', name: 'Otto Ops', groups: ['it-ops'] },
  rita: { email: 'Rita@Acme.test', name: 'Rita Reviewer', groups: ['managers'] },
  nobody: { email: 'nobody@acme.test', name: 'No Group', groups: ['everyone'] },
  outsider: { email: 'eve@elsewhere.test', name: 'Eve Outsider', groups: ['seatwise-admins'] },
  unverified: { email: 'una@acme.test', name: 'Una', groups: ['finance'], emailVerified: false },
  // Someone who set their email claim to the boss's at a provider that does not verify emails (Entra ID sends
  // no email_verified at all).
  mallory: { email: 'boss@acme.test', name: 'Not The Boss', groups: ['everyone'], emailVerified: 'absent' },
  boss: { email: 'boss@acme.test', name: 'The Boss', groups: ['everyone'] },
} satisfies Record<string, ProviderAccount>;

describeEachDialect('single sign-on with an OpenID provider (%s)', (dialect) => {
  let provider: RunningProvider;
  let h: ApiHarness;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startProviderFor(base, accounts);
    h = await startApi(
      dialect,
      { users: 20 },
      { port, config: { oidc: oidcConfig(provider, base).oidc, SEATWISE_KEY_SIGN_IN: true } },
    );
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await provider?.close();
  });

  const auditFor = async (query: string) => (await h.call('GET', `/api/audit?${query}`)).body.entries;

  it('signs a person in with the role their groups give, creates them, and names them in the audit log', async () => {
    expect((await h.call('GET', '/api/auth/config', { key: null })).body).toEqual({
      keySignIn: true,
      sso: { name: 'single sign-on', loginUrl: '/api/auth/oidc/login' },
    });
    const browser = new SsoBrowser();
    expect(await browser.signIn(base, 'ada', '/users?role=admin')).toBe('/users?role=admin');
    const session = await browser.api(base, 'GET', '/api/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({
      kind: 'person',
      person: { email: 'ada@acme.test', name: 'Ada Admin' },
      role: 'admin',
      roleSource: 'provider',
      via: 'session',
    });
    const people = (await h.call('GET', '/api/people')).body.people;
    const ada = people.find((p: { email: string }) => p.email === 'ada@acme.test');
    expect(ada).toMatchObject({ role: 'admin', providerRole: 'admin', assignedRole: null, disabled: false });
    expect(ada.lastSignInAt).not.toBeNull();
    // The person acts as themselves: a key they create is theirs, and the audit log names them.
    const key = await browser.api(
      base,
      'POST',
      '/api/keys',
      { role: 'viewer', name: 'ada script' },
      session.body.csrfToken,
    );
    expect(key.status).toBe(201);
    expect(key.body.owner).toEqual({ id: ada.id, email: 'ada@acme.test' });
    const keys = (await h.call('GET', '/api/keys')).body.keys;
    expect(keys.find((k: { id: string }) => k.id === key.body.id).owner.email).toBe('ada@acme.test');
    const mine = await auditFor(`personId=${ada.id}`);
    expect(mine.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`)).toEqual([
      'key_created:done',
      'sign_in:done',
    ]);
    expect(mine[1]).toMatchObject({
      actor: `person:${ada.id}`,
      actorName: 'Ada Admin <ada@acme.test>',
      via: 'oidc',
      connectionId: null,
    });
    // A settings change names her too.
    const settings = await browser.api(
      base,
      'PUT',
      '/api/settings',
      { orgDomains: ['acme.test'] },
      session.body.csrfToken,
    );
    expect(settings.status).toBe(200);
    const changed = (await auditFor('action=settings_changed'))[0];
    expect(changed).toMatchObject({ actor: `person:${ada.id}`, outcome: 'done', targets: ['orgDomains'] });
  });

  it('gives the stricter of the role given in Seatwise and the one the groups map to, and says where it came from', async () => {
    const invited = await h.call('POST', '/api/people', {
      body: { email: 'otto@acme.test', role: 'viewer' },
    });
    expect(invited.status).toBe(201);
    const browser = new SsoBrowser();
    expect(await browser.signIn(base, 'otto')).toBe('/');
    const session = await browser.api(base, 'GET', '/api/session');
    expect(session.body).toMatchObject({
      role: 'viewer',
      roleSource: 'both',
      person: { id: invited.body.id },
    });
    // A viewer reads, and is refused a change with the reason.
    expect((await browser.api(base, 'GET', '/api/users')).status).toBe(200);
    const refused = await browser.api(base, 'POST', '/api/actions/plan', {}, session.body.csrfToken);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(
      'this needs the operator role or higher; otto@acme.test has the viewer role',
    );
    // Given admin in Seatwise, the provider's operator is the stricter: operator from the next request on.
    await h.call('PATCH', `/api/people/${invited.body.id}`, { body: { role: 'admin' } });
    expect((await browser.api(base, 'GET', '/api/session')).body).toMatchObject({
      role: 'operator',
      roleSource: 'both',
    });
  });

  it('names the person who ran an action on monday in the audit log', async () => {
    const connected = await h.call('POST', '/api/connections', {
      body: {
        token: h.emulator.accounts[0]!.tokens.admin,
        apiUrl: h.emulator.graphqlUrl,
        permission: 'read_and_act',
      },
    });
    expect(connected.status).toBe(201);
    const connectionId = connected.body.id;
    expect((await h.call('POST', `/api/connections/${connectionId}/sync`)).status).toBe(201);
    const user = h.emulator.accounts[0]!.users.find(
      (u, i) => i > 2 && u.kind === 'member' && u.status === 'ACTIVE',
    )!;
    const browser = new SsoBrowser();
    await browser.signIn(base, 'otto');
    const session = await browser.api(base, 'GET', '/api/session');
    expect(session.body.role).toBe('operator');
    const body = { action: 'set_role', connectionId, targets: [{ userId: user.id }], role: 'viewer' };
    const run = await browser.api(base, 'POST', '/api/actions', body, session.body.csrfToken);
    expect(run.status).toBe(200);
    expect(run.body.outcome).toBe('succeeded');
    const otto = session.body.person.id;
    const entry = (await auditFor(`personId=${otto}&action=set_role`))[0];
    expect(entry).toMatchObject({
      actor: `person:${otto}`,
      actorName: 'Otto Ops <otto@acme.test>',
      connectionId,
      outcome: 'succeeded',
    });
    // The CSV names him too.
    const csv = (await h.call('GET', `/api/audit?personId=${otto}&action=set_role&format=csv`)).text;
    expect(csv).toContain('Otto Ops <otto@acme.test>');
    expect((await h.call('GET', '/api/audit?personId=psn_missing')).status).toBe(404);
  });

  it('keeps a reviewer to their own pages', async () => {
    const browser = new SsoBrowser();
    expect(await browser.signIn(base, 'rita')).toBe('/');
    const session = await browser.api(base, 'GET', '/api/session');
    expect(session.body).toMatchObject({ role: 'reviewer', person: { email: 'rita@acme.test' } });
    const users = await browser.api(base, 'GET', '/api/users');
    expect(users.status).toBe(403);
    expect(users.body.error.message).toBe(
      'this needs the viewer role or higher; rita@acme.test has the reviewer role',
    );
  });

  it('refuses, with the reason in the audit log, a domain not allowed, an unverified email and someone with no role', async () => {
    for (const [login, code, reason] of [
      [
        'outsider',
        'domain_not_allowed',
        'elsewhere.test is not one of the email domains allowed to sign in (acme.test)',
      ],
      ['unverified', 'email_unverified', 'the identity provider has not verified una@acme.test'],
      ['nobody', 'no_role', 'nobody@acme.test has no role in Seatwise'],
    ] as const) {
      const browser = new SsoBrowser();
      expect(await browser.signIn(base, login)).toBe(`/?signInError=${code}`);
      expect(browser.cookie('seatwise_session')).toBeUndefined();
      const entry = (await auditFor('action=sign_in')).find(
        (e: { error: { code: string } | null }) => e.error?.code === code,
      );
      expect(entry, code).toMatchObject({ outcome: 'refused', via: 'oidc', connectionId: null });
      expect(entry.error.message).toContain(reason);
    }
    const people = (await h.call('GET', '/api/people')).body.people.map((p: { email: string }) => p.email);
    expect(people).not.toContain('nobody@acme.test');
    expect(people).not.toContain('eve@elsewhere.test');
  });

  it('never makes someone an invited person by an email the provider does not say it verified', async () => {
    const invited = await h.call('POST', '/api/people', { body: { email: 'boss@acme.test', role: 'admin' } });
    expect(invited.status).toBe(201);
    const mallory = new SsoBrowser();
    expect(await mallory.signIn(base, 'mallory')).toBe('/?signInError=email_unverified');
    expect(mallory.cookie('seatwise_session')).toBeUndefined();
    const refusal = (await auditFor('action=sign_in'))[0];
    expect(refusal).toMatchObject({
      actor: 'sign-in:boss@acme.test',
      outcome: 'refused',
      error: { code: 'email_unverified' },
    });
    expect(refusal.error.message).toContain('no email_verified claim');
    expect(refusal.error.message).toContain('SEATWISE_OIDC_TRUST_EMAIL=true');
    const people = (await h.call('GET', '/api/people')).body.people;
    expect(people.find((p: { email: string }) => p.email === 'boss@acme.test')).toMatchObject({
      id: invited.body.id,
      lastSignInAt: null,
    });
    // The real boss, whose provider verified the email, signs in as the invited admin.
    const boss = new SsoBrowser();
    expect(await boss.signIn(base, 'boss')).toBe('/');
    expect((await boss.api(base, 'GET', '/api/session')).body).toMatchObject({
      role: 'admin',
      person: { id: invited.body.id, email: 'boss@acme.test' },
    });
  });

  it('returns after sign-in only to a page of its own, as a browser reads the address', async () => {
    for (const elsewhere of [
      '/\t/evil.example/x',
      '/\n/evil.example/x',
      '/\\evil.example/x',
      '/.//evil.example/x',
      '//evil.example/x',
      'https://evil.example/x',
      'javascript:alert(1)',
    ]) {
      const landing = await new SsoBrowser().signIn(base, 'ada', elsewhere);
      expect(landing, JSON.stringify(elsewhere)).toBe('/');
    }
    expect(await new SsoBrowser().signIn(base, 'ada', '/reviews?tab=mine#top')).toBe('/reviews?tab=mine#top');
  });

  it("refuses an ID token with another issuer, another audience or another nonce, though the provider's key signed it", async () => {
    for (const [bend, words] of [
      [(c: Record<string, unknown>) => ({ ...c, iss: 'https://evil.example' }), '"iss"'],
      [(c: Record<string, unknown>) => ({ ...c, aud: 'another-client' }), '"aud"'],
      [(c: Record<string, unknown>) => ({ ...c, nonce: 'not-the-nonce' }), '"nonce"'],
    ] as const) {
      provider.tamper = bend;
      try {
        const browser = new SsoBrowser();
        expect(await browser.signIn(base, 'ada')).toBe('/?signInError=token_invalid');
        expect(browser.cookie('seatwise_session')).toBeUndefined();
      } finally {
        provider.tamper = null;
      }
      const entry = (await auditFor('action=sign_in'))[0];
      expect(entry).toMatchObject({ outcome: 'refused', error: { code: 'token_invalid' } });
      expect(entry.error.message).toContain(words);
    }
  });

  it('uses a sign-in once, only in the browser that started it, and only returns to its own pages', async () => {
    const browser = new SsoBrowser();
    const start = await browser.request(
      `${base}/api/auth/oidc/login?returnTo=${encodeURIComponent('//evil.example/x')}`,
    );
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(provider.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    // Finish it in this browser, keeping the callback to replay.
    const other = new SsoBrowser();
    const landing = await browser.signIn(base, 'ada', '//evil.example/x');
    expect(landing).toBe('/');
    // Another browser started its own sign-in, then is sent a callback from someone else's: refused.
    await other.request(`${base}/api/auth/oidc/login`);
    const callback = await other.request(
      `${base}/api/auth/oidc/callback?code=abc&state=${authorize.searchParams.get('state')}`,
    );
    expect(other.landing(callback, base)).toBe('/?signInError=invalid_state');
    expect(other.cookie('seatwise_session')).toBeUndefined();
  });

  it("ends a disabled person's sessions at once and refuses their next sign-in; signing out goes to the provider's logout", async () => {
    const browser = new SsoBrowser();
    await browser.signIn(base, 'rita');
    const session = await browser.api(base, 'GET', '/api/session');
    expect(session.status).toBe(200);
    const rita = (await h.call('GET', '/api/people')).body.people.find(
      (p: { email: string }) => p.email === 'rita@acme.test',
    );
    expect((await h.call('PATCH', `/api/people/${rita.id}`, { body: { disabled: true } })).status).toBe(200);
    expect((await browser.api(base, 'GET', '/api/session')).status).toBe(401);
    const again = new SsoBrowser();
    expect(await again.signIn(base, 'rita')).toBe('/?signInError=person_disabled');
    expect((await auditFor('action=person_disabled'))[0]).toMatchObject({
      outcome: 'done',
      targets: ['rita@acme.test'],
      actorName: 'test admin (API key)',
    });
    expect((await auditFor('action=sign_in'))[0]).toMatchObject({
      actor: 'sign-in:rita@acme.test',
      outcome: 'refused',
      error: { code: 'person_disabled', message: 'rita@acme.test is disabled in Seatwise' },
    });
    await h.call('PATCH', `/api/people/${rita.id}`, { body: { disabled: false } });

    const back = new SsoBrowser();
    expect(await back.signIn(base, 'rita')).toBe('/');
    const csrf = (await back.api(base, 'GET', '/api/session')).body.csrfToken;
    const out = await back.api(base, 'DELETE', '/api/session', undefined, csrf);
    expect(out.status).toBe(200);
    const logout = new URL(out.body.logoutUrl);
    expect(`${logout.origin}${logout.pathname}`).toBe(`${provider.issuer}/session/end`);
    expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(`${base}/`);
    expect((await back.api(base, 'GET', '/api/session')).status).toBe(401);
  });
});

describe('single sign-on under a flood, behind a proxy, and with a provider whose emails are authoritative', () => {
  let provider: RunningProvider;
  let h: ApiHarness;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startProviderFor(base, {
      entra: { email: 'erin@acme.test', name: 'Erin', groups: ['it-ops'], emailVerified: 'absent' },
    });
    h = await startApi(
      'sqlite',
      { users: 5 },
      {
        port,
        config: { oidc: oidcConfig(provider, base, { SEATWISE_OIDC_TRUST_EMAIL: 'true' }).oidc },
        server: { trustedProxies: ['127.0.0.1'], oidcLimit: { max: 5, windowMs: 60_000 } },
      },
    );
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await provider?.close();
  });

  const from = (address: string) => ({ 'x-forwarded-for': address });
  /** One request as a browser behind the proxy sends it, not following the redirect. */
  const visit = (path: string, address: string) =>
    fetch(`${base}${path}`, { headers: from(address), redirect: 'manual' });

  it('signs in a person the provider sends no email_verified for, once the operator said its emails are authoritative', async () => {
    const browser = new SsoBrowser();
    expect(await browser.signIn(base, 'entra')).toBe('/');
    expect((await browser.api(base, 'GET', '/api/session')).body).toMatchObject({
      role: 'operator',
      person: { email: 'erin@acme.test' },
    });
  });

  it('limits sign-in starts and callbacks per client, writing no row and no entry past the limit', async () => {
    const logins = () => h.seatwise.store.db.selectFrom('oidc_logins').select('state_hash').execute();
    const before = (await logins()).length;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await visit('/api/auth/oidc/login', '198.51.100.7')).status);
    expect(statuses).toEqual([302, 302, 302, 302, 302, 429, 429, 429]);
    expect((await logins()).length - before).toBe(5);
    const limited = await visit('/api/auth/oidc/login', '198.51.100.7');
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe(
      'too_many_sign_in_attempts',
    );
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another client behind the same proxy is not held up.
    expect((await visit('/api/auth/oidc/login', '198.51.100.8')).status).toBe(302);

    // Forged callbacks: a handful of identical refusals make one audit entry, and the flood stops at the limit.
    const entries = async () =>
      (await h.call('GET', '/api/audit?action=sign_in')).body.entries.filter(
        (e: { error: { code: string } | null }) => e.error?.code === 'invalid_state',
      );
    const entriesBefore = (await entries()).length;
    const callbacks: number[] = [];
    for (let i = 0; i < 7; i++)
      callbacks.push((await visit('/api/auth/oidc/callback?code=x&state=forged', '198.51.100.9')).status);
    expect(callbacks).toEqual([302, 302, 302, 302, 302, 429, 429]);
    expect((await entries()).length - entriesBefore).toBe(1);
  });

  it('tells clients behind a trusted proxy apart: guessing from one locks out nobody else, and never a valid key', async () => {
    for (let i = 0; i < 10; i++)
      expect(
        (await h.call('GET', '/api/users', { key: `sw_guess_${i}`, headers: from('203.0.113.5') })).status,
      ).toBe(401);
    expect(
      (await h.call('GET', '/api/users', { key: 'sw_guess_more', headers: from('203.0.113.5') })).status,
    ).toBe(429);
    expect(
      (await h.call('GET', '/api/users', { key: 'sw_guess_other', headers: from('203.0.113.6') })).status,
    ).toBe(401);
    expect((await h.call('GET', '/api/users', { headers: from('203.0.113.5') })).status).toBe(200);
  });

  it('keeps the sign-in code and state out of the request log', async () => {
    await visit('/api/auth/oidc/callback?code=SECRETCODE123&state=SECRETSTATE456', '198.51.100.10');
    const logged = h.logs.join('');
    expect(logged).toContain('/api/auth/oidc/callback?code=[redacted]&state=[redacted]');
    expect(logged).not.toContain('SECRETCODE123');
    expect(logged).not.toContain('SECRETSTATE456');
  });
});

describe('single sign-on settings', () => {
  const base = {
    SEATWISE_DATA_DIR: '/tmp/unused',
    SEATWISE_OIDC_ISSUER: 'https://acme.okta.com',
    SEATWISE_OIDC_CLIENT_ID: 'abc',
    SEATWISE_OIDC_REDIRECT_URL: 'https://seatwise.acme.test/api/auth/oidc/callback',
    SEATWISE_OIDC_ALLOWED_DOMAINS: 'acme.test, @acme.example',
  };

  it('reads the provider, domains and group mapping, and runs without single sign-on when none is set', () => {
    expect(loadConfig({ SEATWISE_DATA_DIR: '/tmp/unused' }).oidc).toBeNull();
    const oidc = loadConfig({ ...base, SEATWISE_OIDC_ROLE_GROUPS: 'admin=a, b;viewer=c' }).oidc!;
    expect(oidc.allowedDomains).toEqual(['acme.test', 'acme.example']);
    expect([...oidc.roleGroups]).toEqual([
      ['a', 'admin'],
      ['b', 'admin'],
      ['c', 'viewer'],
    ]);
    expect(oidc.defaultRole).toBeNull();
    expect(oidc.clientSecret).toBeNull();
    expect(oidc.trustEmail).toBe(false);
    expect(loadConfig({ ...base, SEATWISE_OIDC_TRUST_EMAIL: 'true' }).oidc!.trustEmail).toBe(true);
    expect(
      loadConfig({ SEATWISE_DATA_DIR: '/tmp/unused', SEATWISE_TRUSTED_PROXIES: '10.0.0.0/8, loopback, ::1' })
        .SEATWISE_TRUSTED_PROXIES,
    ).toEqual(['10.0.0.0/8', 'loopback', '::1']);
  });

  it('refuses half a configuration, an http issuer off this machine, a wrong redirect URL and a bad mapping, naming the variable', () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ SEATWISE_DATA_DIR: '/tmp/x', SEATWISE_OIDC_ISSUER: 'https://acme.okta.com' })).toContain(
      'single sign-on also needs SEATWISE_OIDC_CLIENT_ID, SEATWISE_OIDC_REDIRECT_URL, SEATWISE_OIDC_ALLOWED_DOMAINS',
    );
    expect(refused({ ...base, SEATWISE_OIDC_ISSUER: 'http://acme.okta.com' })).toContain(
      'SEATWISE_OIDC_ISSUER: must be an https:// URL',
    );
    expect(refused({ ...base, SEATWISE_OIDC_REDIRECT_URL: 'https://seatwise.acme.test/' })).toContain(
      'SEATWISE_OIDC_REDIRECT_URL',
    );
    expect(refused({ ...base, SEATWISE_OIDC_ROLE_GROUPS: 'owner=x' })).toContain(
      'SEATWISE_OIDC_ROLE_GROUPS: "owner=x"',
    );
    expect(refused({ ...base, SEATWISE_OIDC_ALLOWED_DOMAINS: 'not a domain' })).toContain(
      'SEATWISE_OIDC_ALLOWED_DOMAINS',
    );
    expect(refused({ SEATWISE_DATA_DIR: '/tmp/x', SEATWISE_TRUSTED_PROXIES: 'the proxy' })).toContain(
      'SEATWISE_TRUSTED_PROXIES: give addresses or CIDR ranges',
    );
  });
});
