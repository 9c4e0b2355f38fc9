import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressesOf, type PersonInAccount, planOffboarding } from '../src/domain/offboarding.ts';
import type { EmuAccount, EmuUser } from '../src/emulator/model.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { LeaseRepo } from '../src/store/leaseRepo.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { gql, scim } from './helpers/emulator.ts';

const INVITE = `mutation ($emails: [String!]!) { invite_users(emails: $emails, user_role: MEMBER) { invited_users { id } errors { message } } }`;

/** Adds a person to an account the way monday would, then makes them an active user. */
async function addPerson(
  emulator: RunningEmulator,
  account: EmuAccount,
  email: string,
  name: string,
  via: 'scim' | 'invite',
): Promise<EmuUser> {
  if (via === 'scim') {
    const created = await scim(emulator, account.scimToken!, 'POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: email,
      displayName: name,
      emails: [{ value: email, primary: true, type: 'work' }],
      active: true,
    });
    expect(created.status).toBe(201);
  } else {
    const invited = await gql(emulator, account.tokens.admin, INVITE, { emails: [email] });
    expect(invited.body.errors).toBeUndefined();
  }
  const user = account.users.find((u) => u.email.toLowerCase() === email.toLowerCase())!;
  user.name = name;
  user.status = 'ACTIVE';
  return user;
}

describe.each(['sqlite', 'postgres'] as const)('offboarding across accounts (%s)', (dialect) => {
  let api: ApiHarness;
  let pro: RunningEmulator;
  const ids = { scim: '', readOnly: '', pro: '' };
  const people: Record<string, EmuUser> = {};

  beforeAll(async () => {
    // Two Enterprise accounts with SCIM (one connected read-only) and a Pro account without SCIM.
    api = await startApi(dialect, { users: 60, accounts: 2, plan: 'enterprise', seed: 201 });
    pro = await startEmulator({ users: 40, accounts: 1, plan: 'pro', seed: 202 });
    api.seatwise.connections.allowEndpoint(new URL(pro.url).origin);
    const [enterpriseA, enterpriseB] = api.emulator.accounts as [EmuAccount, EmuAccount];
    const proAccount = pro.accounts[0]!;
    await api.seatwise.insights.setOrgDomains(['acme.example', 'acme-corp.example']);
    people.scim = await addPerson(
      api.emulator,
      enterpriseA,
      'leaver@acme.example',
      'Lee <b>Aver</b>',
      'scim',
    );
    people.readOnly = await addPerson(api.emulator, enterpriseB, 'leaver@acme.example', 'Lee Aver', 'invite');
    const add = (
      account: EmuAccount,
      emulator: RunningEmulator,
      permission: 'read' | 'read_and_act',
      withScim: boolean,
    ) =>
      api.seatwise.connections.add({
        token: account.tokens.admin,
        apiUrl: emulator.graphqlUrl,
        ...(withScim ? { scimToken: account.scimToken!, scimUrl: emulator.scimUrl } : {}),
        permission,
      });
    ids.scim = (await add(enterpriseA, api.emulator, 'read_and_act', true)).id;
    ids.readOnly = (await add(enterpriseB, api.emulator, 'read', true)).id;
    ids.pro = (await add(proAccount, pro, 'read_and_act', false)).id;
    for (const id of Object.values(ids)) expect((await api.seatwise.sync.sync(id)).status).toBe('succeeded');
    // Invited by hand after the last sync, under the organisation's other domain and another spelling.
    people.pro = await addPerson(pro, proAccount, 'Leaver@Acme-Corp.example', 'Lee Aver', 'invite');
  }, 90_000);
  afterAll(async () => {
    await api?.close();
    await pro?.close();
  });

  const mutations = () => api.emulator.state.mutationsExecuted.length + pro.state.mutationsExecuted.length;
  const stepOf = (view: any, id: string) =>
    view.steps.find((s: { connectionId: string }) => s.connectionId === id);

  it('plans across accounts from a live look-up, refusing what it may not do and saying why', async () => {
    const before = mutations();
    const plan = await api.call('POST', '/api/offboardings', {
      body: { emails: ['LEAVER@acme.example'], dryRun: true },
    });
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({ dryRun: true, status: 'planned', emails: ['leaver@acme.example'] });
    expect(stepOf(plan.body, ids.scim).items).toMatchObject([
      { userId: people.scim!.id, outcome: 'deactivate', via: 'scim' },
    ]);
    expect(stepOf(plan.body, ids.readOnly).items).toMatchObject([
      { userId: people.readOnly!.id, outcome: 'refuse', code: 'read_only_connection' },
    ]);
    // Found although invited after the last sync; GraphQL deactivation is not allowed there yet.
    const proStep = stepOf(plan.body, ids.pro);
    expect(proStep.items).toMatchObject([{ userId: people.pro!.id, outcome: 'refuse', code: 'no_channel' }]);
    expect(proStep.items[0].reason).toContain('was not provisioned through SCIM');
    expect(proStep.items[0].reason).toContain('--graphql-offboarding on');
    expect(mutations()).toBe(before);

    // Allowed: the capabilities table says so, and the plan uses GraphQL there.
    const caps = await api.call('GET', `/api/connections/${ids.pro}/capabilities`);
    expect(caps.body.offboarding.find((c: { via: string }) => c.via === 'graphql').available).toBe(false);
    expect(
      (await api.call('PATCH', `/api/connections/${ids.pro}`, { body: { graphqlOffboarding: true } })).status,
    ).toBe(200);
    const allowed = await api.call('GET', `/api/connections/${ids.pro}/capabilities`);
    expect(allowed.body.offboarding.find((c: { via: string }) => c.via === 'graphql')).toMatchObject({
      available: true,
      reasons: [],
    });
    const again = await api.call('POST', '/api/offboardings', {
      body: { emails: ['leaver@acme.example'], dryRun: true },
    });
    expect(stepOf(again.body, ids.pro).items).toMatchObject([{ outcome: 'deactivate', via: 'graphql' }]);
  });

  it('deactivates the person wherever it may, keeps a receipt that matches monday, and groups the audit', async () => {
    const before = mutations();
    const run = await api.call('POST', '/api/offboardings', {
      body: { emails: ['leaver@acme.example'], idempotencyKey: 'hr-ticket-42' },
    });
    expect(run.status).toBe(201);
    const view = run.body;
    expect(view.status).toBe('partial');
    expect(view.summary).toMatchObject({ deactivated: 2, already: 0, refused: 1, failed: 0 });
    expect(people.scim!.status).toBe('INACTIVE');
    expect(people.pro!.status).toBe('INACTIVE');
    expect(people.readOnly!.status).toBe('ACTIVE');
    expect(mutations()).toBe(before + 2);
    expect(stepOf(view, ids.scim)).toMatchObject({ status: 'done', attempts: 1 });
    expect(stepOf(view, ids.pro)).toMatchObject({ status: 'done' });
    expect(stepOf(view, ids.readOnly)).toMatchObject({ status: 'refused' });
    // Before and after as monday reported them; after matches the emulator; request ids kept.
    for (const [key, person] of [
      ['scim', people.scim!],
      ['pro', people.pro!],
    ] as const) {
      const step = stepOf(view, ids[key]);
      expect(step.before).toMatchObject([{ userId: person.id, status: 'active' }]);
      expect(step.after).toMatchObject([{ userId: person.id, status: 'deactivated', email: person.email }]);
      expect(step.requestIds.length).toBeGreaterThanOrEqual(2);
    }
    expect(stepOf(view, ids.readOnly).after).toMatchObject([
      { userId: people.readOnly!.id, status: 'active' },
    ]);
    // The copy knows at once.
    const stored = await api.call('GET', `/api/users/${ids.pro}/${people.pro!.id}`);
    expect(stored.body.user?.status ?? stored.body.status).toBe('deactivated');

    const audit = await api.call('GET', `/api/audit?offboardingId=${view.id}`);
    expect(
      audit.body.entries
        .map((e: { connectionId: string; action: string; via: string }) => [e.connectionId, e.action, e.via])
        .sort(),
    ).toEqual(
      [
        [ids.pro, 'deactivate', 'graphql'],
        [ids.scim, 'deactivate', 'scim'],
      ].sort(),
    );

    const receipt = await api.call('GET', `/api/offboardings/${view.id}/receipt`, { key: api.viewerKey });
    expect(receipt.status).toBe(200);
    expect(receipt.headers.get('content-type')).toContain('text/html');
    expect(receipt.text).toContain('Offboarding receipt');
    expect(receipt.text).toContain('Lee &lt;b&gt;Aver&lt;/b&gt;');
    expect(receipt.text).not.toContain('<b>Aver</b>');
    expect(receipt.text).toContain(stepOf(view, ids.scim).requestIds[0]);
    expect(receipt.text).toContain('the connection is read-only');
    // A confirmed row says what was done, not what the plan said would be.
    expect(receipt.text).toContain('deactivated through SCIM; monday shows them deactivated');
    expect(receipt.text).toContain(
      'deactivated with GraphQL deactivate_users; monday shows them deactivated',
    );
    expect(receipt.text).not.toContain('will be deactivated');

    // The same key repeats it: nothing new is done.
    const repeat = await api.call('POST', '/api/offboardings', {
      body: { emails: ['leaver@acme.example'], idempotencyKey: 'hr-ticket-42' },
    });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ id: view.id, repeated: true });
    const reused = await api.call('POST', '/api/offboardings', {
      body: { emails: ['someone.else@acme.example'], idempotencyKey: 'hr-ticket-42' },
    });
    expect(reused.status).toBe(409);
    expect(mutations()).toBe(before + 2);
  });

  it('offboarding the same person again changes nothing and says so', async () => {
    const before = mutations();
    const again = await api.call('POST', '/api/offboardings', {
      body: { emails: ['leaver@acme-corp.example'] },
    });
    expect(again.status).toBe(201);
    expect(again.body.summary).toMatchObject({ deactivated: 0, already: 2, refused: 1 });
    expect(stepOf(again.body, ids.scim).message).toContain('already deactivated, nothing to do');
    expect(mutations()).toBe(before);
    const list = await api.call('GET', '/api/offboardings', { key: api.viewerKey });
    expect(list.body.offboardings.map((o: { id: string }) => o.id)).toContain(again.body.id);
  });

  it('cancels a pending invitation, and says the person is not in the other accounts', async () => {
    const proAccount = pro.accounts[0]!;

    await gql(pro, proAccount.tokens.admin, INVITE, { emails: ['new.hire@acme.example'] });

    const invited = proAccount.users.find((u) => u.email === 'new.hire@acme.example')!;

    expect(invited.status).toBe('PENDING');

    const run = await api.call('POST', '/api/offboardings', { body: { emails: ['new.hire@acme.example'] } });

    expect(run.status).toBe(201);

    expect(stepOf(run.body, ids.pro)).toMatchObject({
      status: 'done',

      items: [
        {
          status: 'pending',
          outcome: 'deactivate',
          via: 'graphql',
          reason: 'the pending invitation will be cancelled with GraphQL deactivate_users',
        },
      ],

      after: [{ userId: invited.id, status: 'deactivated' }],
    });

    expect(invited.status).toBe('INACTIVE');

    for (const id of [ids.scim, ids.readOnly]) {
      expect(stepOf(run.body, id)).toMatchObject({ status: 'not_found', items: [] });

      expect(stepOf(run.body, id).message).toContain('no user with new.hire@acme.example');
    }

    expect(run.body).toMatchObject({ status: 'done', summary: { deactivated: 1, notFound: 2 } });
  });

  it('a sync asked for while an offboarding holds the account says so', async () => {
    const leases = new LeaseRepo(api.seatwise.store.db);

    const taken = await leases.acquire({
      connectionId: ids.pro,

      holder: 'offboarding off_test (pid 1 on test)',

      purpose: 'offboarding',

      runId: null,

      now: new Date(),

      ttlMs: 60_000,
    });

    expect(taken.acquired).toBe(true);

    try {
      const busy = await api.call('POST', `/api/connections/${ids.pro}/sync`);

      expect(busy.status).toBe(409);

      expect(busy.body.error.message).toContain(
        `connection ${ids.pro} is busy with an offboarding: offboarding off_test`,
      );
    } finally {
      if (taken.acquired) await leases.release(ids.pro, taken.fence);
    }
  });

  it("refuses the token's owner and the account's last admin, and answers bad input with a 400", async () => {
    const account = api.emulator.accounts[0]!;
    const owner = account.usersById.get(account.tokenOwners.admin)!;
    const plan = await api.call('POST', '/api/offboardings', {
      body: { emails: [owner.email], dryRun: true },
    });
    expect(stepOf(plan.body, ids.scim).items).toMatchObject([
      { userId: owner.id, outcome: 'refuse', code: 'token_owner' },
    ]);
    for (const body of [{ emails: [] }, { emails: ['a@b.example'], extra: 1 }]) {
      const bad = await api.call('POST', '/api/offboardings', { body });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_input');
    }
    const malformed = await api.call('POST', '/api/offboardings', {
      body: { emails: ['a@b.example', 'not-an-email'] },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: 'invalid_offboarding' });
    expect(malformed.body.error.message).toContain('"not-an-email"');
    expect((await api.call('GET', '/api/offboardings/off_missing')).status).toBe(404);
  });
});

describe('the offboarding plan of one account', () => {
  const facts = {
    permission: 'read_and_act' as const,
    planTier: 'enterprise',
    hasScimToken: true,
    tokenOwnerKind: 'admin',
    tokenOwnerId: '1',
    apiVersion: '2026-07',
    status: 'connected' as const,
    graphqlOffboarding: true,
  };
  const person = (over: Partial<PersonInAccount>): PersonInAccount => ({
    userId: '7',
    email: 'a@acme.example',
    name: 'A',
    role: 'member',
    status: 'active',
    scimLinked: false,
    ...over,
  });

  it("refuses the last active admin, cancels a pending invitation, and finds a person's alias addresses", () => {
    expect(planOffboarding([person({ role: 'admin' })], facts, 1)[0]).toMatchObject({
      outcome: 'refuse',
      code: 'last_admin',
    });
    expect(planOffboarding([person({ role: 'admin' })], facts, 2)[0]).toMatchObject({
      outcome: 'deactivate',
      via: 'graphql',
    });
    expect(planOffboarding([person({ status: 'pending', scimLinked: true })], facts, 2)[0]).toMatchObject({
      outcome: 'deactivate',
      via: 'scim',
      reason: 'the pending invitation will be cancelled through SCIM',
    });
    expect(
      planOffboarding([person({ status: 'deactivated' })], { ...facts, permission: 'read' }, 2)[0]!.outcome,
    ).toBe('already');
    expect(addressesOf('jo@acme.example', ['acme.example', 'acme.co.uk'])).toEqual([
      'jo@acme.example',
      'jo@acme.co.uk',
    ]);
    expect(addressesOf('jo@gmail.example', ['acme.example'])).toEqual(['jo@gmail.example']);
  });
});
