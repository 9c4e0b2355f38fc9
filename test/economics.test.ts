import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSeatwise } from '../src/compose.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { runCli } from './helpers/cli.ts';
import { describeEachDialect } from './helpers/databases.ts';
import { shapeAccount } from './helpers/seatEconomics.ts';

const DAY = 86_400_000;

describeEachDialect('seat economics (%s)', (dialect) => {
  let h: ApiHarness;
  let connectionId: string;
  let shaped: ReturnType<typeof shapeAccount>;
  let clock = Date.now();

  beforeAll(async () => {
    h = await startApi(dialect, { users: 90, plan: 'pro', seed: 26 }, { now: () => new Date(clock) });
    shaped = shapeAccount(h.emulator.accounts[0]!, clock);
    const added = await h.call('POST', '/api/connections', {
      body: {
        token: h.emulator.accounts[0]!.tokens.admin,
        apiUrl: h.emulator.graphqlUrl,
        permission: 'read_and_act',
      },
    });
    expect(added.status).toBe(201);
    connectionId = added.body.id;
    const plan = await h.call('PUT', `/api/connections/${connectionId}/seat-plan`, {
      body: { seatPrice: 12, currency: 'eur', billingPeriod: 'yearly' },
    });
    expect(plan.status).toBe(200);
    expect((await h.seatwise.sync.sync(connectionId)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('plans 52 paid seats on a 100 bucket down to 50 with exactly the 2 longest-inactive members', async () => {
    const res = await h.call('GET', `/api/insights/right-sizing?connectionId=${connectionId}`);
    expect(res.status).toBe(200);
    const [plan] = res.body.connections;
    expect(plan).toMatchObject({
      connectionId,
      currentBucket: 100,
      seatsUsed: 52,
      memberSeats: 52,
      billedGuests: 0,
      pendingMembers: 0,
      seatsNeeded: 52,
      fitsBucket: 100,
      nextSmallerBucket: 50,
      targetBucket: 50,
      currency: 'EUR',
      monthlySaving: 600,
      yearlySaving: 7200,
      billingPeriod: 'yearly',
      renewal: null,
    });
    expect(plan.changes.map((c: { email: string }) => c.email)).toEqual(
      shaped.longestInactive.map((u) => u.email.toLowerCase()),
    );
    expect(plan.changes.map((c: { inactiveDays: number }) => c.inactiveDays)).toEqual([400, 350]);
    // The insights' paid seats are the same figure.
    const insights = await h.call('GET', `/api/insights?connectionId=${connectionId}`);
    expect(insights.body.connections[0].seats.paid).toBe(plan.seatsUsed);
  });

  it('the CLI prints the same plan, as JSON and as text', async () => {
    const json = await runCli(['insights', 'right-size', connectionId, '--json'], h.env);
    expect(json.stderr).toBe('');
    const [plan] = JSON.parse(json.stdout);
    expect(plan).toMatchObject({ currentBucket: 100, seatsUsed: 52, targetBucket: 50, yearlySaving: 7200 });
    expect(plan.changes).toHaveLength(2);
    const text = await runCli(['insights', 'right-size', connectionId], h.env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Bucket now        100 seats; 52 used (52 member seats)');
    expect(text.stdout).toContain('Target bucket     50 (next smaller: 50)');
    expect(text.stdout).toContain('Yearly saving     €7,200.00');
    expect(text.stdout).toContain(
      `${shaped.longestInactive[0]!.email.toLowerCase()} (member) → viewer: last active`,
    );
  });

  it('splits paid seats among teams evenly, with their cost, as JSON, CSV and in the CLI', async () => {
    const res = await h.call('GET', `/api/insights/teams?connectionId=${connectionId}`);
    expect(res.status).toBe(200);
    const byTeam = Object.fromEntries(
      res.body.teams.map(
        (t: { teamName: string; holders: number; paidSeats: number; monthlyCost: number }) => [
          t.teamName,
          [t.holders, t.paidSeats, t.monthlyCost],
        ],
      ),
    );
    expect(byTeam).toEqual({
      [shaped.teamA.name]: [30, 27.5, 330],
      [shaped.teamB.name]: [20, 17.5, 210],
      '(no team)': [7, 7, 84],
    });
    expect(res.body.totals).toEqual([{ currency: 'EUR', paidSeats: 52, monthlyCost: 624, yearlyCost: 7488 }]);
    expect(res.body.rule).toContain('1/n');
    const csv = await h.call('GET', `/api/insights/teams?connectionId=${connectionId}&format=csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe(
      'account,connectionId,teamId,team,holders,paidSeats,currency,monthlyCost,yearlyCost',
    );
    expect(lines).toContain(
      `${h.emulator.accounts[0]!.name},${connectionId},${shaped.teamA.id},${shaped.teamA.name},30,27.50,EUR,330.00,3960.00`,
    );
    const cli = await runCli(['insights', 'teams', connectionId, '--csv'], h.env);
    expect(cli.stdout).toBe(csv.text);
    const table = await runCli(['insights', 'teams', connectionId], h.env);
    expect(table.stdout).toContain('Total: 52.00 paid seats, €624.00 a month, €7,488.00 a year');
  });

  it('turns the plan into proposals that apply through the usual flow, and what monday then shows is what is reported', async () => {
    // The first use from two processes at once: one policy, one set of proposals.
    const other = await createSeatwise(dbConfigOf(h), { now: () => new Date(clock) });
    const [made, twin] = await Promise.all([
      h.call('POST', `/api/insights/right-sizing/${connectionId}/proposals`),
      other.economics.propose(connectionId).finally(() => other.close()),
    ]);
    expect(made.status).toBe(200);
    expect(twin.policyId).toBe(made.body.policyId);
    const policies = await h.call('GET', `/api/policies?connectionId=${connectionId}`);
    expect(policies.body.policies.map((p: { kind: string }) => p.kind)).toEqual(['right_size_to_bucket']);
    expect(made.body.proposals.map((p: { email: string }) => p.email).sort()).toEqual(
      shaped.longestInactive.map((u) => u.email.toLowerCase()).sort(),
    );
    // Asking again makes no second set.
    const again = await h.call('POST', `/api/insights/right-sizing/${connectionId}/proposals`);
    expect(again.body.policyId).toBe(made.body.policyId);
    expect(again.body.proposals.map((p: { id: string }) => p.id).sort()).toEqual(
      made.body.proposals.map((p: { id: string }) => p.id).sort(),
    );
    const approved = await h.call('POST', '/api/proposals/approve', {
      body: { ids: made.body.proposals.map((p: { id: string }) => p.id) },
    });
    expect(approved.status).toBe(200);
    expect(approved.body.proposals.map((p: { status: string }) => p.status)).toEqual(['applied', 'applied']);
    // monday shows them as viewers now.
    for (const u of shaped.longestInactive) expect(u.kind).toBe('view_only');
    expect((await h.seatwise.sync.sync(connectionId)).status).toBe('succeeded');
    const after = await h.call('GET', `/api/insights/right-sizing?connectionId=${connectionId}`);
    expect(after.body.connections[0]).toMatchObject({
      currentBucket: 100,
      seatsUsed: 50,
      targetBucket: 50,
      changes: [],
      yearlySaving: 7200,
    });
    // The sync's policy evaluation proposes nothing more.
    const open = await h.call('GET', `/api/proposals?connectionId=${connectionId}&status=open`);
    expect(open.body.proposals).toEqual([]);
    // monday moves the plan to 50 at renewal: the next sync reads it.
    h.emulator.accounts[0]!.maxUsers = 50;
    expect((await h.seatwise.sync.sync(connectionId)).status).toBe('succeeded');
    const renewed = await h.call('GET', `/api/insights/right-sizing?connectionId=${connectionId}`);
    expect(renewed.body.connections[0]).toMatchObject({
      currentBucket: 50,
      targetBucket: 50,
      yearlySaving: 0,
    });
  });

  it('reminds the webhook 30 and 7 days before renewal, once each, even from two processes at once', async () => {
    await h.seatwise.connections.update(connectionId, { webhookUrl: 'http://127.0.0.1:9/hooks/seatwise' });
    const renewal = new Date(clock + 20 * DAY).toISOString().slice(0, 10);
    const set = await h.call('PUT', `/api/connections/${connectionId}/seat-plan`, {
      body: { renewalDate: renewal },
    });
    expect(set.body.renewalDate).toBe(renewal);
    const plan = (await h.call('GET', `/api/insights/right-sizing?connectionId=${connectionId}`)).body
      .connections[0];
    expect(plan.renewal).toMatchObject({ date: renewal, daysLeft: 20, projectedSeats: 50 });

    const other = await createSeatwise(dbConfigOf(h), {
      now: () => new Date(clock),
    });
    try {
      const [one, two] = await Promise.all([
        h.seatwise.economics.remindRenewals({ force: true }),
        other.economics.remindRenewals({ force: true }),
      ]);
      expect([...one, ...two]).toEqual([{ connectionId, days: 30 }]);
      expect(await h.seatwise.economics.remindRenewals({ force: true })).toEqual([]);
      clock += 14 * DAY; // 6 days left
      const [three, four] = await Promise.all([
        h.seatwise.economics.remindRenewals({ force: true }),
        other.economics.remindRenewals({ force: true }),
      ]);
      expect([...three, ...four]).toEqual([{ connectionId, days: 7 }]);
    } finally {
      clock -= 14 * DAY;
      await other.close();
    }
    const rows = await h.seatwise.store.db
      .selectFrom('webhook_deliveries')
      .select(['event', 'payload'])
      .where('event', '=', 'renewal_reminder')
      .execute();
    const payloads = rows.map((r) => JSON.parse(r.payload));
    expect(payloads.map((p) => [p.reminder, p.daysLeft, p.renewalDate])).toEqual([
      [30, 20, renewal],
      [7, 6, renewal],
    ]);
    expect(payloads[0].text).toContain(`renews on ${renewal} (in 20 days)`);
  });

  it('refuses bad seat plans and bucket lists with clear errors', async () => {
    const bad = await h.call('PUT', `/api/connections/${connectionId}/seat-plan`, {
      body: { renewalDate: '2027-02-30', bucketPrices: { '0': 5 }, currency: 'euro' },
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('is not a calendar date');
    expect(bad.text).toContain('is not a bucket size');
    expect(bad.text).toContain('is not a currency code such as USD');
    const cli = await runCli(['insights', 'seat-plan', connectionId, '--bucket-price', '50'], h.env);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('expected SEATS=PRICE, such as 50=600.');
    const buckets = await h.call('PUT', '/api/settings/seat-buckets', { body: { seatBuckets: [] } });
    expect(buckets.status).toBe(400);
    expect(buckets.text).toContain('needs at least one bucket size');
    const viewer = await h.call('PUT', '/api/settings/seat-buckets', {
      key: h.viewerKey,
      body: { seatBuckets: [5, 10] },
    });
    expect(viewer.status).toBe(403);
    const ok = await h.call('PUT', '/api/settings/seat-buckets', { body: { seatBuckets: [60, 10, 10, 30] } });
    expect(ok.body.seatBuckets).toEqual([10, 30, 60]);
    await h.call('PUT', '/api/settings/seat-buckets', {
      body: { seatBuckets: [3, 5, 10, 15, 20, 25, 30, 40, 50, 100, 200] },
    });
  });
});

/** The database settings the harness's Seatwise uses, for a second Seatwise on the same database. */
function dbConfigOf(h: ApiHarness) {
  return {
    SEATWISE_DATA_DIR: h.env.SEATWISE_DATA_DIR!,
    DATABASE_URL: h.env.DATABASE_URL || undefined,
    SEATWISE_SECRET_KEY: h.env.SEATWISE_SECRET_KEY,
    SEATWISE_ALLOWED_ENDPOINTS: h.env.SEATWISE_ALLOWED_ENDPOINTS,
  };
}
