import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import type { EmuUser } from '../src/emulator/model.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { Worker } from '../src/worker/worker.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';
import { expectedAccess } from './helpers/expectedAccess.ts';

const DAY = 86_400_000;

/** A webhook receiver on loopback that refuses the first `failFirst` deliveries with a 500. */
async function startReceiver(failFirst: number) {
  const received: { status: number; body: any }[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const status = received.length < failFirst ? 500 : 200;
      received.push({ status, body: JSON.parse(text) });
      res.writeHead(status).end(status === 500 ? 'INTERNAL: receiver down' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/hooks/seatwise`,
    origin,
    received,
    close: () => new Promise((r) => server.close(r)),
  };
}

/** Insight figures counted straight from the emulator's users, by the README's definitions. */
function independent(users: EmuUser[], tier: string, inactiveDays: number, now: number) {
  const people = users.map((u) => ({ u, ...expectedAccess(u) })).filter((p) => p.role !== 'other');
  const memberSeats = people.filter((p) => p.license === 'member');
  const guests = people.filter((p) => p.license === 'guest').length;
  const billedGuests =
    tier === 'standard' ? Math.floor(guests / 4) : tier === 'pro' || tier === 'enterprise' ? 0 : guests;
  // Inactive: the last activity, or when they joined if never active, is more than the days ago.
  const inactive = memberSeats.filter(
    (p) => now - (p.u.lastActivity ?? p.u.createdAt).getTime() > inactiveDays * DAY,
  );
  return {
    memberSeats: memberSeats.length,
    guests,
    billedGuests,
    paid: memberSeats.length + billedGuests,
    viewers: people.filter((p) => p.license === 'viewer').length,
    pending: people.filter((p) => p.status === 'pending').length,
    inactive: inactive.length,
    inactiveNever: inactive.filter((p) => p.u.lastActivity === null).length,
    inactiveAdmins: inactive.filter((p) => p.role === 'admin').length,
  };
}

describe('insights, against an independent count of the emulator', () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let connectionId: string;
  beforeAll(async () => {
    emulator = await startEmulator({ users: 600, plan: 'standard', seed: 131 });
    db = await createTestDatabase('sqlite');
    app = await createSeatwise(db.config);
    connectionId = (
      await app.connections.add({ token: emulator.accounts[0]!.tokens.admin, apiUrl: emulator.graphqlUrl })
    ).id;
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  it("counts paid seats with the Standard plan's guest rule, inactivity for N days and what it costs", async () => {
    const account = emulator.accounts[0]!;
    const [plain] = await app.insights.forConnections(connectionId);
    const expected = independent(account.users, 'standard', 90, Date.now());
    expect(expected.guests).toBeGreaterThan(8);
    expect(plain!.seats).toMatchObject({
      memberSeats: expected.memberSeats,
      guest: expected.guests,
      billedGuests: expected.billedGuests,
      freeGuests: expected.guests - expected.billedGuests,
      paid: expected.paid,
      planMax: account.maxUsers,
      available: account.maxUsers - expected.paid,
      viewer: expected.viewers,
    });
    expect(plain!.seats.utilization).toBeCloseTo(expected.paid / account.maxUsers, 3);
    expect(plain).toMatchObject({
      pendingInvites: expected.pending,
      inactiveDays: 90,
      inactivePaidSeats: expected.inactive,
      inactiveNeverActive: expected.inactiveNever,
      inactiveAdmins: expected.inactiveAdmins,
      cost: null,
      monthlyWaste: null,
    });

    await app.connections.update(connectionId, { inactiveDays: 30, seatPrice: 12.5, currency: 'EUR' });
    const [priced] = await app.insights.forConnections(connectionId);
    const at30 = independent(account.users, 'standard', 30, Date.now());
    expect(priced!.inactivePaidSeats).toBe(at30.inactive);
    expect(priced!.cost).toEqual({
      seatPrice: 12.5,
      currency: 'EUR',
      monthlyWaste: at30.inactive * 12.5,
      yearlyWaste: at30.inactive * 12.5 * 12,
    });
    expect(priced!.monthlyWaste).toBe(at30.inactive * 12.5);
    const [override] = await app.insights.forConnections(connectionId, 180);
    expect(override!.inactivePaidSeats).toBe(
      independent(account.users, 'standard', 180, Date.now()).inactive,
    );
  });

  it('records licenses and active users per sync for trends', async () => {
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
    const trends = await app.insights.trends(connectionId);
    expect(trends.length).toBe(2);
    const expected = independent(emulator.accounts[0]!.users, 'standard', 90, Date.now());
    expect(trends[1]).toMatchObject({
      memberSeats: expected.memberSeats,
      guests: expected.guests,
      viewers: expected.viewers,
    });
  });
});

describeEachDialect('policies and proposals (%s)', (dialect) => {
  let emulator: RunningEmulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let db: TestDatabase;
  let app: Seatwise;
  let connectionId: string;
  let worker: Worker | undefined;
  const account = () => emulator.accounts[0]!;
  const user = (id: string) => account().users.find((u) => u.id === id)!;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 300, accounts: 2, plan: 'enterprise', seed: 141 });
    receiver = await startReceiver(2);
    db = await createTestDatabase(dialect);
    app = await createSeatwise(
      { ...db.config, SEATWISE_ALLOWED_ENDPOINTS: [new URL(emulator.url).origin, receiver.origin].join(',') },
      { retryDelaysMs: [50, 100, 200] },
    );
    // Webhook notifications go out through a worker, as in `seatwise serve`.
    worker = new Worker(app, app.jobs, { pollMs: 50, leaseMs: 5_000 });
    await worker.start();
    connectionId = (
      await app.connections.add({
        token: account().tokens.admin,
        scimToken: account().scimToken!,
        apiUrl: emulator.graphqlUrl,
        scimUrl: emulator.scimUrl,
        permission: 'read_and_act',
      })
    ).id;
    await app.connections.update(connectionId, { webhookUrl: receiver.url });
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await db?.cleanup();
    await receiver?.close();
    await emulator?.close();
  });

  const inactiveMembers = () =>
    account().users.filter(
      (u, i) =>
        i > 2 &&
        u.kind === 'member' &&
        u.status === 'ACTIVE' &&
        Date.now() - (u.lastActivity ?? u.createdAt).getTime() > 120 * DAY,
    );

  it('proposes after a sync, honours the exceptions, and applies at most the cap automatically', async () => {
    const candidates = inactiveMembers();
    expect(candidates.length).toBeGreaterThan(12);
    const exceptedEmail = candidates[0]!.email;
    const exceptedDomain = 'partner.net';
    const policy = await app.policies.add({
      connectionId,
      kind: 'inactive_members_to_viewer',
      days: 120,
      exceptEmails: [exceptedEmail.toUpperCase()],
      exceptDomains: [exceptedDomain],
      autoApply: true,
      maxPerRun: 3,
    });
    expect(policy.description).toBe('members inactive for 120 days → change role to viewer');
    const eligible = candidates.filter(
      (u) => u.email !== exceptedEmail && !u.email.endsWith(`@${exceptedDomain}`),
    );
    const preview = await app.policies.preview(policy.id);
    expect(preview.map((d) => d.remoteUserId).sort()).toEqual(eligible.map((u) => u.id).sort());

    const synced = await app.sync.sync(connectionId);
    expect(synced).toMatchObject({ status: 'succeeded' });
    expect(synced.followUpErrors).toBeUndefined();
    const proposals = await app.policies.proposals({ connectionId });
    expect(proposals.map((p) => p.userId).sort()).toEqual(eligible.map((u) => u.id).sort());
    const applied = proposals.filter((p) => p.status === 'applied');
    expect(applied).toHaveLength(3);
    for (const p of applied) {
      expect(user(p.userId).kind).toBe('view_only');
      expect(p.decidedBy).toBe(`policy:${policy.id}`);
      expect(p.auditId).not.toBeNull();
    }
    expect(proposals.filter((p) => p.status === 'open')).toHaveLength(eligible.length - 3);
    expect(user(candidates[0]!.id).kind).toBe('member');

    // A second sync proposes nothing twice.
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
    expect(await app.policies.proposals({ connectionId })).toHaveLength(eligible.length);
  });

  it('runs an approved proposal as an audited action, and leaves a rejected one alone', async () => {
    const open = await app.policies.proposals({ connectionId, status: 'open' });
    const [approve, reject] = open;
    const { proposals: approved } = await app.policies.approve([approve!.id], 'tester');
    expect(approved[0]).toMatchObject({ status: 'applied', decidedBy: 'tester' });
    expect(user(approve!.userId).kind).toBe('view_only');
    const audit = await app.actions.auditLog({ connectionId, action: 'set_role' });
    const entry = audit.find((e) => e.id === approved[0]!.auditId)!;
    expect(entry).toMatchObject({
      actor: 'tester',
      outcome: 'succeeded',
      idempotencyKey: `proposal-${approve!.id}`,
    });

    const { proposals: rejected } = await app.policies.reject([reject!.id], 'tester');
    expect(rejected[0]).toMatchObject({ status: 'rejected', outcome: 'rejected; the user was not changed' });
    expect(user(reject!.userId).kind).toBe('member');
    await expect(app.policies.approve([reject!.id], 'tester')).rejects.toMatchObject({
      code: 'proposal_decided',
    });
    await expect(app.policies.reject([approve!.id], 'tester')).rejects.toMatchObject({
      code: 'proposal_decided',
    });
  });

  it('decides a batch past the ids it cannot decide, and names them', async () => {
    const [open] = await app.policies.proposals({ connectionId, status: 'open' });
    const [rejected] = await app.policies.proposals({ connectionId, status: 'rejected' });
    const decided = await app.policies.approve(['prop_missing', open!.id, rejected!.id], 'tester');
    expect(decided.proposals.map((p) => [p.id, p.status])).toEqual([[open!.id, 'applied']]);
    expect(decided.errors).toEqual([
      { id: 'prop_missing', code: 'proposal_not_found', message: 'no proposal with id prop_missing' },
      { id: rejected!.id, code: 'proposal_decided', message: `proposal ${rejected!.id} is already rejected` },
    ]);
    expect(user(open!.userId).kind).toBe('view_only');
  });

  it('leaves a proposal approved twice at once applied, and acts on monday once', async () => {
    const [open] = await app.policies.proposals({ connectionId, status: 'open' });
    const before = emulator.state.mutationsExecuted.length;
    emulator.setFaults({ answerDelayMs: 500 });
    const both = await Promise.allSettled([
      app.policies.approve([open!.id], 'first'),
      app.policies.approve([open!.id], 'second'),
    ]).finally(() => emulator.setFaults({}));
    expect(both.filter((r) => r.status === 'fulfilled')).not.toHaveLength(0);
    const [after] = (await app.policies.proposals({ connectionId })).filter((p) => p.id === open!.id);
    expect(after!.status).toBe('applied');
    expect(user(open!.userId).kind).toBe('view_only');
    expect(emulator.state.mutationsExecuted.length).toBe(before + 1);
  });

  it('reports stale invitations and deactivates the people on an HR leavers list', async () => {
    const stale = await app.policies.add({ connectionId, kind: 'stale_invites_report', days: 30 });
    const leavers = account()
      .users.filter(
        (u, i) => i > 2 && u.status === 'ACTIVE' && u.kind === 'member' && u.invitationMethod === 'SCIM',
      )
      .slice(0, 2);
    const hr = await app.policies.add({
      connectionId,
      kind: 'hr_leavers_deactivate',
      emails: [...leavers.map((u) => u.email.toUpperCase()), 'not.here@example.com'],
    });
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
    const reported = (await app.policies.proposals({ connectionId, status: 'reported' })).filter(
      (p) => p.policyId === stale.id,
    );
    const expectedStale = account().users.filter(
      (u) =>
        u.status === 'PENDING' &&
        expectedAccess(u).role !== 'other' &&
        Date.now() - u.createdAt.getTime() > 30 * DAY,
    );
    expect(reported.map((p) => p.userId).sort()).toEqual(expectedStale.map((u) => u.id).sort());
    const toDeactivate = (await app.policies.proposals({ connectionId, status: 'open' })).filter(
      (p) => p.policyId === hr.id,
    );
    expect(toDeactivate.map((p) => p.email).sort()).toEqual(leavers.map((u) => u.email.toLowerCase()).sort());
    expect(toDeactivate.every((p) => p.action === 'deactivate' && p.params.via === 'scim')).toBe(true);
    const { proposals: done } = await app.policies.approve(
      toDeactivate.map((p) => p.id),
      'hr',
    );
    expect(done.map((p) => p.status)).toEqual(['applied', 'applied']);
    for (const u of leavers) expect(user(u.id).status).toBe('INACTIVE');
  });

  it('notifies the webhook with a Slack-compatible text, retrying a refused delivery', async () => {
    await expect
      .poll(
        async () =>
          (await app.store.db.selectFrom('webhook_deliveries').select('status').execute()).every(
            (d) => d.status === 'delivered',
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    const deliveries = await app.store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .orderBy('id')
      .execute();
    expect(deliveries.length).toBeGreaterThan(0);
    // The receiver refused the first two attempts: the first delivery took three.
    expect(Number(deliveries[0]!.attempts)).toBe(3);
    expect(receiver.received.slice(0, 3).map((r) => r.status)).toEqual([500, 500, 200]);
    const first = receiver.received[0]!.body;
    expect(first).toMatchObject({ event: 'proposals', connectionId });
    expect(first.text).toMatch(/^Seatwise: \d+ new proposals? for /);
    // Nothing of the receiver's answer is kept.
    expect(deliveries.map((d) => d.last_error ?? '').join(' ')).not.toContain('INTERNAL');
  });

  it('tells the webhook when a sync fails and when the token stopped working', async () => {
    const before = receiver.received.length;
    emulator.setFaults({ serverErrorRate: 1, surfaces: ['graphql'] });
    const failed = await createSeatwise(db.config, { remote: { maxRetries: 0 } });
    try {
      expect((await failed.sync.sync(connectionId)).status).toBe('failed');
    } finally {
      emulator.setFaults({});
      await failed.close();
    }
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBeGreaterThan(before);
    expect(receiver.received[before]!.body).toMatchObject({ event: 'sync_failed', connectionId });
    expect(receiver.received[before]!.body.text).toMatch(
      /the sync of .* failed and the stored users are unchanged/,
    );
  });

  it('tells the webhook when monday no longer accepts the token', async () => {
    const before = receiver.received.length;
    emulator.setFaults({ realError: 'notAuthenticated', realErrorTimes: 100 });
    try {
      expect((await app.sync.sync(connectionId)).status).toBe('failed');
    } finally {
      emulator.setFaults({});
    }
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBeGreaterThan(before);
    expect(receiver.received[before]!.body).toMatchObject({ event: 'token_invalid', connectionId });
    expect(receiver.received[before]!.body.text).toContain('no longer accepts the API token');
  });

  it('finds people in several accounts and guests on the organisation domains, as the emulator data says', async () => {
    const second = emulator.accounts[1]!;
    const other = await app.connections.add({ token: second.tokens.admin, apiUrl: emulator.graphqlUrl });
    expect((await app.sync.sync(other.id)).status).toBe('succeeded');
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
    const guestDomains = [
      ...new Set(
        account()
          .users.filter((u) => u.kind === 'guest')
          .map((u) => u.email.split('@')[1]!),
      ),
    ];
    const domain = guestDomains[0]!;
    await app.insights.setOrgDomains([domain.toUpperCase()]);
    const across = await app.insights.across(10_000);

    const people = (users: EmuUser[]) =>
      new Map(
        users
          .filter((u) => u.status !== 'INACTIVE' && expectedAccess(u).role !== 'other')
          .map((u) => [u.email.toLowerCase(), u] as const),
      );
    const a = people(account().users);
    const b = people(second.users);
    const shared = [...a.keys()].filter((e) => b.has(e)).sort();
    expect(across.sharedPeople.map((p) => p.email).sort()).toEqual(shared);
    for (const p of across.sharedPeople) {
      const paid = [a.get(p.email)!, b.get(p.email)!].filter(
        (u) => expectedAccess(u).license === 'member',
      ).length;
      expect(p.paidSeats, p.email).toBe(paid);
    }
    const guests = [account(), second].flatMap((acc) =>
      acc.users.filter(
        (u) => u.kind === 'guest' && u.status === 'ACTIVE' && u.email.toLowerCase().endsWith(`@${domain}`),
      ),
    );
    expect(across.orgDomains).toEqual([domain]);
    expect(across.ownDomainGuests.map((g) => g.email).sort()).toEqual(guests.map((u) => u.email).sort());
    expect(guests.length).toBeGreaterThan(0);
  });

  it('refuses a webhook that points inside the network unless the operator allowed it', async () => {
    const strict = await createSeatwise({
      ...db.config,
      SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.url).origin,
    });
    try {
      for (const url of [
        'http://hooks.example.com/x',
        'https://10.0.0.8/hook',
        'https://[::1]/hook',
        receiver.url,
      ]) {
        await expect(strict.connections.update(connectionId, { webhookUrl: url }), url).rejects.toMatchObject(
          {
            code: 'endpoint_not_allowed',
          },
        );
      }
      const view = await strict.connections.get(connectionId);
      expect(view.webhookHost).toBe(new URL(receiver.url).host);
      expect(JSON.stringify(view)).not.toContain('/hooks/seatwise');
    } finally {
      await strict.close();
    }
  });
});
