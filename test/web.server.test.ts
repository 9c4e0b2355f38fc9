import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityBuckets } from '../src/domain/insights.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';

const DAY = 86_400_000;

describe('what the web UI relies on', () => {
  let h: ApiHarness;
  let connectionId: string;
  beforeAll(async () => {
    h = await startApi('sqlite', { users: 400, seed: 88 });
    const account = h.emulator.accounts[0]!;
    connectionId = (
      await h.call('POST', '/api/connections', {
        body: { token: account.tokens.admin, apiUrl: h.emulator.graphqlUrl, permission: 'read_and_act' },
      })
    ).body.id;
    expect((await h.call('POST', `/api/connections/${connectionId}/sync`)).status).toBe(201);
  });
  afterAll(() => h?.close());

  it('serves the page at / and at every UI path without a key, and keeps API paths behind one', async () => {
    for (const path of ['/', '/users', '/connections/con_x/capabilities', '/dashboard']) {
      const page = await fetch(`${h.url}${path}`);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type'), path).toContain('text/html');
      expect(await page.text(), path).toContain('<title>Seatwise</title>');
    }
    expect((await fetch(`${h.url}/api/nothing-here`)).status).toBe(401);
    const unknown = await h.call('GET', '/api/nothing-here');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await fetch(`${h.url}/assets/missing.js`)).status).toBe(404);
  });

  it('counts active people by last activity, as an independent count of monday data says', async () => {
    const res = await h.call('GET', `/api/insights/activity?connectionId=${connectionId}`, {
      key: h.viewerKey,
    });
    expect(res.status).toBe(200);
    expect(res.body.buckets.map((b: { key: string }) => b.key)).toEqual(activityBuckets.map((b) => b.key));
    const now = Date.now();
    const people = h.emulator.accounts[0]!.users.filter(
      (u) => u.status === 'ACTIVE' && ['admin', 'member', 'view_only', 'guest'].includes(u.kind),
    );
    const expected = activityBuckets.map((bucket) => ({
      key: bucket.key,
      count: people.filter((u) => {
        if (bucket.key === 'never') return u.lastActivity === null;
        if (u.lastActivity === null) return false;
        const age = (now - u.lastActivity.getTime()) / DAY;
        return age >= bucket.fromDays! && (bucket.toDays === null || age < bucket.toDays);
      }).length,
    }));
    expect(
      res.body.buckets.map((b: { key: string; count: number }) => ({ key: b.key, count: b.count })),
    ).toEqual(expected);
    expect(expected.reduce((n, b) => n + b.count, 0)).toBe(people.length);
    expect((await h.call('GET', '/api/insights/activity?connectionId=con_missing')).status).toBe(404);
  });

  it('starts the demo account once: the emulator in this process, connected with SCIM, and synced', async () => {
    const first = await h.call('POST', '/api/demo');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      permission: 'read_and_act',
      hasScimToken: true,
      planTier: 'enterprise',
    });
    const again = await h.call('POST', '/api/demo');
    expect(again.body.id).toBe(first.body.id);
    expect((await h.call('POST', '/api/demo', { key: h.viewerKey })).status).toBe(403);
    // Its first sync was started: wait for it, then the copy holds the demo's users.
    let connection = first.body;
    for (let i = 0; i < 100 && !connection.lastSyncedAt; i++) {
      await new Promise((r) => setTimeout(r, 100));
      connection = (await h.call('GET', `/api/connections/${first.body.id}`)).body;
    }
    expect(connection).toMatchObject({ status: 'connected', userCount: 500 });
    const caps = await h.call('GET', `/api/connections/${first.body.id}/capabilities`);
    expect(caps.body.actions.every((a: { available: boolean }) => a.available)).toBe(true);
  });
});
