import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { EmuUser } from '../src/emulator/model.ts';
import { Worker } from '../src/worker/worker.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { runCli } from './helpers/cli.ts';
import { describeEachDialect } from './helpers/databases.ts';
import { expectedAccess } from './helpers/expectedAccess.ts';
import { startSmtp } from './helpers/smtp.ts';

const DAY = 86_400_000;

/** A mail's Subject header, unfolded and with its RFC 2047 encoded words decoded. */
function subjectOf(raw: string): string {
  const header = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1] ?? '';
  return header
    .replace(/\r\n[ \t]/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_, text: string) =>
      Buffer.from(
        text
          .replace(/_/g, ' ')
          .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
        'latin1',
      ).toString('utf8'),
    );
}

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await read();
    if (ok(value)) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describeEachDialect('access reviews end to end (%s)', (dialect) => {
  let api: ApiHarness;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  // Each test starts on today's clock, whatever an earlier one moved it to.
  afterEach(() => {
    offset = 0;
  });
  let connectionId = '';
  const people = { alice: '', bob: '', aliceKey: '', bobKey: '', operatorKey: '' };
  const emuUser = (id: string): EmuUser => api.emulator.accounts[0]!.users.find((u) => u.id === id)!;

  beforeAll(async () => {
    smtp = await startSmtp();
    api = await startApi(
      dialect,
      { users: 40, accounts: 1, plan: 'enterprise', seed: 311 },
      {
        now,
        config: {
          SEATWISE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
          SEATWISE_SMTP_FROM: 'Seatwise <seatwise@acme.example>',
          SEATWISE_PUBLIC_URL: 'https://seatwise.acme.example',
        },
      },
    );
    const app = api.seatwise;
    const added = await app.connections.add({
      token: api.emulator.accounts[0]!.tokens.admin,
      apiUrl: api.emulator.graphqlUrl,
      permission: 'read_and_act',
    });
    connectionId = added.id;
    await app.connections.update(connectionId, { seatPrice: 12, currency: 'USD' });
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
    const alice = await app.people.invite(
      { email: 'alice@reviewers.example', role: 'reviewer', name: 'Alice' },
      'cli',
    );
    const bob = await app.people.invite(
      { email: 'bob@reviewers.example', role: 'reviewer', name: 'Bob' },
      'cli',
    );
    people.alice = alice.id;
    people.bob = bob.id;
    people.aliceKey = (
      await app.keys.create('reviewer', 'alice', { actor: 'cli', ownerPersonId: alice.id })
    ).key;
    people.bobKey = (await app.keys.create('reviewer', 'bob', { actor: 'cli', ownerPersonId: bob.id })).key;
    people.operatorKey = (await app.keys.create('operator', 'ops')).key;
  });

  afterAll(async () => {
    await api?.close();
    await smtp?.close();
  });

  it('runs a campaign: snapshot, decisions one by one and in bulk, reassign, revoke at once, a retried failure, reminders, close and the report', async () => {
    const stored = await api.seatwise.store.db
      .selectFrom('directory_users')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'active')
      .where('removed_at', 'is', null)
      .execute();
    const leaver = stored.find((u) => u.role === 'member')!;
    const created = await api.call('POST', '/api/reviews', {
      body: {
        name: 'Q4 access review',
        scope: { connectionIds: [connectionId], statuses: ['active'] },
        reviewers: { kind: 'people', personIds: [people.alice, people.bob] },
        dueAt: new Date(now().getTime() + 7 * DAY).toISOString(),
        endsAt: new Date(now().getTime() + 14 * DAY).toISOString(),
        applyMode: 'on_submit',
        closeDefault: 'none',
        leavers: [leaver.email.toUpperCase()],
        reminderDays: 3,
      },
    });
    expect(created.status, created.text).toBe(201);
    const campaign = created.body;
    expect(campaign.progress.total).toBe(stored.length);
    expect(campaign.reviewers.map((r: { email: string }) => r.email)).toEqual(
      expect.arrayContaining(['alice@reviewers.example', 'bob@reviewers.example']),
    );

    // The snapshot is the copy at launch.
    const all = (await api.call('GET', `/api/reviews/${campaign.id}/items`)).body.items;
    expect(all).toHaveLength(stored.length);
    for (const item of all) {
      const row = stored.find((u) => u.remote_id === item.userId)!;
      expect(item.snapshot).toMatchObject({ role: row.role, status: row.status, license: row.license });
      if (row.license === 'member') expect(item.snapshot.seatCost).toEqual({ monthly: 12, currency: 'USD' });
    }
    const leaverItem = all.find((i: { userId: string }) => i.userId === leaver.remote_id);
    expect(leaverItem.recommendations.map((r: { code: string }) => r.code)).toContain('leaver');

    // Each reviewer sees only their items.
    const inboxA = (await api.call('GET', '/api/reviews/inbox', { key: people.aliceKey })).body.items;
    const inboxB = (await api.call('GET', '/api/reviews/inbox', { key: people.bobKey })).body.items;
    expect(inboxA.length + inboxB.length).toBe(all.length);
    expect(inboxA.every((i: { reviewerId: string }) => i.reviewerId === people.alice)).toBe(true);
    const seenByAlice = await api.call('GET', `/api/reviews/${campaign.id}/items`, { key: people.aliceKey });
    expect(seenByAlice.body.items.map((i: { id: string }) => i.id).sort()).toEqual(
      inboxA.map((i: { id: string }) => i.id).sort(),
    );
    const notHers = await api.call('POST', `/api/reviews/${campaign.id}/decisions`, {
      key: people.aliceKey,
      body: { decisions: [{ itemId: inboxB[0].id, decision: 'keep', comment: 'x' }] },
    });
    expect(notHers.body.items[0]).toMatchObject({ ok: false, error: { code: 'item_not_found' } });
    expect((await api.call('GET', '/api/users', { key: people.aliceKey })).status).toBe(403);

    // A revoke submitted at once is carried out, and done because monday shows it.
    const plainA = inboxA.filter(
      (i: { userId: string; snapshot: { role: string } }) => i.snapshot.role !== 'admin',
    );
    const revokeNow = plainA[0];
    const revoked = await api.call('POST', `/api/reviews/${campaign.id}/decisions`, {
      key: people.aliceKey,
      body: { decisions: [{ itemId: revokeNow.id, decision: 'revoke' }], submit: true },
    });
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.body.items[0].item).toMatchObject({ status: 'done', after: { status: 'deactivated' } });
    expect(emuUser(revokeNow.userId).status).toBe('INACTIVE');
    const audit = await api.call('GET', `/api/audit?action=deactivate`);
    const entry = audit.body.entries.find(
      (e: { source: { id: string } | null }) => e.source?.id === campaign.id,
    );
    expect(entry).toMatchObject({
      actor: `api-key:${(await api.seatwise.keys.list()).find((k) => k.name === 'alice')!.id}`,
      source: { kind: 'review' },
    });

    // A keep against a recommended revoke needs a comment.
    const recommended = inboxA.find(
      (i: { recommendations: unknown[]; id: string }) =>
        i.recommendations.length > 0 && i.id !== revokeNow.id,
    );
    if (recommended) {
      const bare = await api.call('POST', `/api/reviews/${campaign.id}/decisions`, {
        key: people.aliceKey,
        body: { decisions: [{ itemId: recommended.id, decision: 'keep' }] },
      });
      expect(bare.body.items[0]).toMatchObject({ ok: false, error: { code: 'comment_required' } });
      const explained = await api.call('POST', `/api/reviews/${campaign.id}/decisions`, {
        key: people.aliceKey,
        body: { decisions: [{ itemId: recommended.id, decision: 'keep', comment: 'on parental leave' }] },
      });
      expect(explained.body.items[0].item).toMatchObject({ status: 'decided', comment: 'on parental leave' });
    }

    // Bulk: three downgrades, one changed to keep before submitting; the downgrades are done in monday.
    const plainB = inboxB
      .filter((i: { snapshot: { role: string } }) => i.snapshot.role === 'member')
      .slice(0, 3);
    expect(plainB).toHaveLength(3);
    const bulk = await api.call('POST', `/api/reviews/${campaign.id}/decisions`, {
      key: people.bobKey,
      body: { decisions: plainB.map((i: { id: string }) => ({ itemId: i.id, decision: 'downgrade' })) },
    });
    expect(bulk.body.items.map((i: { item: { status: string } }) => i.item.status)).toEqual([
      'decided',
      'decided',
      'decided',
    ]);
    await api.call('POST', `/api/reviews/${campaign.id}/decisions`, {
      key: people.bobKey,
      body: { decisions: [{ itemId: plainB[2].id, decision: 'keep', comment: 'still needs it' }] },
    });
    const submitted = await api.call('POST', `/api/reviews/${campaign.id}/submit`, {
      key: people.bobKey,
      body: { itemIds: plainB.map((i: { id: string }) => i.id) },
    });
    expect(submitted.body.items.map((i: { item: { status: string } }) => i.item.status)).toEqual([
      'done',
      'done',
      'kept',
    ]);
    expect(expectedAccess(emuUser(plainB[0].userId)).role).toBe('viewer');
    expect(expectedAccess(emuUser(plainB[2].userId)).role).toBe('member');
    const again = await api.call('POST', `/api/reviews/${campaign.id}/decisions`, {
      key: people.bobKey,
      body: { decisions: [{ itemId: plainB[2].id, decision: 'revoke' }] },
    });
    expect(again.body.items[0]).toMatchObject({ ok: false, error: { code: 'item_submitted' } });

    // Reassign: Alice hands one of hers to Bob.
    const handed = plainA[1];
    const reassigned = await api.call('POST', `/api/reviews/${campaign.id}/reassign`, {
      key: people.aliceKey,
      body: { itemIds: [handed.id], personId: people.bob },
    });
    expect(reassigned.body.items[0]).toMatchObject({ ok: true, item: { reviewerId: people.bob } });
    const inboxB2 = (await api.call('GET', '/api/reviews/inbox', { key: people.bobKey })).body.items;
    expect(inboxB2.map((i: { id: string }) => i.id)).toContain(handed.id);

    // A revoke monday refuses fails with the reason, stays visible, and is retried.
    const failing = plainA[2];
    api.emulator.setFaults({ realError: 'userUnauthorized', realErrorTimes: 1000 });
    const refused = await api.call('POST', `/api/reviews/${campaign.id}/decisions`, {
      key: people.aliceKey,
      body: { decisions: [{ itemId: failing.id, decision: 'revoke' }], submit: true },
    });
    api.emulator.setFaults({ realError: null });
    expect(refused.body.items[0].item.status).toBe('failed');
    expect(refused.body.items[0].item.result).toMatch(/not counted as done|not deactivated/);
    expect(emuUser(failing.userId).status).toBe('ACTIVE');
    const retried = await api.call('POST', `/api/reviews/${campaign.id}/retry`, {
      key: people.operatorKey,
      body: { itemIds: [failing.id] },
    });
    expect(retried.body.items[0]).toMatchObject({ ok: true, item: { status: 'done', attempts: 2 } });
    expect(emuUser(failing.userId).status).toBe('INACTIVE');

    // Reminders: before the due date, then overdue, each once, by e-mail.
    offset = 5 * DAY;
    await api.seatwise.reviewSchedule.tick();
    offset = 8 * DAY;
    await api.seatwise.reviewSchedule.tick();
    await api.seatwise.reviewSchedule.tick();
    const toAlice = smtp.mails.filter((m) => m.to.includes('alice@reviewers.example'));
    expect(toAlice.map((m) => subjectOf(m.raw).split(':')[0])).toEqual(['Reminder', 'Overdue']);
    const aliceLeft = (
      await api.call('GET', '/api/reviews/inbox', { key: people.aliceKey })
    ).body.items.filter((i: { status: string }) => i.status === 'open' || i.status === 'decided').length;
    expect(subjectOf(toAlice[1]!.raw)).toBe(`Overdue: access review "Q4 access review" (${aliceLeft} left)`);
    expect(toAlice[1]!.raw).toContain('https://seatwise.acme.example/my-reviews');
    const progress = (await api.call('GET', `/api/reviews/${campaign.id}`)).body;
    expect(progress.overdue).toBe(true);
    expect(progress.progress.overdue).toBe(progress.progress.open + progress.progress.decided);

    // The close: decided items stand, undecided are not reviewed, and monday's state is the evidence.
    const closed = await api.call('POST', `/api/reviews/${campaign.id}/close`);
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body.status).toBe('closed');
    const report = (await api.call('GET', `/api/reviews/${campaign.id}/report`)).body;
    expect(report.items).toHaveLength(all.length);
    for (const item of report.items) {
      const monday = expectedAccess(emuUser(item.userId));
      expect(item.after).toMatchObject({ role: monday.role, status: monday.status });
      if (item.decision === 'revoke') expect([item.status, monday.status]).toEqual(['done', 'deactivated']);
      if (item.decision === 'downgrade') expect([item.status, monday.role]).toEqual(['done', 'viewer']);
      if (item.decision === 'keep') expect(item.status).toBe('kept');
      if (!item.decision) expect(item.status).toBe('not_reviewed');
    }
    const counted = report.campaign.progress;
    expect(counted.done + counted.kept + counted.failed + counted.notReviewed).toBe(all.length);
    const csv = await api.call('GET', `/api/reviews/${campaign.id}/report?format=csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text.trim().split('\n')).toHaveLength(all.length + 1);
    const html = await api.call('GET', `/api/reviews/${campaign.id}/report?format=html`);
    expect(html.text).toContain('Access review report: Q4 access review');
    // On paper in a person's words: times without milliseconds or ISO letters, results as the UI says them.
    expect(html.text).not.toMatch(/\d{2}:\d{2}:\d{2}(\.\d{3})?Z/);
    expect(html.text).toMatch(/<dt>Due<\/dt><dd>\d{4}-\d{2}-\d{2}( \d{2}:\d{2} UTC)?<\/dd>/);
    expect(html.text).toContain('undecided at the close: recorded as not reviewed');
    expect(html.text).not.toContain('>not_reviewed<');
    if (counted.notReviewed > 0) expect(html.text).toContain('class="result not_reviewed">not reviewed<br>');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'sha256-");

    // Closed is final.
    const late = await api.call('POST', `/api/reviews/${campaign.id}/decisions`, {
      key: people.bobKey,
      body: { decisions: [{ itemId: inboxB2[inboxB2.length - 1].id, decision: 'keep', comment: 'late' }] },
    });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('campaign_closed');
    offset = 0;
  });

  it('carries decisions out at the close, with the default for undecided items', async () => {
    const guests = await api.seatwise.store.db
      .selectFrom('directory_users')
      .select(['remote_id'])
      .where('connection_id', '=', connectionId)
      .where('role', 'in', ['guest', 'viewer'])
      .where('status', '=', 'active')
      .where('removed_at', 'is', null)
      .execute();
    expect(guests.length).toBeGreaterThan(1);
    const created = await api.call('POST', '/api/reviews', {
      body: {
        name: 'Guests and viewers',
        scope: { connectionIds: [connectionId], roles: ['guest', 'viewer'], statuses: ['active'] },
        reviewers: { kind: 'connection', byConnection: { [connectionId]: people.bob } },
        dueAt: new Date(now().getTime() + 7 * DAY).toISOString(),
        applyMode: 'at_close',
        closeDefault: 'revoke',
      },
    });
    expect(created.status, created.text).toBe(201);
    const items = (await api.call('GET', `/api/reviews/${created.body.id}/items`)).body.items;
    expect(items).toHaveLength(guests.length);
    const [first, second] = items;
    const decided = await api.call('POST', `/api/reviews/${created.body.id}/decisions`, {
      key: people.bobKey,
      body: {
        decisions: [
          { itemId: first.id, decision: 'revoke' },
          { itemId: second.id, decision: 'keep', comment: 'needed' },
        ],
        submit: true,
      },
    });
    expect(decided.body.items.map((i: { item: { status: string } }) => i.item.status)).toEqual([
      'submitted',
      'kept',
    ]);
    expect(emuUser(first.userId).status).toBe('ACTIVE');
    const closed = await api.call('POST', `/api/reviews/${created.body.id}/close`);
    expect(closed.body.status).toBe('closed');
    const report = (await api.call('GET', `/api/reviews/${created.body.id}/report`)).body.items;
    for (const item of report) {
      const monday = expectedAccess(emuUser(item.userId));
      if (item.id === second.id) {
        expect([item.status, monday.status]).toEqual(['kept', 'active']);
      } else {
        expect(item.decision).toBe('revoke');
        expect([item.status, monday.status]).toEqual(['done', 'deactivated']);
        if (item.id !== first.id) expect(item.decidedByName).toBe("the campaign's default");
      }
    }
  });

  it("reminds on the account's webhook before the due date and when overdue, once each, and closes itself at the end date", async () => {
    await api.seatwise.connections.update(connectionId, { webhookUrl: 'http://127.0.0.1:9/hooks/seatwise' });
    try {
      const created = await api.call('POST', '/api/reviews', {
        body: {
          name: 'Ends by itself',
          scope: { connectionIds: [connectionId], roles: ['member'], statuses: ['active'] },
          reviewers: { kind: 'people', personIds: [people.alice] },
          dueAt: new Date(now().getTime() + 7 * DAY).toISOString(),
          endsAt: new Date(now().getTime() + 10 * DAY).toISOString(),
          applyMode: 'at_close',
          closeDefault: 'none',
          reminderDays: 2,
        },
      });
      expect(created.status, created.text).toBe(201);
      const campaign = created.body;
      const items = (await api.call('GET', `/api/reviews/${campaign.id}/items`)).body.items;
      expect(items.length).toBeGreaterThan(1);
      const kept = items[0];
      const decided = await api.call('POST', `/api/reviews/${campaign.id}/decisions`, {
        key: people.aliceKey,
        body: { decisions: [{ itemId: kept.id, decision: 'keep', comment: 'still works with us' }] },
      });
      expect(decided.status, decided.text).toBe(200);
      const reminders = async () =>
        (
          await api.seatwise.store.db
            .selectFrom('webhook_deliveries')
            .select(['event', 'payload'])
            .where('event', '=', 'review_reminder')
            .where('connection_id', '=', connectionId)
            .execute()
        )
          .map((r) => JSON.parse(r.payload))
          .filter((p) => p.campaignId === campaign.id);
      // Too early: nothing.
      offset = 2 * DAY;
      await api.seatwise.reviewSchedule.tick();
      expect(await reminders()).toEqual([]);
      // Two days before the due date, then past it: one reminder each, however many ticks.
      offset = 5 * DAY + 60_000;
      await api.seatwise.reviewSchedule.tick();
      await api.seatwise.reviewSchedule.tick();
      offset = 7 * DAY + 60_000;
      await api.seatwise.reviewSchedule.tick();
      await api.seatwise.reviewSchedule.tick();
      const sent = await reminders();
      const due = campaign.dueAt.slice(0, 10);
      expect(sent.map((p) => [p.kind, p.reviewer, p.open])).toEqual([
        ['due_soon', 'alice@reviewers.example', items.length],
        ['overdue', 'alice@reviewers.example', items.length],
      ]);
      expect(sent[0].text).toBe(
        `Seatwise: Reminder: access review "Ends by itself" is due ${due} (${items.length} left) for alice@reviewers.example`,
      );
      expect(sent[1].text).toBe(
        `Seatwise: Overdue: access review "Ends by itself" (${items.length} left) for alice@reviewers.example`,
      );
      // Still open the day before the end; closed by the scheduler at it, once.
      offset = 9 * DAY;
      expect((await api.seatwise.reviewSchedule.tick()).closed).not.toContain(campaign.id);
      expect((await api.call('GET', `/api/reviews/${campaign.id}`)).body.status).toBe('open');
      offset = 10 * DAY + 60_000;
      expect((await api.seatwise.reviewSchedule.tick()).closed).toContain(campaign.id);
      expect((await api.seatwise.reviewSchedule.tick()).closed).not.toContain(campaign.id);
      const report = (await api.call('GET', `/api/reviews/${campaign.id}/report`)).body;
      expect(report.campaign.status).toBe('closed');
      const byId = new Map(report.items.map((i: any) => [i.id, i]));
      expect(byId.get(kept.id)).toMatchObject({ decision: 'keep', status: 'kept' });
      for (const item of report.items)
        if (item.id !== kept.id) expect(item).toMatchObject({ decision: null, status: 'not_reviewed' });
      for (const item of report.items)
        expect(item.after).toMatchObject({ status: expectedAccess(emuUser(item.userId)).status });
      const audit = (await api.call('GET', '/api/audit?action=review_closed')).body.entries.filter(
        (e: any) => e.plan?.campaignId === campaign.id || e.detail?.campaignId === campaign.id,
      );
      expect(audit).toHaveLength(1);
      expect(audit[0].actor).toBe('scheduler');
      // After the close nobody is reminded of it any more.
      offset = 12 * DAY;
      await api.seatwise.reviewSchedule.tick();
      expect(await reminders()).toHaveLength(2);
    } finally {
      await api.seatwise.connections.update(connectionId, { webhookUrl: null });
    }
  });

  it('launches a quarterly campaign again from the scheduler', async () => {
    const created = await api.call('POST', '/api/reviews', {
      body: {
        name: 'Admins quarterly',
        scope: { connectionIds: [connectionId], adminsOnly: true },
        reviewers: { kind: 'people', personIds: [people.alice] },
        dueAt: new Date(now().getTime() + 14 * DAY).toISOString(),
        closeDefault: 'none',
        recurrence: 'quarterly',
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(Date.parse(created.body.nextLaunchAt) - now().getTime()).toBeGreaterThan(89 * DAY);
    offset = 93 * DAY;
    const worker = new Worker(api.seatwise, api.seatwise.jobs, {
      scheduler: api.seatwise.scheduler,
      pollMs: 50,
    });
    await worker.start();
    try {
      const launched = await until(
        'the next campaign of the series',
        async () => (await api.call('GET', '/api/reviews')).body.campaigns,
        (list: any[]) => list.some((c) => c.seriesOf === created.body.id),
      );
      const next = launched.find((c: { seriesOf: string | null }) => c.seriesOf === created.body.id);
      expect(next.name).toMatch(/^Admins quarterly \(\d{4}-\d{2}-\d{2}\)$/);
      expect(Date.parse(next.dueAt) - Date.parse(next.createdAt)).toBe(
        Date.parse(created.body.dueAt) - Date.parse(created.body.createdAt),
      );
      expect(next.progress.total).toBe(created.body.progress.total);
      const template = (await api.call('GET', `/api/reviews/${created.body.id}`)).body;
      expect(Date.parse(template.nextLaunchAt)).toBeGreaterThan(now().getTime() + 85 * DAY);
    } finally {
      await worker.stop();
      offset = 0;
    }
  });

  it('is run from the CLI too: create, show, decide, close and the CSV report', async () => {
    const env = { ...api.env, SEATWISE_ALLOWED_ENDPOINTS: new URL(api.emulator.graphqlUrl).origin };
    const due = new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10);
    // A campaign over the connection's active viewers, reviewed by Alice.
    const createCampaign = (name: string) =>
      runCli(
        ['reviews', 'create', '--name', name, '--connection', connectionId, '--role', 'viewer']
          .concat(['--status', 'active', '--reviewer', 'alice@reviewers.example', '--due', due])
          .concat(['--default', 'none', '--json']),
        env,
      );
    const created = await createCampaign('Viewers from the CLI');
    expect(created.code, created.stderr).toBe(0);
    const campaign = JSON.parse(created.stdout);
    expect(campaign.reviewers.map((r: { email: string }) => r.email)).toEqual(['alice@reviewers.example']);
    const shown = await runCli(['reviews', 'show', campaign.id, '--json'], env);
    const items = JSON.parse(shown.stdout).items;
    expect(items.length).toBe(campaign.progress.total);
    expect(items.length).toBeGreaterThan(0);
    const table = await runCli(['reviews', 'show', campaign.id], env);
    expect(table.stdout).toContain(`${items.length} items: ${items.length} open`);
    expect(table.stdout).toContain(items[0].email);
    const kept = await runCli(
      [
        'reviews',
        'decide',
        campaign.id,
        items[0].id,
        '--decision',
        'keep',
        '--comment',
        'reviewed with HR',
        '--submit',
      ],
      env,
    );
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toMatch(new RegExp(`${items[0].id}\\s+${items[0].email}\\s+kept`));
    // The CLI decided Alice's item: an admin's override of her, said now and kept in the evidence.
    expect(kept.stderr).toContain(
      "Decided in place of their reviewer (alice@reviewers.example): recorded as an admin's override, named in the report.",
    );
    const overridden = (await api.call('GET', `/api/reviews/${campaign.id}/items`)).body.items.find(
      (i: { id: string }) => i.id === items[0].id,
    );
    expect(overridden).toMatchObject({
      decidedBy: expect.stringMatching(/^cli:/),
      overrideOf: { id: people.alice, email: 'alice@reviewers.example' },
    });
    const wrong = await runCli(['reviews', 'decide', campaign.id, 'rvi_nope', '--decision', 'keep'], env);
    // Not found: exit 3, as every unknown id.
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toContain('no item rvi_nope in this campaign');
    const early = await runCli(['reviews', 'report', campaign.id], env);
    expect(early.code).not.toBe(0);
    expect(early.stderr).toContain('its report exists once it is closed');
    const closed = await runCli(['reviews', 'close', campaign.id], env);
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toContain(`1 kept, 0 failed, ${items.length - 1} not reviewed`);
    // A decision submitted that monday refuses to carry out (a second campaign over the same people): the item
    // is failed, and the exit code says so (7).
    const second = await createCampaign('Refused by monday');
    expect(second.code, second.stderr).toBe(0);
    const secondId = JSON.parse(second.stdout).id as string;
    const target = JSON.parse((await runCli(['reviews', 'show', secondId, '--json'], env)).stdout).items[0];
    api.emulator.setFaults({ realError: 'userUnauthorized', realErrorTimes: 1000 });
    try {
      const refusedByMonday = await runCli(
        ['reviews', 'decide', secondId, target.id, '--decision', 'revoke', '--submit'],
        env,
      );
      expect(refusedByMonday.stdout).toMatch(new RegExp(`${target.id}\\s+\\S+\\s+failed`));
      expect(refusedByMonday.code).toBe(7);
    } finally {
      api.emulator.setFaults({});
    }
    const csv = await runCli(['reviews', 'report', campaign.id], env);
    const lines = csv.stdout.trim().split('\n');
    expect(lines).toHaveLength(items.length + 1);
    expect(lines.find((l) => l.includes(items[0].email))).toContain('reviewed with HR');
    expect(lines.find((l) => l.includes(items[0].email))).toMatch(
      /, an admin's override of (Alice \(alice@reviewers\.example\)|alice@reviewers\.example), whose item it was/,
    );
    const printable = await api.call('GET', `/api/reviews/${campaign.id}/report?format=html`);
    expect(printable.text).toContain('an admin&#39;s override of');
    const audit = await api.seatwise.actions.auditLog({ action: 'review_closed' });
    expect(audit[0]).toMatchObject({
      actor: expect.stringMatching(/^cli/),
      targets: ['Viewers from the CLI'],
    });
  });

  it('acts once when the same items are submitted twice at once and two closes race', async () => {
    const created = await api.call('POST', '/api/reviews', {
      body: {
        name: 'Race',
        scope: { connectionIds: [connectionId], roles: ['member'], statuses: ['active'] },
        reviewers: { kind: 'people', personIds: [people.alice] },
        dueAt: new Date(now().getTime() + 7 * DAY).toISOString(),
        applyMode: 'at_close',
        closeDefault: 'none',
      },
    });
    expect(created.status, created.text).toBe(201);
    const [a, b] = (await api.call('GET', `/api/reviews/${created.body.id}/items`)).body.items;
    await api.call('POST', `/api/reviews/${created.body.id}/decisions`, {
      key: people.aliceKey,
      body: { decisions: [a, b].map((i: { id: string }) => ({ itemId: i.id, decision: 'downgrade' })) },
    });
    const submits = await Promise.all(
      [1, 2].map(() =>
        api.call('POST', `/api/reviews/${created.body.id}/submit`, {
          key: people.aliceKey,
          body: { itemIds: [a.id, b.id] },
        }),
      ),
    );
    // Each item is submitted by exactly one of the two requests; the other is told it already was.
    for (const item of [a, b]) {
      const answers = submits.map((r) => r.body.items.find((o: { itemId: string }) => o.itemId === item.id));
      expect(answers.filter((o) => o.ok)).toHaveLength(1);
      expect(answers.filter((o) => !o.ok).map((o) => o.error.code)).toEqual(['item_submitted']);
    }
    const closes = await Promise.all(
      [1, 2].map(() => api.call('POST', `/api/reviews/${created.body.id}/close`)),
    );
    const statuses = closes.map((c) => c.status).sort();
    expect(statuses[0]).toBe(200);
    if (statuses[1] !== 200)
      expect(closes.find((c) => c.status !== 200)!.body.error.code).toBe('campaign_closing');
    const report = (await api.call('GET', `/api/reviews/${created.body.id}/report`)).body.items;
    for (const item of [a, b]) {
      expect(report.find((r: { id: string }) => r.id === item.id)).toMatchObject({
        status: 'done',
        attempts: 1,
      });
      expect(expectedAccess(emuUser(item.userId)).role).toBe('viewer');
    }
    const entries = (await api.seatwise.actions.auditLog({ action: 'set_role' })).filter(
      (e) => e.source?.kind === 'review' && e.source.id === created.body.id,
    );
    expect(entries).toHaveLength(2);
  });

  it("carries out no raise of access on a reviewer's word: it waits for an operator, who may not approve their own", async () => {
    const active = await api.seatwise.store.db
      .selectFrom('directory_users')
      .select(['remote_id', 'email', 'role'])
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'active')
      .where('removed_at', 'is', null)
      .where('role', 'in', ['viewer', 'member'])
      .orderBy('email')
      .execute();
    const viewers = active.filter((u) => u.role === 'viewer');
    const members = active.filter((u) => u.role === 'member');
    expect(viewers.length).toBeGreaterThanOrEqual(2);
    expect(members.length).toBeGreaterThanOrEqual(2);
    const [raised, unapproved] = viewers;
    const [declined, mine] = members;
    // An admin of Seatwise who is also a monday user of the account (by email).
    await api.seatwise.people.invite({ email: mine!.email, role: 'admin', name: 'Self' }, 'cli');
    const selfKey = (await api.seatwise.keys.create('admin', 'self', { actor: 'cli', forEmail: mine!.email }))
      .key;
    emuUser(raised!.remote_id).name = '=HYPERLINK("http://evil.example/x","click")';
    expect((await api.seatwise.sync.sync(connectionId)).status).toBe('succeeded');
    const created = await api.call('POST', '/api/reviews', {
      body: {
        name: 'Raises',
        scope: { connectionIds: [connectionId], roles: ['viewer', 'member'], statuses: ['active'] },
        reviewers: { kind: 'people', personIds: [people.alice] },
        dueAt: new Date(now().getTime() + 7 * DAY).toISOString(),
        applyMode: 'on_submit',
        closeDefault: 'none',
        leavers: ['someone.left@acme.example'],
      },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    const items = (await api.call('GET', `/api/reviews/${id}/items`)).body.items as {
      id: string;
      userId: string;
    }[];
    const itemOf = (u: { remote_id: string }) => items.find((i) => i.userId === u.remote_id)!.id;

    // The reviewer sees her part of the campaign, not its private fields.
    const asAlice = (await api.call('GET', `/api/reviews/${id}`, { key: people.aliceKey })).body;
    expect(asAlice.config.leavers).toEqual([]);
    expect(asAlice.reviewers.map((r: { id: string }) => r.id)).toEqual([people.alice]);
    expect((await api.call('GET', `/api/reviews/${id}`)).body.config.leavers).toEqual([
      'someone.left@acme.example',
    ]);
    const listed = (await api.call('GET', '/api/reviews', { key: people.aliceKey })).body.campaigns;
    expect(listed.find((c: { id: string }) => c.id === id).config.leavers).toEqual([]);

    const decided = await api.call('POST', `/api/reviews/${id}/decisions`, {
      key: people.aliceKey,
      body: {
        decisions: [raised, declined].map((u) => ({
          itemId: itemOf(u!),
          decision: 'change_role',
          role: 'admin',
          comment: "+cmd|' /C calc'!A0",
        })),
        submit: true,
      },
    });
    expect(decided.status, decided.text).toBe(200);
    for (const o of decided.body.items)
      expect(o.item).toMatchObject({
        status: 'awaiting_approval',
        result: expect.stringContaining('waits for an operator or admin to approve it'),
      });
    expect(expectedAccess(emuUser(raised!.remote_id)).role).toBe(raised!.role);
    expect((await api.call('GET', `/api/reviews/${id}`)).body.progress.awaitingApproval).toBe(2);
    // A reviewer cannot approve, and nobody decides or approves their own access.
    const byAlice = await api.call('POST', `/api/reviews/${id}/approve`, {
      key: people.aliceKey,
      body: { itemIds: [itemOf(raised!)] },
    });
    expect(byAlice.status).toBe(403);
    const selfDecision = await api.call('POST', `/api/reviews/${id}/decisions`, {
      key: selfKey,
      body: { decisions: [{ itemId: itemOf(mine!), decision: 'change_role', role: 'admin' }] },
    });
    expect(selfDecision.body.items[0]).toMatchObject({ ok: false, error: { code: 'self_review' } });
    await api.call('POST', `/api/reviews/${id}/decisions`, {
      key: people.aliceKey,
      body: { decisions: [{ itemId: itemOf(mine!), decision: 'change_role', role: 'admin' }], submit: true },
    });
    const selfApproval = await api.call('POST', `/api/reviews/${id}/approve`, {
      key: selfKey,
      body: { itemIds: [itemOf(mine!)] },
    });
    expect(selfApproval.body.items[0]).toMatchObject({ ok: false, error: { code: 'self_review' } });
    expect(selfApproval.body.items[0].error.message).toContain('cannot review or approve their own access');

    // An operator approves one (carried out, done as monday shows it) and declines another (kept).
    const approved = await api.call('POST', `/api/reviews/${id}/approve`, {
      key: people.operatorKey,
      body: { itemIds: [itemOf(raised!)] },
    });
    expect(approved.body.items[0].item).toMatchObject({ status: 'done', after: { role: 'admin' } });
    expect(expectedAccess(emuUser(raised!.remote_id)).role).toBe('admin');
    const opsKeyId = (await api.seatwise.keys.list()).find((k) => k.name === 'ops')!.id;
    const setRole = (await api.seatwise.actions.auditLog({ action: 'set_role' })).find(
      (e) => e.source?.id === id,
    );
    expect(setRole).toMatchObject({ actor: `api-key:${opsKeyId}` });
    const approval = (await api.call('GET', '/api/audit?action=review_raise_approved')).body.entries[0];
    expect(approval).toMatchObject({ actor: `api-key:${opsKeyId}`, outcome: 'done' });
    const no = await api.call('POST', `/api/reviews/${id}/approve`, {
      key: people.operatorKey,
      body: { itemIds: [itemOf(declined!)], approve: false },
    });
    expect(no.body.items[0].item).toMatchObject({
      status: 'kept',
      result: expect.stringContaining('was declined'),
    });
    expect(expectedAccess(emuUser(declined!.remote_id)).role).toBe(declined!.role);

    // A raise left undecided by an operator at the close is kept as it was.
    await api.call('POST', `/api/reviews/${id}/decisions`, {
      key: people.aliceKey,
      body: { decisions: [{ itemId: itemOf(unapproved!), decision: 'change_role', role: 'member' }] },
    });
    const closed = await api.call('POST', `/api/reviews/${id}/close`);
    expect(closed.status, closed.text).toBe(200);
    const report = (await api.call('GET', `/api/reviews/${id}/report`)).body.items;
    const left = report.find((i: { id: string }) => i.id === itemOf(unapproved!));
    expect(left).toMatchObject({ status: 'kept', result: expect.stringContaining('was not approved') });
    expect(expectedAccess(emuUser(unapproved!.remote_id)).role).toBe('viewer');
    // The evidence CSV never hands a spreadsheet a formula: not a user's name, not a reviewer's comment.
    const csv = (await api.call('GET', `/api/reviews/${id}/report?format=csv`)).text;
    expect(csv).toContain(`'=HYPERLINK(`);
    expect(csv).toContain(`'+cmd|`);
    expect(csv).not.toMatch(/(^|,)"?=HYPERLINK/m);
    expect(csv).not.toMatch(/(^|,)"?\+cmd/m);
  });

  it('never records a refused revoke as done from a look-up that does not return the user', async () => {
    const created = await api.call('POST', '/api/reviews', {
      body: {
        name: 'Refused',
        scope: { connectionIds: [connectionId], roles: ['member'], statuses: ['active'] },
        reviewers: { kind: 'people', personIds: [people.alice] },
        dueAt: new Date(now().getTime() + 7 * DAY).toISOString(),
        // The connection has no SCIM token: Seatwise refuses the revoke before monday is asked.
        revokeVia: 'scim',
        applyMode: 'on_submit',
        closeDefault: 'none',
      },
    });
    expect(created.status, created.text).toBe(201);
    const [item] = (await api.call('GET', `/api/reviews/${created.body.id}/items`)).body.items;
    // monday's look-up answers with nobody (a capped or filtered answer proves nothing).
    api.emulator.setFaults({ lookupCap: 0 });
    try {
      const revoked = await api.call('POST', `/api/reviews/${created.body.id}/decisions`, {
        key: people.aliceKey,
        body: { decisions: [{ itemId: item.id, decision: 'revoke' }], submit: true },
      });
      expect(revoked.body.items[0].item).toMatchObject({
        status: 'failed',
        result: expect.stringContaining('not counted as done'),
      });
      expect(revoked.body.items[0].item.result).toContain('not carried out');
    } finally {
      api.emulator.setFaults({ lookupCap: null });
    }
    expect(emuUser(item.userId).status).toBe('ACTIVE');
  });
});
