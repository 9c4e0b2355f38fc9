/**
 * A model-based test of who may do what: random sequences of invitations, role changes, disables, keys issued
 * for people and by people, sign-ins with the identity provider (a real `oidc-provider`) whose email is verified,
 * not verified or not said, review decisions, connection and policy changes, and calls to routes of each role.
 * The model keeps, apart from Seatwise's code, who each person is and what role they have now. After every step:
 * - no request succeeded that the caller's current role forbids (a key: at most its owner's role now), and none
 *   the role allows was refused;
 * - no monday role rose through a review (reviews only keep or reduce access);
 * - every administrative change that succeeded has its audit entry, naming who made it.
 * SEATWISE_MODEL_SEED / SEATWISE_MODEL_PATH replay a failure; SEATWISE_MODEL_RUNS runs more.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { freePort } from './helpers/cli.ts';
import { describeEachDialect } from './helpers/databases.ts';
import { expectedAccess } from './helpers/expectedAccess.ts';
import {
  oidcEnv,
  type ProviderAccount,
  type RunningProvider,
  startProviderFor,
} from './helpers/oidcProvider.ts';
import { SsoBrowser } from './helpers/ssoDriver.ts';

const RUNS = (dialect: string) => Number(process.env.SEATWISE_MODEL_RUNS ?? (dialect === 'sqlite' ? 5 : 3));

type Role = 'reviewer' | 'viewer' | 'operator' | 'admin';
const roles: Role[] = ['reviewer', 'viewer', 'operator', 'admin'];
const rank: Record<Role, number> = { reviewer: 0, viewer: 1, operator: 2, admin: 3 };
const lower = (a: Role, b: Role): Role => (rank[a] <= rank[b] ? a : b);
const mondayRank: Record<string, number> = { guest: 0, viewer: 1, member: 2, admin: 3 };

/** The people the test invites, and the identity provider's accounts (some claim another's email). */
const emails = ['ann@acme.test', 'ben@acme.test', 'cat@acme.test', 'dan@acme.test'];
const accounts: Record<string, ProviderAccount & { role: Role }> = {
  ann: { email: 'ann@acme.test', name: 'Ann', groups: ['sw-admin'], role: 'admin' },
  ben: { email: 'ben@acme.test', name: 'Ben', groups: ['sw-operator'], role: 'operator' },
  cat: { email: 'cat@acme.test', name: 'Cat', groups: ['sw-reviewer'], role: 'reviewer' },
  // Someone whose provider does not verify emails, claiming Dan's; and one that says nothing of it (Entra ID).
  fake: {
    email: 'dan@acme.test',
    name: 'Not Dan',
    groups: ['sw-admin'],
    emailVerified: false,
    role: 'admin',
  },
  silent: {
    email: 'ann@acme.test',
    name: 'Not Ann',
    groups: ['sw-admin'],
    emailVerified: 'absent',
    role: 'admin',
  },
};

interface Person {
  id: string;
  assigned: Role | null;
  provider: Role | null;
  disabled: boolean;
  /** The provider account that signed in as them, once one has. */
  subject: string | null;
}
interface Caller {
  label: string;
  actor: string;
  kind: 'key' | 'session';
  key?: string;
  keyRole?: Role;
  browser?: SsoBrowser;
  csrf?: string;
  /** Whose the key or the session is (null: a key nobody owns). */
  owner: string | null;
  /** A session ended by Seatwise (its person was disabled): it stays ended. */
  ended?: boolean;
}
interface World {
  h: ApiHarness;
  provider: RunningProvider;
  base: string;
  connectionId: string;
  campaignId: string;
  itemIds: string[];
  /** Each monday user's role rank when the world began. */
  mondayAtStart: Map<string, number>;
  people: Map<string, Person>;
  callers: Caller[];
}
type Cmd = fc.AsyncCommand<Record<string, never>, World>;

/** A person's role now, as the model knows it: the stricter of Seatwise's and the provider's. */
function personRole(p: Person | undefined): Role | null {
  if (!p || p.disabled) return null;
  if (p.assigned && p.provider) return lower(p.assigned, p.provider);
  return p.assigned ?? p.provider;
}

/** What a caller may do now: null when it cannot sign in at all (its owner is disabled or has no role). */
function callerRole(w: World, c: Caller): Role | null {
  const owner = c.owner ? w.people.get(c.owner) : undefined;
  if (c.kind === 'session') return c.ended ? null : personRole(owner);
  if (!c.owner) return c.keyRole!;
  const ownerRole = personRole(owner);
  return ownerRole ? lower(c.keyRole!, ownerRole) : null;
}

async function call(w: World, c: Caller, method: string, path: string, body?: unknown) {
  if (c.kind === 'key')
    return w.h.call(method, path, { key: c.key!, ...(body === undefined ? {} : { body }) });
  const res = await c.browser!.api(w.base, method, path, body, c.csrf);
  return { ...res, text: JSON.stringify(res.body) };
}

/** The status a route of this access must answer the caller with: allowed (any but 401/403), 403 or 401. */
function expectAllowed(w: World, c: Caller, access: Role | 'signedIn', status: number, what: string) {
  const role = callerRole(w, c);
  const label = `${what} as ${c.label} (${role ?? 'cannot sign in'})`;
  // A key that no longer works counts as a wrong key: past ten from this address they are answered 429.
  if (role === null) return expect([401, 429], label).toContain(status);
  if (access === 'signedIn' || rank[role] >= rank[access]) expect([401, 403], label).not.toContain(status);
  else expect(status, label).toBe(403);
}

/** The audit log's newest entry of this action names the caller. */
async function expectAudited(w: World, c: Caller, action: string) {
  const [entry] = (await w.h.call('GET', `/api/audit?action=${action}&limit=1`)).body.entries;
  expect(entry, `${action} by ${c.label} is audited`).toMatchObject({ actor: c.actor, outcome: 'done' });
}

const pick = (w: World, i: number) => w.callers[i % w.callers.length]!;
const personAt = (w: World, i: number) => {
  const email = emails[i % emails.length]!;
  return { email, person: w.people.get(email) };
};

/** Whether changing this person so would leave no active admin among people (Seatwise refuses that). */
function leavesNoAdmin(w: World, email: string, after: Person): boolean {
  const before = w.people.get(email)!;
  if (personRole(before) !== 'admin' || personRole(after) === 'admin') return false;
  return ![...w.people].some(([e, p]) => e !== email && personRole(p) === 'admin');
}

const invite = (i: number, role: Role, by: number): Cmd => ({
  check: () => true,
  async run(_m, w) {
    const c = pick(w, by);
    const { email, person } = personAt(w, i);
    const res = await call(w, c, 'POST', '/api/people', { email, role });
    expectAllowed(w, c, 'admin', res.status, `invite ${email}`);
    if (res.status === 201) {
      expect(person, `${email} invited twice`).toBeUndefined();
      w.people.set(email, {
        id: res.body.id,
        assigned: role,
        provider: null,
        disabled: false,
        subject: null,
      });
      await expectAudited(w, c, 'person_invited');
    } else if (callerRole(w, c) === 'admin') expect(res.status).toBe(person ? 409 : 201);
  },
  toString: () => `invite(${i}, ${role}, by ${by})`,
});

/** A change to a person (a role, or disabling and enabling), as Seatwise allows it: by an admin, never the last. */
function changePerson(
  i: number,
  change: { role: Role } | { disabled: boolean },
  by: number,
  name: string,
): Cmd {
  return {
    check: () => true,
    async run(_m, w) {
      const { email, person } = personAt(w, i);
      if (!person) return;
      const c = pick(w, by);
      const allowed = callerRole(w, c) === 'admin';
      const res = await call(w, c, 'PATCH', `/api/people/${person.id}`, change);
      expectAllowed(w, c, 'admin', res.status, `${name} ${email}`);
      if (!allowed) return;
      const after = 'role' in change ? { ...person, assigned: change.role } : { ...person, ...change };
      if (leavesNoAdmin(w, email, after)) return expect(res.status, res.text).toBe(409);
      expect(res.status, res.text).toBe(200);
      w.people.set(email, after);
      if ('role' in change) {
        if (person.assigned !== change.role) await expectAudited(w, c, 'person_role_changed');
        return;
      }
      // A disabled person is signed out everywhere, for good: enabled again, they sign in again.
      if (change.disabled)
        for (const s of w.callers) if (s.kind === 'session' && s.owner === email) s.ended = true;
      if (person.disabled !== change.disabled)
        await expectAudited(w, c, change.disabled ? 'person_disabled' : 'person_enabled');
    },
    toString: () => `${name}(${i}, by ${by})`,
  };
}

const setRole = (i: number, role: Role, by: number) => changePerson(i, { role }, by, `setRole ${role}`);
const setDisabled = (i: number, disabled: boolean, by: number) =>
  changePerson(i, { disabled }, by, disabled ? 'disable' : 'enable');

/**
 * The dangerous sequence on purpose: the owner of some person's key is given a role below the key's (by the
 * first admin key), after which the key may do no more than its owner.
 */
const demoteOwner = (k: number): Cmd => ({
  check: () => true,
  async run(m, w) {
    const owned = w.callers.filter(
      (c) => c.kind === 'key' && c.owner && emails.includes(c.owner) && c.keyRole !== 'reviewer',
    );
    if (owned.length === 0) return;
    const key = owned[k % owned.length]!;
    const below = roles[rank[key.keyRole!] - 1]!;
    await setRole(emails.indexOf(key.owner!), below, 0).run(m, w);
  },
  toString: () => `demoteOwnerOfKey(${k})`,
});

/** A key issued for a person (forEmail) or, without one, the caller's own. */
const createKey = (role: Role, forPerson: number | null, by: number): Cmd => ({
  check: () => true,
  async run(_m, w) {
    const c = pick(w, by);
    const target = forPerson === null ? null : personAt(w, forPerson);
    const res = await call(w, c, 'POST', '/api/keys', {
      role,
      name: `model ${role}`,
      ...(target ? { forEmail: target.email } : {}),
    });
    expectAllowed(w, c, 'admin', res.status, `create a ${role} key${target ? ` for ${target.email}` : ''}`);
    if (callerRole(w, c) !== 'admin') return;
    const owner = target ? target.email : c.owner;
    const ownerPerson = owner ? w.people.get(owner) : undefined;
    const expected =
      target && !ownerPerson
        ? 404
        : !owner
          ? role === 'reviewer'
            ? 400
            : 201
          : ownerPerson!.disabled || !personRole(ownerPerson) || rank[role] > rank[personRole(ownerPerson)!]
            ? 400
            : 201;
    expect(res.status, res.text).toBe(expected);
    if (res.status !== 201) return;
    expect(res.body.owner?.email ?? null).toBe(owner);
    w.callers.push({
      label: `${role} key ${res.body.id}${owner ? ` of ${owner}` : ''}`,
      actor: `api-key:${res.body.id}`,
      kind: 'key',
      key: res.body.key,
      keyRole: role,
      owner,
    });
    await expectAudited(w, c, 'key_created');
  },
  toString: () => `createKey(${role}, for ${forPerson}, by ${by})`,
});

const signIn = (login: keyof typeof accounts): Cmd => ({
  check: () => true,
  async run(_m, w) {
    const account = accounts[login]!;
    const browser = new SsoBrowser();
    const landing = await browser.signIn(w.base, login);
    const existing = w.people.get(account.email);
    const verified = account.emailVerified === undefined || account.emailVerified === true;
    let expected = '/';
    if (!verified) expected = '/?signInError=email_unverified';
    else if (existing?.subject && existing.subject !== login) expected = '/?signInError=subject_mismatch';
    else if (existing?.disabled) expected = '/?signInError=person_disabled';
    else if (!personRole({ ...(existing ?? blank()), provider: account.role }))
      expected = '/?signInError=no_role';
    expect(landing, `${login} signs in`).toBe(expected);
    if (expected !== '/') {
      // Refused: nobody was linked or created, and the session cookie was never set.
      expect(browser.cookie('seatwise_session')).toBeUndefined();
      expect(w.people.get(account.email)?.subject ?? null).toBe(existing?.subject ?? null);
      const people = (await w.h.call('GET', '/api/people')).body.people as {
        email: string;
        lastSignInAt: string | null;
      }[];
      if (!existing) expect(people.map((p) => p.email)).not.toContain(account.email);
      return;
    }
    const session = await browser.api(w.base, 'GET', '/api/session');
    const person: Person = {
      ...(existing ?? blank()),
      id: session.body.person.id,
      provider: account.role,
      subject: login,
    };
    if (existing) expect(person.id).toBe(existing.id);
    w.people.set(account.email, person);
    expect(session.body.role).toBe(personRole(person));
    w.callers.push({
      label: `${login}'s session`,
      actor: `person:${person.id}`,
      kind: 'session',
      browser,
      csrf: session.body.csrfToken,
      owner: account.email,
    });
  },
  toString: () => `signIn(${login})`,
});

function blank(): Person {
  return { id: '', assigned: null, provider: null, disabled: false, subject: null };
}

/** Every caller calls a route of each access, and gets the status its role now gives. */
const probe: Cmd = {
  check: () => true,
  async run(_m, w) {
    for (const c of w.callers)
      for (const [access, method, path, body] of [
        ['signedIn', 'GET', '/api/reviews/inbox', undefined],
        ['viewer', 'GET', '/api/users?limit=1', undefined],
        ['operator', 'POST', '/api/actions/plan', {}],
        ['admin', 'GET', '/api/keys', undefined],
      ] as const) {
        const res = await call(w, c, method, path, body);
        expectAllowed(w, c, access, res.status, `${method} ${path}`);
      }
  },
  toString: () => 'probeEveryCaller',
};

/** A review decision that would raise, or reduce, a monday user's access, submitted at once. */
const decide = (
  item: number,
  decision: 'change_role' | 'downgrade',
  role: 'admin' | 'member',
  by: number,
): Cmd => ({
  check: () => true,
  async run(_m, w) {
    const c = pick(w, by);
    const itemId = w.itemIds[item % w.itemIds.length]!;
    const res = await call(w, c, 'POST', `/api/reviews/${w.campaignId}/decisions`, {
      decisions: [{ itemId, decision, ...(decision === 'change_role' ? { role } : {}), comment: 'model' }],
      submit: true,
    });
    expectAllowed(w, c, 'signedIn', res.status, `decide ${itemId}`);
  },
  toString: () => `decide(${item}, ${decision}${decision === 'change_role' ? ` ${role}` : ''}, by ${by})`,
});

const changeConnection = (days: number, by: number): Cmd => ({
  check: () => true,
  async run(_m, w) {
    const c = pick(w, by);
    const before = (await w.h.call('GET', `/api/connections/${w.connectionId}`)).body.inactiveDays;
    const res = await call(w, c, 'PATCH', `/api/connections/${w.connectionId}`, { inactiveDays: days });
    expectAllowed(w, c, 'admin', res.status, `set inactiveDays ${days}`);
    if (res.status === 200 && before !== days) await expectAudited(w, c, 'connection_updated');
  },
  toString: () => `changeConnection(${days}, by ${by})`,
});

const policy = (by: number): Cmd => ({
  check: () => true,
  async run(_m, w) {
    const c = pick(w, by);
    const res = await call(w, c, 'POST', '/api/policies', {
      connectionId: w.connectionId,
      kind: 'inactive_members_to_viewer',
      days: 400,
    });
    expectAllowed(w, c, 'operator', res.status, 'add a policy');
    if (res.status !== 201) return;
    await expectAudited(w, c, 'policy_created');
    const removed = await call(w, c, 'DELETE', `/api/policies/${res.body.id}`);
    expect(removed.status).toBe(204);
    await expectAudited(w, c, 'policy_deleted');
  },
  toString: () => `policy(by ${by})`,
});

/** After every step: no monday user holds more access than at the start (nothing here raises it lawfully). */
function checkMonday(w: World): void {
  for (const user of w.h.emulator.accounts[0]!.users) {
    const now = mondayRank[expectedAccess(user).role] ?? -1;
    expect(now, `${user.email} rose in monday`).toBeLessThanOrEqual(w.mondayAtStart.get(user.id)!);
  }
}

// Who calls: often the first admin key (so changes happen), else anyone the world has by then.
const who = fc.oneof(fc.constant(0), fc.nat(40));
const inviting = fc.tuple(fc.nat(3), fc.constantFrom(...roles), who).map(([i, r, b]) => invite(i, r, b));
const keying = fc
  .tuple(fc.constantFrom(...roles), fc.option(fc.nat(3), { nil: null }), who)
  .map(([r, f, b]) => createKey(r, f, b));
const roleChanging = fc.tuple(fc.nat(3), fc.constantFrom(...roles), who).map(([i, r, b]) => setRole(i, r, b));
const commands = [
  // People, their keys and their roles are what the promises are about: they come most often.
  inviting,
  inviting,
  keying,
  keying,
  roleChanging,
  fc.nat(10).map(demoteOwner),
  fc.tuple(fc.nat(3), fc.boolean(), who).map(([i, d, b]) => setDisabled(i, d, b)),
  fc.constantFrom(...(Object.keys(accounts) as (keyof typeof accounts)[])).map(signIn),
  fc.constant(probe),
  fc.constant(probe),
  fc
    .tuple(
      fc.nat(30),
      fc.constantFrom('change_role' as const, 'downgrade' as const),
      fc.constantFrom('admin' as const, 'member' as const),
      who,
    )
    .map(([i, d, r, b]) => decide(i, d, r, b)),
  fc.tuple(fc.integer({ min: 30, max: 120 }), who).map(([d, b]) => changeConnection(d, b)),
  who.map(policy),
];

async function newWorld(dialect: 'sqlite' | 'postgres'): Promise<World> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const provider = await startProviderFor(base, accounts);
  const { oidc } = loadConfig({
    SEATWISE_DATA_DIR: '/tmp/unused',
    ...oidcEnv(provider, base, { SEATWISE_OIDC_ROLE_GROUPS: roles.map((r) => `${r}=sw-${r}`).join(';') }),
  });
  const h = await startApi(dialect, { users: 24, seed: 707 }, { port, config: { oidc } });
  const connected = await h.call('POST', '/api/connections', {
    body: {
      token: h.emulator.accounts[0]!.tokens.admin,
      apiUrl: h.emulator.graphqlUrl,
      permission: 'read_and_act',
    },
  });
  const connectionId = connected.body.id as string;
  expect((await h.call('POST', `/api/connections/${connectionId}/sync`)).status).toBe(201);
  // A reviewer with a key of her own, and a campaign whose items are hers.
  const rev = await h.seatwise.people.invite({ email: 'rev@acme.test', role: 'reviewer' }, 'cli');
  // An admin the commands never touch, so demoting the others is not refused for leaving no admin.
  const boss = await h.seatwise.people.invite({ email: 'boss@acme.test', role: 'admin' }, 'cli');
  // The people the commands work on, invited already with one role each (a command may invite them again: 409).
  const people = new Map<string, Person>([
    ['rev@acme.test', { id: rev.id, assigned: 'reviewer', provider: null, disabled: false, subject: null }],
    ['boss@acme.test', { id: boss.id, assigned: 'admin', provider: null, disabled: false, subject: null }],
  ]);
  for (const [i, email] of emails.entries()) {
    const role = (['admin', 'operator', 'viewer', 'reviewer'] as const)[i]!;
    const p = await h.seatwise.people.invite({ email, role }, 'cli');
    people.set(email, { id: p.id, assigned: role, provider: null, disabled: false, subject: null });
  }
  const revKey = await h.seatwise.keys.create('reviewer', 'rev', { actor: 'cli', forEmail: 'rev@acme.test' });
  const campaign = await h.call('POST', '/api/reviews', {
    body: {
      name: 'model',
      scope: { connectionIds: [connectionId], roles: ['member', 'viewer', 'guest'], statuses: ['active'] },
      reviewers: { kind: 'people', personIds: [rev.id] },
      dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      closeDefault: 'none',
    },
  });
  expect(campaign.status, campaign.text).toBe(201);
  const itemIds = (await h.call('GET', `/api/reviews/${campaign.body.id}/items`)).body.items.map(
    (i: { id: string }) => i.id,
  );
  const adminKeyId = (await h.seatwise.keys.list()).find((k) => k.name === 'test admin')!.id;
  const viewerKeyId = (await h.seatwise.keys.list()).find((k) => k.name === 'test viewer')!.id;
  return {
    h,
    provider,
    base,
    connectionId,
    campaignId: campaign.body.id,
    itemIds,
    mondayAtStart: new Map(
      h.emulator.accounts[0]!.users.map((u) => [u.id, mondayRank[expectedAccess(u).role] ?? -1]),
    ),
    people,
    callers: [
      {
        label: 'the first admin key',
        actor: `api-key:${adminKeyId}`,
        kind: 'key',
        key: h.adminKey,
        keyRole: 'admin',
        owner: null,
      },
      {
        label: 'a viewer key',
        actor: `api-key:${viewerKeyId}`,
        kind: 'key',
        key: h.viewerKey,
        keyRole: 'viewer',
        owner: null,
      },
      {
        label: "rev's key",
        actor: `api-key:${revKey.id}`,
        kind: 'key',
        key: revKey.key,
        keyRole: 'reviewer',
        owner: 'rev@acme.test',
      },
    ],
  };
}

describeEachDialect('nobody gets in, or up, where they do not belong (%s)', (dialect) => {
  it('holds through random people, keys, sign-ins, role changes, reviews and settings', async () => {
    const seed = process.env.SEATWISE_MODEL_SEED;
    await fc.assert(
      // Long sequences only: the promises are about what earlier steps did (a key made, then its owner demoted).
      fc.asyncProperty(fc.array(fc.oneof(...commands), { minLength: 20, maxLength: 40 }), async (cmds) => {
        const world = await newWorld(dialect);
        try {
          await fc.asyncModelRun(
            () => ({ model: {}, real: world }),
            [...cmds].map((cmd) => ({
              check: cmd.check.bind(cmd),
              async run(m: Record<string, never>, w: World) {
                await cmd.run(m, w);
                checkMonday(w);
              },
              toString: () => cmd.toString(),
            })),
          );
        } finally {
          await world.h.close();
          await world.provider.close();
        }
      }),
      {
        numRuns: RUNS(dialect),
        ...(seed ? { seed: Number(seed), path: process.env.SEATWISE_MODEL_PATH, endOnFailure: true } : {}),
      },
    );
  }, 900_000);
});
