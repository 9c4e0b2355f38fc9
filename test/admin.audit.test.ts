import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpOptions } from '../src/app/mailer.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { describeEachDialect } from './helpers/databases.ts';

const DAY = 86_400_000;

describeEachDialect(
  'every administrative change is audited, and a disconnect never strands a review (%s)',
  (dialect) => {
    let h: ApiHarness;
    let keyId = '';
    beforeAll(async () => {
      h = await startApi(dialect, { users: 30, plan: 'enterprise', seed: 77 });
      keyId = (await h.seatwise.keys.list()).find((k) => k.name === 'test admin')!.id;
    });
    afterAll(async () => {
      await h?.close();
    });

    const entries = async (action: string) =>
      (await h.call('GET', `/api/audit?action=${action}`)).body.entries;
    const connect = async () => {
      const created = await h.call('POST', '/api/connections', {
        body: { token: h.emulator.accounts[0]!.tokens.admin, apiUrl: h.emulator.graphqlUrl },
      });
      expect(created.status, created.text).toBe(201);
      return created.body as { id: string; accountName: string };
    };

    it('records who connected, changed and disconnected an account, field by field, never a secret', async () => {
      const token = h.emulator.accounts[0]!.tokens.admin;
      const connection = await connect();
      const [created] = await entries('connection_created');
      expect(created).toMatchObject({
        actor: `api-key:${keyId}`,
        actorName: 'test admin (API key)',
        outcome: 'done',
        targets: [`${connection.accountName} (${connection.id})`],
      });
      expect(created.plan.changes).toEqual(
        expect.arrayContaining([
          { field: 'permission', before: null, after: 'read' },
          { field: 'token', before: null, after: 'set (secret)' },
          { field: 'inactiveDays', before: null, after: 90 },
        ]),
      );

      const updated = await h.call('PATCH', `/api/connections/${connection.id}`, {
        body: { permission: 'read_and_act', seatPrice: 19, token },
      });
      expect(updated.status, updated.text).toBe(200);
      const [change] = await entries('connection_updated');
      expect(change.actor).toBe(`api-key:${keyId}`);
      expect(change.plan.changes).toEqual([
        { field: 'permission', before: 'read', after: 'read_and_act' },
        { field: 'token', before: 'set (secret)', after: 'changed (secret)' },
        { field: 'seatPrice', before: null, after: 19 },
      ]);
      // A change that changes nothing is no entry.
      await h.call('PATCH', `/api/connections/${connection.id}`, { body: { seatPrice: 19 } });
      expect(await entries('connection_updated')).toHaveLength(1);
      // The webhook URL is a secret: not in a refusal, not in the audit log.
      const refused = await h.call('PATCH', `/api/connections/${connection.id}`, {
        body: { webhookUrl: 'https://bot:SECRETPW@hooks.example.com/T0/B1/SECRETPATH' },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toBe(
        'webhookUrl https://hooks.example.com/… must not carry a user name or password',
      );
      expect(refused.text).not.toMatch(/SECRETPW|SECRETPATH/);

      const gone = await h.call('DELETE', `/api/connections/${connection.id}`);
      expect(gone.status).toBe(204);
      const [deleted] = await entries('connection_deleted');
      expect(deleted).toMatchObject({
        actor: `api-key:${keyId}`,
        targets: [`${connection.accountName} (${connection.id})`],
      });
      expect(deleted.plan.changes).toEqual(
        expect.arrayContaining([{ field: 'permission', before: 'read_and_act', after: null }]),
      );
      const all = (await h.call('GET', '/api/audit?limit=500')).text;
      expect(all).toContain('connection_deleted');
      expect(all).not.toContain(token);
    });

    it('records who added and removed a policy, and the settings changed field by field', async () => {
      const connection = await connect();
      const policy = await h.call('POST', '/api/policies', {
        body: { connectionId: connection.id, kind: 'inactive_members_to_viewer', days: 60, autoApply: true },
      });
      expect(policy.status, policy.text).toBe(201);
      expect((await h.call('DELETE', `/api/policies/${policy.body.id}`)).status).toBe(204);
      const [added] = await entries('policy_created');
      const [removed] = await entries('policy_deleted');
      for (const entry of [added, removed])
        expect(entry).toMatchObject({
          actor: `api-key:${keyId}`,
          targets: [`${policy.body.description} on ${connection.accountName} (${policy.body.id})`],
        });
      expect(added.plan.changes).toEqual(
        expect.arrayContaining([{ field: 'autoApply', before: null, after: true }]),
      );
      expect(removed.plan.changes).toEqual(
        expect.arrayContaining([{ field: 'autoApply', before: true, after: null }]),
      );
      await h.call('PUT', '/api/settings', { body: { orgDomains: ['acme.test'] } });
      const [settings] = await entries('settings_changed');
      expect(settings.plan).toEqual({ changes: [{ field: 'orgDomains', before: [], after: ['acme.test'] }] });
      await h.call('DELETE', `/api/connections/${connection.id}`);
    });

    it('refuses to disconnect an account an open review covers, and a forced disconnect lets the review close', async () => {
      const connection = await connect();
      await h.call('PATCH', `/api/connections/${connection.id}`, { body: { permission: 'read_and_act' } });
      expect((await h.call('POST', `/api/connections/${connection.id}/sync`)).status).toBe(201);
      const rita = await h.seatwise.people.invite({ email: 'rita@acme.test', role: 'reviewer' }, 'cli');
      const ritaKey = (
        await h.seatwise.keys.create('reviewer', 'rita', { actor: 'cli', forEmail: 'rita@acme.test' })
      ).key;
      const campaign = await h.call('POST', '/api/reviews', {
        body: {
          name: 'Before the move',
          scope: { connectionIds: [connection.id], roles: ['member'], statuses: ['active'] },
          reviewers: { kind: 'people', personIds: [rita.id] },
          dueAt: new Date(Date.now() + 7 * DAY).toISOString(),
          applyMode: 'at_close',
          closeDefault: 'none',
        },
      });
      expect(campaign.status, campaign.text).toBe(201);
      const [first, second] = (await h.call('GET', `/api/reviews/${campaign.body.id}/items`)).body.items;
      await h.call('POST', `/api/reviews/${campaign.body.id}/decisions`, {
        key: ritaKey,
        body: { decisions: [{ itemId: first.id, decision: 'downgrade' }], submit: true },
      });
      const refused = await h.call('DELETE', `/api/connections/${connection.id}`);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({
        code: 'connection_in_review',
        details: { campaigns: [{ id: campaign.body.id, name: 'Before the move', status: 'open' }] },
      });
      expect(refused.body.error.message).toContain(`Before the move (${campaign.body.id}, open)`);
      expect((await h.call('GET', `/api/connections/${connection.id}`)).status).toBe(200);

      const forced = await h.call('DELETE', `/api/connections/${connection.id}?force=true`);
      expect(forced.status).toBe(204);
      expect((await entries('connection_deleted'))[0].plan).toMatchObject({
        forced: true,
        openReviews: [campaign.body.id],
      });
      const closed = await h.call('POST', `/api/reviews/${campaign.body.id}/close`);
      expect(closed.status, closed.text).toBe(200);
      expect(closed.body.status).toBe('closed');
      const report = (await h.call('GET', `/api/reviews/${campaign.body.id}/report`)).body.items;
      const byId = new Map(report.map((i: { id: string }) => [i.id, i]));
      expect(byId.get(first.id)).toMatchObject({
        status: 'failed',
        result: 'not carried out; account disconnected, state unknown',
      });
      expect(byId.get(second.id)).toMatchObject({ status: 'not_reviewed' });
      expect((byId.get(second.id) as { result: string }).result).toContain(
        'account disconnected, state unknown',
      );
    });

    it('lets only an admin confirm held removals, answers a broken address in the envelope, and is never framed', async () => {
      const operator = (await h.seatwise.keys.create('operator', 'ops')).key;
      const held = await h.call('POST', '/api/connections/con_x/sync?confirmRemovals=true', {
        key: operator,
      });
      expect(held.status).toBe(403);
      expect(held.body.error.message).toBe(
        'confirming held removals needs the admin role; the key used has the operator role',
      );
      const broken = await h.call('GET', '/api/users/%E0%A4%A');
      expect(broken.status).toBe(400);
      expect(broken.body).toEqual({
        error: {
          code: 'bad_request',
          message: 'the address is not valid: a percent sign must start an encoded character such as %20',
        },
      });
      for (const path of ['/', '/api/connections', '/health']) {
        const res = await h.call('GET', path);
        expect(res.headers.get('x-frame-options'), path).toBe('DENY');
        expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      }
    });
  },
);

describe('e-mail', () => {
  it('requires TLS before sending anything over smtp:// to another machine, and uses it from the start with smtps://', () => {
    expect(smtpOptions('smtp://seatwise:pa%40ss@mail.acme.test:587')).toEqual({
      host: 'mail.acme.test',
      port: 587,
      secure: false,
      requireTLS: true,
      auth: { user: 'seatwise', pass: 'pa@ss' },
    });
    expect(smtpOptions('smtps://mail.acme.test')).toMatchObject({
      port: 465,
      secure: true,
      requireTLS: false,
    });
    expect(smtpOptions('smtp://127.0.0.1:2525')).toMatchObject({ requireTLS: false });
  });
});
