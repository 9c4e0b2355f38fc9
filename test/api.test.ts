import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { describeEachDialect } from './helpers/databases.ts';
import { firstSyncTeamEvents } from './helpers/teams.ts';

describeEachDialect('HTTP API (%s)', (dialect) => {
  let h: ApiHarness;
  let connectionId: string;
  const account = () => h.emulator.accounts[0]!;
  const responses: string[] = [];
  const call: ApiHarness['call'] = async (method, path, options) => {
    const res = await h.call(method, path, options);
    responses.push(res.text, JSON.stringify([...res.headers.entries()]));
    return res;
  };

  beforeAll(async () => {
    h = await startApi(dialect, { accounts: 2 });
  });
  afterAll(() => h?.close());

  describe('authentication', () => {
    it('answers /health without a key and everything else with 401 in the error envelope', async () => {
      expect(await call('GET', '/health', { key: null })).toMatchObject({
        status: 200,
        body: { status: 'ok' },
      });
      for (const [method, path] of [
        ['GET', '/api/connections'],
        ['POST', '/api/connections'],
        ['GET', '/metrics'],
        ['GET', '/openapi.json'],
        ['GET', '/docs'],
        ['GET', '/api/users'],
        ['POST', '/api/actions'],
      ] as const) {
        const res = await call(method, path, { key: null, body: method === 'POST' ? {} : undefined });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.body.error.code).toBe('unauthenticated');
      }
      const bad = await call('GET', '/api/connections', { key: 'sw_not-a-real-key' });
      expect(bad).toMatchObject({
        status: 401,
        body: { error: { code: 'unauthenticated', message: 'the API key is not valid or was revoked' } },
      });
      const malformed = await call('GET', '/api/connections', {
        key: null,
        headers: { authorization: 'Basic abc' },
      });
      expect(malformed.status).toBe(401);
    });

    it('gives viewer keys read access and 403 on admin routes', async () => {
      expect((await call('GET', '/api/connections', { key: h.viewerKey })).status).toBe(200);
      for (const [method, path, body, needs] of [
        ['POST', '/api/connections', { token: 'x' }, 'the admin role'],
        [
          'POST',
          '/api/actions',
          { action: 'invite', connectionId: 'con_x', emails: ['a@b.co'] },
          'the operator role or higher',
        ],
        ['POST', '/api/keys', { role: 'viewer' }, 'the admin role'],
        ['DELETE', '/api/connections/con_x', undefined, 'the admin role'],
        ['PATCH', '/api/connections/con_x', { permission: 'read' }, 'the admin role'],
        ['POST', '/api/connections/con_x/sync', undefined, 'the operator role or higher'],
      ] as const) {
        const res = await call(method, path, { key: h.viewerKey, body });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body.error).toMatchObject({
          code: 'forbidden',
          message: `this needs ${needs}; the key used has the viewer role`,
        });
      }
    });

    it('opens a browser session with an HttpOnly SameSite cookie and requires the CSRF token to change state', async () => {
      const opened = await call('POST', '/api/session', { key: null, body: { key: h.adminKey } });
      expect(opened.status).toBe(200);
      expect(opened.body).toMatchObject({ role: 'admin' });
      const cookie = opened.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^seatwise_session=[^;]+;/);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      // Served over plain http the cookie is not Secure; behind a proxy that says https, it is.
      expect(cookie).not.toContain('Secure');
      const viaProxy = await call('POST', '/api/session', {
        key: null,
        body: { key: h.adminKey },
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(viaProxy.headers.get('set-cookie')).toContain('Secure');
      const sessionCookie = cookie.split(';')[0]!;
      const me = await call('GET', '/api/session', { key: null, headers: { cookie: sessionCookie } });
      // After a page reload the UI gets the session's CSRF token back; a bearer key has none.
      expect(me.body).toEqual({
        kind: 'key',
        keyId: expect.any(String),
        keyName: 'test admin',
        owner: null,
        role: 'admin',
        via: 'session',
        csrfToken: opened.body.csrfToken,
        expiresAt: opened.body.expiresAt,
      });
      const byKey = await call('GET', '/api/session');
      expect(byKey.body).toEqual({
        kind: 'key',
        keyId: expect.any(String),
        keyName: 'test admin',
        owner: null,
        role: 'admin',
        via: 'key',
      });
      const noCsrf = await call('POST', '/api/keys', {
        key: null,
        headers: { cookie: sessionCookie },
        body: { role: 'viewer' },
      });
      expect(noCsrf).toMatchObject({ status: 403, body: { error: { code: 'csrf_token_invalid' } } });
      const wrongCsrf = await call('POST', '/api/keys', {
        key: null,
        headers: { cookie: sessionCookie, 'x-csrf-token': 'nope' },
        body: { role: 'viewer' },
      });
      expect(wrongCsrf.status).toBe(403);
      const withCsrf = await call('POST', '/api/keys', {
        key: null,
        headers: { cookie: sessionCookie, 'x-csrf-token': opened.body.csrfToken },
        body: { role: 'viewer', name: 'from the browser' },
      });
      expect(withCsrf.status).toBe(201);
      const out = await call('DELETE', '/api/session', {
        key: null,
        headers: { cookie: sessionCookie, 'x-csrf-token': opened.body.csrfToken },
      });
      expect(out.status).toBe(204);
      expect(
        (await call('GET', '/api/session', { key: null, headers: { cookie: sessionCookie } })).status,
      ).toBe(401);
      const badKey = await call('POST', '/api/session', { key: null, body: { key: 'sw_wrong' } });
      expect(badKey).toMatchObject({ status: 401, body: { error: { code: 'invalid_key' } } });
    });

    it('creates, lists and revokes keys; a revoked key stops working; keys are never listed', async () => {
      const created = await call('POST', '/api/keys', { body: { role: 'viewer', name: 'temp' } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ role: 'viewer', name: 'temp' });
      expect(created.body.key).toMatch(/^sw_/);
      expect((await call('GET', '/api/connections', { key: created.body.key })).status).toBe(200);
      const listed = await call('GET', '/api/keys');
      expect(listed.body.keys.find((k: any) => k.id === created.body.id)).toMatchObject({
        role: 'viewer',
        revokedAt: null,
      });
      expect(listed.text).not.toContain(created.body.key);
      expect(listed.text).not.toContain('hash');
      expect((await call('DELETE', `/api/keys/${created.body.id}`)).status).toBe(204);
      expect((await call('GET', '/api/connections', { key: created.body.key })).status).toBe(401);
      expect((await call('DELETE', `/api/keys/${created.body.id}`)).status).toBe(409);
      expect((await call('DELETE', '/api/keys/key_missing')).status).toBe(404);
      expect((await call('POST', '/api/keys', { body: { role: 'owner' } })).status).toBe(400);
    });
  });

  describe('connections, sync and runs', () => {
    it('creates a connection with live validation and returns it without tokens', async () => {
      const res = await call('POST', '/api/connections', {
        body: {
          token: account().tokens.admin,
          scimToken: account().scimToken,
          apiUrl: h.emulator.graphqlUrl,
          scimUrl: h.emulator.scimUrl,
          permission: 'read_and_act',
          accountUrl: `https://${account().slug}.monday.com`,
        },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        accountId: account().id,
        permission: 'read_and_act',
        hasScimToken: true,
        status: 'connected',
        userCount: 0,
        lastSyncedAt: null,
      });
      connectionId = res.body.id;
    });

    it('validates connection input and reports monday problems with the right status', async () => {
      expect((await call('POST', '/api/connections', { body: {} })).body.error.code).toBe('invalid_input');
      const wrongType = await call('POST', '/api/connections', { body: { token: 'x', permission: 'write' } });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.error.message).toContain('permission');
      const badToken = await call('POST', '/api/connections', {
        body: { token: 'nope', apiUrl: h.emulator.graphqlUrl },
      });
      expect(badToken).toMatchObject({ status: 400, body: { error: { code: 'invalid_token' } } });
      const duplicate = await call('POST', '/api/connections', {
        body: { token: account().tokens.member, apiUrl: h.emulator.graphqlUrl },
      });
      expect(duplicate).toMatchObject({
        status: 409,
        body: { error: { code: 'already_connected', details: { connectionId } } },
      });
      const down = await call('POST', '/api/connections', {
        body: { token: 'x', apiUrl: 'http://127.0.0.1:9/v2' },
      });
      expect(down).toMatchObject({ status: 502, body: { error: { code: 'monday_unavailable' } } });
      const oldVersion = await call('POST', '/api/connections', {
        body: { token: 'x', apiVersion: '2025-01' },
      });
      expect(oldVersion.status).toBe(400);
    });

    it('syncs on demand, lists and shows runs with their changes', async () => {
      const sync = await call('POST', `/api/connections/${connectionId}/sync`);
      expect(sync.status).toBe(201);
      // Every user added, and every team created with its members and owners.
      const changes = 200 + firstSyncTeamEvents(account());
      expect(sync.body.run).toMatchObject({
        connectionId,
        status: 'succeeded',
        usersSeen: 200,
        changes,
        complete: true,
      });
      const list = await call('GET', `/api/runs?connectionId=${connectionId}`);
      expect(list.body.runs[0].id).toBe(sync.body.run.id);
      const one = await call('GET', `/api/runs/${sync.body.run.id}`);
      expect(one.body.changes).toBe(changes);
      expect(one.body.events).toBeUndefined();
      // The run's events, paged in order: a page of 150 and the rest, every user added once.
      const first = await call('GET', `/api/runs/${sync.body.run.id}/events?limit=150`);
      expect(first.body.events).toHaveLength(150);
      expect(first.body.events[0]).toMatchObject({ kind: 'added' });
      const second = await call(
        'GET',
        `/api/runs/${sync.body.run.id}/events?limit=1000&cursor=${first.body.nextCursor}`,
      );
      expect(second.body.events).toHaveLength(changes - 150);
      expect(second.body.nextCursor).toBeNull();
      const ids = [...first.body.events, ...second.body.events].map((e: any) => e.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      const added = [...first.body.events, ...second.body.events].filter((e: any) => e.kind === 'added');
      expect(new Set(added.map((e: any) => e.userId)).size).toBe(200);
      expect(added).toHaveLength(200);
      expect((await call('GET', `/api/runs/${sync.body.run.id}/events?cursor=abc`)).status).toBe(400);
      expect((await call('GET', '/api/runs/run_missing')).status).toBe(404);
      expect((await call('POST', '/api/connections/con_missing/sync')).status).toBe(404);
      expect((await call('GET', '/api/runs?limit=0')).status).toBe(400);
      const connection = await call('GET', `/api/connections/${connectionId}`);
      expect(connection.body).toMatchObject({ status: 'connected', userCount: 200 });
      expect(connection.body.lastSyncedAt).not.toBeNull();
    });

    it('starts a sync in the background with wait=false and answers 202 with the running run', async () => {
      h.emulator.setFaults({ latencyMs: 150, surfaces: ['graphql'] });
      try {
        const res = await call('POST', `/api/connections/${connectionId}/sync?wait=false`);
        expect(res.status).toBe(202);
        expect(res.body.run).toMatchObject({ connectionId, status: 'running', trigger: 'api' });
        expect(res.headers.get('location')).toBe(`/api/runs/${res.body.run.id}`);
        const busy = await call('POST', `/api/connections/${connectionId}/sync?wait=false`);
        expect(busy).toMatchObject({ status: 409, body: { error: { code: 'sync_in_progress' } } });
        await h.seatwise.sync.drain();
        const done = await call('GET', `/api/runs/${res.body.run.id}`);
        expect(done.body).toMatchObject({ status: 'succeeded', usersSeen: 200, changes: 0 });
      } finally {
        h.emulator.setFaults({});
      }
      expect((await call('POST', '/api/connections/con_missing/sync?wait=false')).status).toBe(404);
    });

    it('reports a failed sync with 502 in the error envelope, naming the run', async () => {
      h.emulator.setFaults({ serverErrorRate: 1, surfaces: ['graphql'] });
      try {
        const res = await call('POST', `/api/connections/${connectionId}/sync`);
        expect(res.status).toBe(502);
        expect(Object.keys(res.body)).toEqual(['error']);
        expect(res.body.error).toMatchObject({
          code: 'sync_failed',
          details: { mondayCode: 'INTERNAL_SERVER_ERROR' },
        });
        expect(res.body.error.message).toMatch(/^the sync failed and the stored users are unchanged: /);
        const run = await call('GET', `/api/runs/${res.body.error.details.runId}`);
        expect(run.body).toMatchObject({ status: 'failed', error: { code: 'INTERNAL_SERVER_ERROR' } });
      } finally {
        h.emulator.setFaults({});
      }
      const connection = await call('GET', `/api/connections/${connectionId}`);
      expect(connection.body).toMatchObject({ status: 'error', userCount: 200 });
      expect((await call('POST', `/api/connections/${connectionId}/sync`)).status).toBe(201);
    });

    it('lists, gets, updates and deletes connections, with 404s', async () => {
      const list = await call('GET', '/api/connections', { key: h.viewerKey });
      expect(list.body.connections.map((c: any) => c.id)).toEqual([connectionId]);
      expect((await call('GET', '/api/connections/con_missing')).status).toBe(404);
      const patched = await call('PATCH', `/api/connections/${connectionId}`, {
        body: { permission: 'read' },
      });
      expect(patched.body.permission).toBe('read');
      expect((await call('PATCH', `/api/connections/${connectionId}`, { body: {} })).status).toBe(400);
      expect(
        (await call('PATCH', `/api/connections/${connectionId}`, { body: { permission: 'read_and_act' } }))
          .body.permission,
      ).toBe('read_and_act');
      const other = h.emulator.accounts[1]!;
      const second = await call('POST', '/api/connections', {
        body: { token: other.tokens.admin, apiUrl: h.emulator.graphqlUrl },
      });
      expect((await call('DELETE', `/api/connections/${second.body.id}`)).status).toBe(204);
      expect((await call('GET', `/api/connections/${second.body.id}`)).status).toBe(404);
      expect((await call('DELETE', `/api/connections/${second.body.id}`)).status).toBe(404);
    });

    it('answers 404 connection_not_found for an unknown connection on every route that names one', async () => {
      const missing = 'con_missing';
      const routes: [string, string, unknown?][] = [
        ['GET', `/api/connections/${missing}`],
        ['PATCH', `/api/connections/${missing}`, { permission: 'read' }],
        ['DELETE', `/api/connections/${missing}`],
        ['GET', `/api/connections/${missing}/capabilities`],
        ['POST', `/api/connections/${missing}/sync`],
        ['POST', `/api/connections/${missing}/sync?wait=false`],
        ['GET', `/api/runs?connectionId=${missing}`],
        ['GET', `/api/users?connectionId=${missing}`],
        ['GET', `/api/users?connectionId=${missing}&format=csv`],
        ['GET', `/api/users/${missing}/123`],
        ['GET', `/api/insights?connectionId=${missing}`],
        ['GET', `/api/audit?connectionId=${missing}`],
        ['POST', '/api/actions', { action: 'invite', connectionId: missing, emails: ['a@b.co'] }],
        ['POST', '/api/actions/plan', { action: 'invite', connectionId: missing, emails: ['a@b.co'] }],
      ];
      for (const [method, path, body] of routes) {
        const res = await call(method, path, body === undefined ? {} : { body });
        expect({ route: `${method} ${path}`, status: res.status, code: res.body?.error?.code }).toEqual({
          route: `${method} ${path}`,
          status: 404,
          code: 'connection_not_found',
        });
      }
    });
  });

  describe('users, capabilities, actions, audit, insights', () => {
    it('filters, sorts and pages users with a cursor, and exports CSV', async () => {
      const all: any[] = [];
      let cursor: string | null = null;
      do {
        const res: any = await call(
          'GET',
          `/api/users?connectionId=${connectionId}&sort=email&order=desc&limit=70&total=true${cursor ? `&cursor=${cursor}` : ''}`,
          { key: h.viewerKey },
        );
        expect(res.status).toBe(200);
        expect(res.body.total).toBe(200);
        all.push(...res.body.users);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(all).toHaveLength(200);
      expect(new Set(all.map((u) => u.id)).size).toBe(200);
      const emails = all.map((u) => u.email);
      expect(emails).toEqual([...emails].sort().reverse());
      const viewers = await call('GET', '/api/users?role=viewer&status=active');
      expect(viewers.body.users.every((u: any) => u.role === 'viewer' && u.license === 'viewer')).toBe(true);
      const inactive = await call('GET', '/api/users?inactiveDays=90&license=member');
      expect(
        inactive.body.users.every(
          (u: any) =>
            u.license === 'member' &&
            Date.parse(u.lastActivityAt ?? u.createdAt) < Date.now() - 90 * 86_400_000,
        ),
      ).toBe(true);
      const csv = await call('GET', `/api/users?format=csv&search=${encodeURIComponent(all[0].email)}`);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      expect(csv.text.split('\n')[0]).toBe(
        'account,connectionId,id,name,email,title,role,kind,status,license,lastActivityAt,createdAt,scimLinked',
      );
      expect(csv.text).toContain(all[0].email);
      expect((await call('GET', '/api/users?role=owner')).status).toBe(400);
      expect((await call('GET', '/api/users?cursor=garbage')).body.error.code).toBe('invalid_cursor');
      // A page never counts unless asked; a cursor only continues the query it came from.
      const plain = await call('GET', `/api/users?connectionId=${connectionId}&limit=10`);
      expect(plain.body.total).toBeUndefined();
      expect(plain.body.nextCursor).toEqual(expect.any(String));
      const otherSort = await call(
        'GET',
        `/api/users?connectionId=${connectionId}&limit=10&sort=email&cursor=${plain.body.nextCursor}`,
      );
      expect(otherSort.body.error.code).toBe('invalid_cursor');
      const unlicensed = await call('GET', `/api/users?connectionId=${connectionId}&license=none&limit=1000`);
      expect(unlicensed.body.users.length).toBeGreaterThan(0);
      expect(unlicensed.body.users.every((u: any) => u.license === null)).toBe(true);
      expect(unlicensed.body.users.length).toBe(all.filter((u) => u.license === null).length);
      // Several licenses at once (the dashboard's "Guests and viewers"): any of them.
      const free = await call(
        'GET',
        `/api/users?connectionId=${connectionId}&license=guest,viewer&limit=1000`,
      );
      expect(free.status).toBe(200);
      expect(free.body.users.map((u: any) => u.id).sort()).toEqual(
        all
          .filter((u) => u.license === 'guest' || u.license === 'viewer')
          .map((u) => u.id)
          .sort(),
      );
      const both = await call(
        'GET',
        `/api/users?connectionId=${connectionId}&license=viewer,none&limit=1000`,
      );
      expect(both.body.users.length).toBe(
        all.filter((u) => u.license === 'viewer' || u.license === null).length,
      );
      const bad = await call('GET', `/api/users?connectionId=${connectionId}&license=guest,boss`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('must be member, viewer, guest, none, or several of them');
      expect((await call('GET', '/api/users?connectionId=con_missing')).status).toBe(404);
    });

    it('shows one user with history and the license explanation', async () => {
      const user = account().users.find((u, i) => i > 2 && u.kind === 'member' && u.status === 'ACTIVE')!;
      const res = await call('GET', `/api/users/${connectionId}/${user.id}`);
      expect(res.body).toMatchObject({
        id: user.id,
        role: 'member',
        license: 'member',
        explanation: 'member seat: kind=member, status=active',
      });
      expect(res.body.history[0].kind).toBe('added');
      expect((await call('GET', `/api/users/${connectionId}/1`)).status).toBe(404);
    });

    it('serves the capabilities table', async () => {
      const res = await call('GET', `/api/connections/${connectionId}/capabilities`, { key: h.viewerKey });
      expect(res.body.actions.map((a: any) => [a.id, a.available])).toEqual([
        ['create:scim', true],
        ['deactivate:scim', true],
        ['deactivate:graphql', true],
        ['invite:graphql', true],
        ['set_role:graphql', true],
        ['reactivate:graphql', true],
        ['add_to_team:graphql', true],
        ['add_to_team:scim', true],
        ['remove_from_team:graphql', true],
        ['remove_from_team:scim', true],
      ]);
      expect((await call('GET', '/api/connections/con_missing/capabilities')).status).toBe(404);
    });

    it('plans and executes actions, honouring the Idempotency-Key header', async () => {
      const user = account().users.find((u, i) => i > 2 && u.kind === 'member' && u.status === 'ACTIVE')!;
      const body = { action: 'set_role', connectionId, targets: [{ userId: user.id }], role: 'viewer' };
      const plan = await call('POST', '/api/actions/plan', { body });
      expect(plan.body).toMatchObject({ outcome: 'planned', dryRun: true, plan: [{ outcome: 'change' }] });
      expect(user.kind).toBe('member');
      const run = await call('POST', '/api/actions', { body, headers: { 'idempotency-key': 'http-1' } });
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({
        outcome: 'succeeded',
        idempotencyKey: 'http-1',
        summary: { changed: 1 },
      });
      expect(user.kind).toBe('view_only');
      const again = await call('POST', '/api/actions', { body, headers: { 'idempotency-key': 'http-1' } });
      expect(again.body).toMatchObject({ replayed: true, results: run.body.results });
      const other = await call('POST', '/api/actions', {
        body: { ...body, role: 'guest' },
        headers: { 'idempotency-key': 'http-1' },
      });
      expect(other).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_reused' } } });
      const detail = await call('GET', `/api/users/${connectionId}/${user.id}`);
      expect(detail.body).toMatchObject({ role: 'viewer', license: 'viewer' });
      // The history names who made the change: the action's audit entry and whoever ran it.
      const entry = (await call('GET', '/api/audit?limit=1000')).body.entries.find(
        (e: { id: number }) => e.id === run.body.auditId,
      );
      expect(entry).toBeDefined();
      const made = detail.body.history.filter((e: { kind: string }) => e.kind === 'role_changed');
      expect(made.at(-1)).toMatchObject({
        runId: null,
        auditId: run.body.auditId,
        by: entry.actor,
        byName: entry.actorName,
        after: 'viewer',
      });
      expect(
        detail.body.history
          .filter((e: { auditId: number | null }) => e.auditId !== null)
          .map((e: { kind: string }) => e.kind)
          .sort(),
      ).toEqual(['license_changed', 'role_changed']);
    });

    it('refuses actions on a read connection with 403, unavailable ones with 422, bad ones with 400', async () => {
      await call('PATCH', `/api/connections/${connectionId}`, { body: { permission: 'read' } });
      const readOnly = await call('POST', '/api/actions', {
        body: { action: 'invite', connectionId, emails: ['a@b.co'] },
      });
      expect(readOnly).toMatchObject({ status: 403, body: { error: { code: 'read_only_connection' } } });
      expect(readOnly.body.error.message).toContain('"read"');
      await call('PATCH', `/api/connections/${connectionId}`, {
        body: { permission: 'read_and_act', scimToken: null },
      });
      const noScim = await call('POST', '/api/actions', {
        body: { action: 'create', connectionId, email: 'a@b.co', name: 'A' },
      });
      expect(noScim).toMatchObject({
        status: 422,
        body: {
          error: {
            code: 'action_unavailable',
            details: { reasons: ['the connection has no SCIM token; add one to the connection'] },
          },
        },
      });
      expect(
        (await call('POST', '/api/actions', { body: { action: 'invite', connectionId, emails: ['bad'] } }))
          .status,
      ).toBe(400);
      expect((await call('POST', '/api/actions', { body: { action: 'explode', connectionId } })).status).toBe(
        400,
      );
      const unknownUser = await call('POST', '/api/actions', {
        body: { action: 'reactivate', connectionId, targets: [{ userId: '42' }] },
      });
      expect(unknownUser).toMatchObject({ status: 404, body: { error: { code: 'unknown_users' } } });
      expect(
        (
          await call('POST', '/api/actions', {
            body: { action: 'reactivate', connectionId: 'con_missing', targets: [{ userId: '42' }] },
          })
        ).status,
      ).toBe(404);
    });

    it('lists the audit log with filters', async () => {
      const res = await call('GET', `/api/audit?connectionId=${connectionId}&action=set_role`, {
        key: h.viewerKey,
      });
      expect(res.body.entries.length).toBeGreaterThanOrEqual(3);
      expect(
        res.body.entries.every((e: any) => e.action === 'set_role' && e.connectionId === connectionId),
      ).toBe(true);
      expect(res.body.entries.some((e: any) => e.actor.startsWith('api-key:key_'))).toBe(true);
      expect((await call('GET', '/api/audit?action=nuke')).status).toBe(400);
    });

    it('serves insights: seats used vs the plan, inactive paid seats, invites, guests, viewers', async () => {
      const res = await call('GET', `/api/insights?connectionId=${connectionId}`);
      const [insights] = res.body.connections;
      const users = (await call('GET', `/api/users?connectionId=${connectionId}&limit=1000`)).body.users;
      // Users that are not people (agents, service and portal users) are counted apart from everyone else.
      const people = users.filter((u: any) => u.role !== 'other');
      expect(insights.users).toBe(people.length);
      expect(insights.notPeople).toBe(users.length - people.length);
      const memberSeats = users.filter((u: any) => u.license === 'member').length;
      expect(insights.seats).toMatchObject({
        memberSeats,
        // Guests are free on Enterprise: every paid seat is a member seat.
        billedGuests: 0,
        paid: memberSeats,
        planMax: 150,
        available: 150 - memberSeats,
        viewer: users.filter((u: any) => u.license === 'viewer').length,
        guest: users.filter((u: any) => u.license === 'guest').length,
      });
      expect(insights.pendingInvites).toBe(users.filter((u: any) => u.status === 'pending').length);
      // Never active, and joined more than the 90 days ago (a new hire is not inactive yet).
      expect(insights.inactiveNeverActive).toBe(
        users.filter(
          (u: any) =>
            u.license === 'member' &&
            !u.lastActivityAt &&
            Date.now() - Date.parse(u.createdAt) > 90 * 86_400_000,
        ).length,
      );
      expect(insights.inactiveDays).toBe(90);
      expect(insights.monthlyWaste).toBeNull();
    });

    it('exposes Prometheus metrics for syncs, actions and monday requests', async () => {
      const res = await call('GET', '/metrics', { key: h.viewerKey });
      expect(res.headers.get('content-type')).toContain('text/plain');
      expect(res.text).toMatch(/seatwise_syncs_total\{outcome="succeeded"\} [1-9]/);
      expect(res.text).toMatch(/seatwise_syncs_total\{outcome="failed"\} 1/);
      expect(res.text).toMatch(/seatwise_actions_total\{action="set_role",outcome="succeeded"\} [1-9]/);
      expect(res.text).toMatch(/seatwise_monday_requests_total\{channel="graphql"\} [1-9]/);
      expect(res.text).toContain('seatwise_rate_limit_waits_total');
      // Process metrics carry the prefix once.
      expect(res.text).toMatch(/^seatwise_process_cpu_user_seconds_total /m);
      expect(res.text).toMatch(/^seatwise_nodejs_heap_size_used_bytes /m);
      expect(res.text).not.toContain('seatwise_process_process_');
    });
  });

  describe('documents and secrets', () => {
    it('serves a valid OpenAPI 3 document listing every route, and a browsable reference', async () => {
      const { validate } = await import('@readme/openapi-parser');
      const doc = (await call('GET', '/openapi.json')).body;
      expect(doc.openapi).toMatch(/^3\./);
      const result = await validate(structuredClone(doc));
      expect(result.valid, JSON.stringify(result)).toBe(true);
      const listed = Object.entries(doc.paths)
        .flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`))
        .sort();
      expect(listed).toEqual(
        [
          'GET /health',
          'GET /metrics',
          'POST /api/session',
          'GET /api/session',
          'DELETE /api/session',
          'POST /api/connections',
          'POST /api/connections/{id}/service-users/{serviceUserId}/revoke-tokens',
          'GET /api/connections',
          'GET /api/connections/{id}',
          'PATCH /api/connections/{id}',
          'DELETE /api/connections/{id}',
          'GET /api/connections/{id}/capabilities',
          'POST /api/connections/{id}/sync',
          'GET /api/runs',
          'GET /api/runs/{id}',
          'GET /api/runs/{id}/events',
          'GET /api/connections/{id}/held-removals',
          'GET /api/users',
          'GET /api/users/{connectionId}/{userId}',
          'GET /api/teams',
          'GET /api/teams/{connectionId}/{teamId}',
          'POST /api/actions',
          'POST /api/actions/jobs',
          'POST /api/actions/plan',
          'GET /api/jobs/{id}',
          'POST /api/offboardings',
          'GET /api/offboardings',
          'GET /api/offboardings/{id}',
          'POST /api/offboardings/{id}/resume',
          'GET /api/offboardings/{id}/receipt',
          'GET /api/audit',
          'GET /api/insights',
          'GET /api/insights/activity',
          'GET /api/insights/across',
          'GET /api/insights/trends',
          'GET /api/settings',
          'PUT /api/settings',
          'GET /api/insights/right-sizing',
          'POST /api/insights/right-sizing/{id}/proposals',
          'GET /api/insights/teams',
          'GET /api/connections/{id}/seat-plan',
          'GET /api/connections/{id}/service-users',
          'PUT /api/connections/{id}/seat-plan',
          'GET /api/settings/seat-buckets',
          'PUT /api/settings/seat-buckets',
          'GET /api/policies',
          'POST /api/policies',
          'DELETE /api/policies/{id}',
          'GET /api/policies/{id}/preview',
          'POST /api/policies/{id}/evaluate',
          'GET /api/proposals',
          'POST /api/proposals/approve',
          'POST /api/proposals/reject',
          'POST /api/demo',
          'POST /api/keys',
          'GET /api/keys',
          'DELETE /api/keys/{id}',
          'GET /api/people',
          'POST /api/people',
          'PATCH /api/people/{id}',
          'POST /api/reviews',
          'GET /api/reviews',
          'GET /api/reviews/inbox',
          'GET /api/reviews/{id}',
          'GET /api/reviews/{id}/items',
          'POST /api/reviews/{id}/decisions',
          'POST /api/reviews/{id}/submit',
          'POST /api/reviews/{id}/reassign',
          'POST /api/reviews/{id}/approve',
          'POST /api/reviews/{id}/retry',
          'POST /api/reviews/{id}/close',
          'GET /api/reviews/{id}/report',
          'GET /api/auth/config',
          'GET /api/auth/oidc/login',
          'GET /api/auth/oidc/callback',
        ].sort(),
      );
      const docs = await call('GET', '/docs', { key: h.viewerKey });
      expect(docs.status).toBe(200);
      expect(docs.text).toContain('swagger-ui');
    });

    it('never returns or logs a monday token or an API key after creation', async () => {
      const secrets = [
        ...h.emulator.accounts.flatMap((a) => [a.tokens.admin, a.tokens.member, a.scimToken!]),
        h.adminKey,
        h.viewerKey,
      ];
      const logs = h.logs.join('');
      expect(logs.length).toBeGreaterThan(1000);
      for (const secret of secrets) {
        expect(logs.includes(secret), 'logs').toBe(false);
        expect(
          responses.some((r) => r.includes(secret)),
          'responses',
        ).toBe(false);
      }
    });
  });
});
