import type { ChildProcess } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise } from '../src/compose.ts';
import { type PlanItem, planSummary, resultSummary } from '../src/domain/actionResult.ts';
import { computeInsights, totalInsights } from '../src/domain/insights.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { freePort, runCli, startServe } from './helpers/cli.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';

/** What a person sees is right: counts come from the rows they sit beside, states from the last run. */
describe('counts beside a plan are the plan rows counted', () => {
  const item = fc.record({
    target: fc.uuid(),
    outcome: fc.constantFrom<PlanItem['outcome']>('change', 'noop', 'fail'),
  });
  it('a dry run summary counts each kind of row, and nothing as changed', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 30 }), (rows) => {
        const plan = rows.map((r) => ({
          ...r,
          userId: null,
          email: '',
          name: null,
          before: null,
          code: null,
          reason: '',
        }));
        const summary = resultSummary([], plan, true);
        const counted = planSummary(plan);
        expect(summary).toEqual({
          changed: 0,
          planned: counted.change,
          already: counted.noop,
          failed: counted.fail,
        });
        expect(summary.planned + summary.already + summary.failed).toBe(plan.length);
      }),
    );
  });
});

describe('totals across accounts are the accounts added up, never merged under one label', () => {
  const account = (
    name: string,
    inactiveDays: number,
    currency: string | null,
    seats: number,
    idle: number,
  ) => ({
    ...computeInsights(
      [
        { role: 'member', status: 'active', license: 'member', count: seats, never: 0, idle },
        { role: 'guest', status: 'pending', license: 'guest', count: 2, never: 2, idle: 0 },
      ],
      { tier: 'pro', maxUsers: 100, inactiveDays, seatPrice: currency ? 10 : null, currency },
    ),
    connectionId: `con_${name}`,
    accountName: name,
  });
  it('adds each figure, lists the thresholds, and keeps currencies apart', () => {
    const list = [account('Dunder', 60, 'EUR', 500, 230), account('Acme', 90, 'USD', 600, 318)];
    const total = totalInsights(list);
    expect(total.inactivePaidSeats).toBe(548);
    expect(total.inactiveDays).toEqual([60, 90]);
    expect(total.costs).toEqual([
      { currency: 'EUR', monthlyWaste: 2300, yearlyWaste: 27600, accounts: 1 },
      { currency: 'USD', monthlyWaste: 3180, yearlyWaste: 38160, accounts: 1 },
    ]);
    expect(total.unpriced).toEqual([]);
    expect(total.seats).toMatchObject({ paid: 1100, planMax: 200, memberSeats: 1100 });
    expect(total.byStatus).toEqual({ active: 1100, pending: 4, deactivated: 0 });
    const one = totalInsights([account('Dunder', 60, null, 10, 1), account('Acme', 60, 'USD', 10, 2)]);
    expect(one.inactiveDays).toEqual([60]);
    expect(one.unpriced).toEqual(['Dunder']);
  });
  it('every total equals the sum of the accounts it adds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 400 }), fc.boolean()), {
          minLength: 1,
          maxLength: 5,
        }),
        (accounts) => {
          const list = accounts.map(([seats, days, priced], i) =>
            account(`A${i}`, days, priced ? 'USD' : null, seats, Math.floor(seats / 3)),
          );
          const total = totalInsights(list);
          const sum = (pick: (i: (typeof list)[number]) => number) => list.reduce((n, i) => n + pick(i), 0);
          expect(total.inactivePaidSeats).toBe(sum((i) => i.inactivePaidSeats));
          expect(total.users).toBe(sum((i) => i.users));
          expect(total.seats.paid).toBe(sum((i) => i.seats.paid));
          expect(total.pendingInvites).toBe(sum((i) => i.pendingInvites));
          expect(total.costs.reduce((n, c) => n + c.accounts, 0) + total.unpriced.length).toBe(list.length);
        },
      ),
    );
  });
});

describeEachDialect('what the API reports agrees with its rows (%s)', (dialect) => {
  let h: ApiHarness;
  let id: string;
  let users: any[];
  beforeAll(async () => {
    h = await startApi(dialect);
    const account = h.emulator.accounts[0]!;
    const connected = await h.call('POST', '/api/connections', {
      body: {
        token: account.tokens.admin,
        scimToken: account.scimToken,
        scimUrl: h.emulator.scimUrl,
        permission: 'read_and_act',
      },
    });
    id = connected.body.id;
    expect((await h.call('POST', `/api/connections/${id}/sync`)).status).toBe(201);
    users = (await h.call('GET', `/api/users?connectionId=${id}&limit=200`)).body.users;
  });
  afterAll(async () => h?.close());

  const plan = async (body: Record<string, unknown>) => {
    const res = await h.call('POST', '/api/actions/plan', { body: { connectionId: id, ...body } });
    expect(res.status).toBe(200);
    const byRow = planSummary(res.body.plan);
    expect(res.body.summary).toEqual({
      changed: 0,
      planned: byRow.change,
      already: byRow.noop,
      failed: byRow.fail,
    });
    return res.body;
  };

  it('a deactivation of a SCIM user and one SCIM did not provision: 1 will change, 1 cannot', async () => {
    const scimUser = users.find((u) => u.scimLinked && u.status === 'active' && u.role === 'member');
    const other = users.find((u) => !u.scimLinked && u.status === 'active' && u.role === 'member');
    const body = await plan({
      action: 'deactivate',
      via: 'scim',
      targets: [{ userId: scimUser.id }, { userId: other.id }],
    });
    expect(body.summary).toEqual({ changed: 0, planned: 1, already: 0, failed: 1 });
    expect(body.plan.find((p: any) => p.userId === other.id).reason).toContain('through GraphQL instead');
  });

  it('reactivating an active user is "already there", and inviting a member is too', async () => {
    const active = users.find((u) => u.status === 'active' && u.role === 'member');
    expect((await plan({ action: 'reactivate', targets: [{ userId: active.id }] })).summary).toMatchObject({
      already: 1,
      planned: 0,
    });
    const invited = await plan({
      action: 'invite',
      emails: [active.email, 'new.person@dunder.com'],
      role: 'member',
    });
    expect(invited.summary).toMatchObject({ already: 1, planned: 1, failed: 0 });
  });

  it('an offboarding says what monday shows: planned in a dry run, done and refused per person, by name', async () => {
    const connection = (await h.call('GET', `/api/connections/${id}`)).body;
    const leaver = users.find(
      (u) => u.scimLinked && u.status === 'active' && u.role === 'member' && u.id !== connection.tokenOwnerId,
    );
    const owner = users.find((u) => u.id === connection.tokenOwnerId);
    const emails = [leaver.email, owner.email];
    const dry = await h.call('POST', '/api/offboardings', { body: { emails, dryRun: true } });
    expect(dry.status).toBe(200);
    expect(dry.body.summary).toMatchObject({
      planned: 1,
      deactivated: 0,
      refused: 1,
      failed: 0,
      notFound: 0,
    });
    const done = await h.call('POST', '/api/offboardings', { body: { emails } });
    expect(done.status).toBe(201);
    expect(done.body.summary).toMatchObject({ deactivated: 1, refused: 1, planned: 0, notFound: 0 });
    const receipt = await h.call('GET', `/api/offboardings/${done.body.id}/receipt`);
    expect(receipt.text).toContain('Done, 1 refused');
    // Partly done is not shown in the green of done.
    expect(receipt.text).toContain('<span class="status partial">Done, 1 refused</span>');
    expect(receipt.text).not.toContain('>Refused<');
    expect(receipt.text).toContain('<p>1 deactivated, 1 refused.</p>');
    expect(receipt.text).toContain('Asked by test admin (API key) at ');
    expect(receipt.text).not.toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}Z/);
    expect((await h.call('GET', `/api/offboardings/${done.body.id}`)).body.requestedByName).toBe(
      'test admin (API key)',
    );
    // The audit log names the person's key, the users by email, and the offboarding behind the action.
    const sent = (await h.call('GET', `/api/audit?connectionId=${id}&dryRun=false`)).body.entries;
    expect(sent.every((e: any) => e.dryRun === false)).toBe(true);
    const step = sent.find((e: any) => e.source?.kind === 'offboarding');
    expect(step).toMatchObject({
      source: { id: done.body.id },
      actorName: 'test admin (API key)',
      outcome: 'succeeded',
    });
    expect(step.targetLabels).toEqual([leaver.email]);
    const previews = (await h.call('GET', `/api/audit?connectionId=${id}&dryRun=true`)).body.entries;
    expect(previews.length).toBeGreaterThan(0);
    expect(previews.every((e: any) => e.dryRun === true)).toBe(true);
    const csv = await h.call('GET', `/api/audit?connectionId=${id}&dryRun=false&format=csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text).toContain(`offboarding ${done.body.id}`);
    expect((await h.call('GET', '/api/audit?from=2026-02-30')).status).toBe(400);
  });

  it('names what was typed when an input is wrong', async () => {
    const invite = await h.call('POST', '/api/actions/plan', {
      body: {
        action: 'invite',
        connectionId: id,
        emails: ['ok@dunder.com', 'bob at dunder'],
        role: 'member',
      },
    });
    expect(invite.status).toBe(400);
    expect(invite.body.error.message).toBe(
      'body.emails.1 "bob at dunder" is not a well-formed email address',
    );
    const url = await h.call('PATCH', `/api/connections/${id}`, { body: { accountUrl: 'dunder' } });
    expect(url.status).toBe(400);
    expect(url.body.error.message).toBe(
      'body.accountUrl "dunder" is not an http(s) address such as https://yourcompany.monday.com',
    );
    // A token is never echoed, even a wrong one.
    const token = await h.call('PATCH', `/api/connections/${id}`, { body: { token: 'has space' } });
    expect(token.status).toBe(400);
    expect(token.text).not.toContain('has space');
  });

  it('answers wrong keys with 429 after ten from one address, with Retry-After, on sign-in too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++)
      statuses.push((await h.call('GET', '/api/connections', { key: `sw_wrong_${i}` })).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429, 429]);
    const limited = await h.call('POST', '/api/session', { key: null, body: { key: 'sw_wrong_again' } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error.code).toBe('too_many_sign_in_attempts');
    // Someone guessing from the same address (an office, a proxy) never locks out a valid key.
    expect((await h.call('GET', '/api/connections')).status).toBe(200);
    const signIn = await h.call('POST', '/api/session', { key: null, body: { key: h.viewerKey } });
    expect(signIn.status).toBe(200);
  });
});

describeEachDialect('a refused sync is a run, and sync --all goes on past it (%s)', (dialect) => {
  let db: TestDatabase;
  let here: RunningEmulator;
  let elsewhere: RunningEmulator;
  const ids: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    here = await startEmulator({ users: 60, plan: 'enterprise', seed: 5 });
    elsewhere = await startEmulator({ users: 40, plan: 'pro', seed: 6 });
    // Connected while both endpoints were allowed; the refused one first, so --all must go past it.
    for (const emulator of [elsewhere, here]) {
      const out = await runCli(
        [
          'connect',
          '--token',
          emulator.accounts[0]!.tokens.admin,
          '--api-url',
          emulator.graphqlUrl,
          '--json',
        ],
        db.env,
      );
      expect(out.code).toBe(0);
      ids.push(JSON.parse(out.stdout).id);
    }
  });
  afterAll(async () => {
    await here?.close();
    await elsewhere?.close();
    await db?.cleanup();
  });

  it('syncs every connection it can, reports each, and records the refusal as a failed run', async () => {
    const env = { ...db.env, SEATWISE_ALLOWED_ENDPOINTS: new URL(here.url).origin };
    const out = await runCli(['sync', '--all'], env);
    expect(out.code).toBe(6);
    expect(out.stdout).toMatch(new RegExp(`^Synced [^\\n]+ \\(${ids[1]}\\): 60 users`, 'm'));
    expect(out.stderr).toMatch(
      new RegExp(`Sync of [^\\n]+ \\(${ids[0]}\\) failed: apiUrl .*is not a monday endpoint`),
    );
    const runs = JSON.parse((await runCli(['runs', ids[0]!, '--json'], db.env)).stdout);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'failed', trigger: 'manual', usersSeen: 0 });
    expect(runs[0].error.message).toContain('is not a monday endpoint');
    // The connection is no longer shown as connected, and says why (read by a new process).
    const connections = JSON.parse((await runCli(['connections', '--json'], db.env)).stdout);
    const refused = connections.find((c: any) => c.id === ids[0]);
    expect(refused).toMatchObject({ status: 'error' });
    expect(refused.statusReason).toMatch(/^sync refused: apiUrl .*is not a monday endpoint/);
    expect(connections.find((c: any) => c.id === ids[1])).toMatchObject({
      status: 'connected',
      userCount: 60,
    });
  });

  it('over HTTP too: the refusal answers with its reason and the run is in history', async () => {
    const app = await createSeatwise({ ...db.config, SEATWISE_ALLOWED_ENDPOINTS: new URL(here.url).origin });
    try {
      const error = await app.sync.sync(ids[0]!, { trigger: 'api' }).then(
        () => null,
        (e) => e,
      );
      expect(error?.message).toContain('is not a monday endpoint');
      const runs = await app.sync.listRuns(ids[0]!);
      expect(runs.map((r) => [r.status, r.trigger])).toEqual([
        ['failed', 'api'],
        ['failed', 'manual'],
      ]);
    } finally {
      await app.close();
    }
  });
});

describe('the demo account', () => {
  let db: TestDatabase;
  let server: ChildProcess | undefined;
  afterAll(async () => {
    server?.kill('SIGKILL');
    await db?.cleanup();
  });

  const stop = async (child: ChildProcess) => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };

  it('is one connection marked as sample data, and survives a restart of the server with what was done in it', async () => {
    db = await createTestDatabase('sqlite');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // Only monday's own endpoints are allowed: the demo allows its own emulator, nothing else.
    const env = { ...db.env, SEATWISE_ALLOWED_ENDPOINTS: '', SEATWISE_PORT: String(port), LOG_LEVEL: 'info' };
    let started = await startServe(env);
    server = started.child;
    const key = /\n {4}(sw_\S+)\n/.exec(started.err())![1]!;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const connections = async () => (await call('GET', '/api/connections')).body.connections as any[];
    const synced = async (after: string | null) => {
      await expect
        .poll(
          async () => {
            const [c] = await connections();
            return (
              c?.status === 'connected' &&
              c.lastSyncedAt !== null &&
              (after === null || c.lastSyncedAt > after)
            );
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBe(true);
      return (await connections())[0];
    };

    const demo = await call('POST', '/api/demo');
    expect(demo.status).toBe(201);
    expect(demo.body).toMatchObject({ demo: true, permission: 'read_and_act', syncSchedule: 'off' });
    const first = await synced(null);
    expect(first).toMatchObject({ id: demo.body.id, userCount: 500, demo: true });
    // Asking again is the same connection.
    expect((await call('POST', '/api/demo')).body.id).toBe(demo.body.id);
    expect(await connections()).toHaveLength(1);

    // Another process cannot reach the server's emulator: it says so, as a run in history.
    const cli = await runCli(['sync', demo.body.id], { ...db.env, SEATWISE_ALLOWED_ENDPOINTS: '' });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('the demo account runs inside the Seatwise server that started it');
    // An offboarding from the CLI leaves the demo out, says so, and is not left partial by it.
    const off = await runCli(['offboard', '--email', 'someone@acme.example', '--json'], {
      ...db.env,
      SEATWISE_ALLOWED_ENDPOINTS: '',
    });
    expect(off.code, off.stderr).toBe(0);
    const offboarded = JSON.parse(off.stdout);
    expect(offboarded).toMatchObject({ status: 'done', steps: [] });
    expect(offboarded.leftOut).toEqual([
      {
        connectionId: demo.body.id,
        accountName: first.accountName,
        reason:
          'the demo account (sample people, none of them real) runs inside the Seatwise server that started it: left out of an offboarding started elsewhere',
      },
    ]);
    // The server shows the same record with the same row, and the CLI's table has it.
    expect((await call('GET', `/api/offboardings/${offboarded.id}`)).body.leftOut).toEqual(
      offboarded.leftOut,
    );
    const shownCli = await runCli(['offboardings', offboarded.id], {
      ...db.env,
      SEATWISE_ALLOWED_ENDPOINTS: '',
    });
    expect(shownCli.stdout).toMatch(
      new RegExp(`${first.accountName}\\s+-\\s+-\\s+left out\\s+-\\s+the demo account`),
    );

    // What is done in the sample account stays done: a member made viewer, and one deactivated just before
    // the server is killed (monday had answered: the demo stored it before answering).
    const members = (
      await call(
        'GET',
        `/api/users?connectionId=${demo.body.id}&role=member&status=active&sort=email&limit=5`,
      )
    ).body.users as any[];
    const [toViewer, toDeactivate] = members.filter((u) => u.id !== first.tokenOwnerId);
    const act = async (body: object) => {
      const res = await call('POST', '/api/actions', { connectionId: demo.body.id, ...body });
      expect(res.body, JSON.stringify(res.body)).toMatchObject({
        outcome: 'succeeded',
        summary: { changed: 1 },
      });
    };
    await act({ action: 'set_role', targets: [{ userId: toViewer.id }], role: 'viewer' });
    const userNow = async (id: string) => (await call('GET', `/api/users/${demo.body.id}/${id}`)).body;
    expect(await userNow(toViewer.id)).toMatchObject({ role: 'viewer', license: 'viewer' });

    await stop(server);
    started = await startServe(env);
    server = started.child;
    // The restarted server starts the emulator again, points the same connection at it and syncs it.
    const again = await synced(first.lastSyncedAt);
    expect(again).toMatchObject({ id: demo.body.id, userCount: 500, demo: true, status: 'connected' });
    // The sync read the sample account as it was left, not as it was made.
    expect(await userNow(toViewer.id)).toMatchObject({ role: 'viewer', license: 'viewer' });
    await act({ action: 'deactivate', via: 'graphql', targets: [{ userId: toDeactivate.id }] });
    server.kill('SIGKILL');
    await new Promise((resolve) => server!.once('exit', resolve));
    started = await startServe(env);
    server = started.child;
    const third = await synced(again.lastSyncedAt);
    expect(third).toMatchObject({ id: demo.body.id, status: 'connected' });
    expect(await userNow(toDeactivate.id)).toMatchObject({ status: 'deactivated', removed: false });
    expect(await userNow(toViewer.id)).toMatchObject({ role: 'viewer' });
    expect((await call('POST', '/api/demo')).body.id).toBe(demo.body.id);
    expect(await connections()).toHaveLength(1);
    const runs = (await call('GET', `/api/runs?connectionId=${demo.body.id}`)).body.runs as any[];
    expect(runs.map((r) => [r.trigger, r.status])).toEqual([
      ['demo', 'succeeded'],
      ['demo', 'succeeded'],
      ['manual', 'failed'],
      ['demo', 'succeeded'],
    ]);
    await stop(server);
    server = undefined;
  }, 120_000);
});
