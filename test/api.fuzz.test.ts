import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApi } from './helpers/api.ts';

const injections = [
  "' OR 1=1 --",
  '"; DROP TABLE connections; --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '{{7*7}}',
  '\u0000',
  '%00',
  '{"$gt":""}',
  '__proto__',
  'constructor',
];

describe('HTTP API under hostile input', () => {
  let h: ApiHarness;
  let connectionId: string;
  beforeAll(async () => {
    h = await startApi('sqlite', { users: 50 });
    const account = h.emulator.accounts[0]!;
    connectionId = (
      await h.call('POST', '/api/connections', {
        body: { token: account.tokens.admin, apiUrl: h.emulator.graphqlUrl, permission: 'read_and_act' },
      })
    ).body.id;
    await h.call('POST', `/api/connections/${connectionId}/sync`);
  });
  afterAll(() => h?.close());

  const expectEnvelope = (res: { status: number; body: any }, context: string) => {
    expect(res.status, context).toBeGreaterThanOrEqual(400);
    expect(res.status, context).toBeLessThan(500);
    expect(typeof res.body?.error?.code, context).toBe('string');
    expect(typeof res.body?.error?.message, context).toBe('string');
  };

  const anyJson = fc.oneof(
    fc.jsonValue(),
    fc.dictionary(
      fc.constantFrom(
        'token',
        'action',
        'connectionId',
        'targets',
        'emails',
        'role',
        'permission',
        'email',
        'name',
        '__proto__',
        'constructor',
      ),
      fc.oneof(fc.jsonValue(), fc.constantFrom(...injections)),
    ),
  );

  it('answers malformed and wrongly typed bodies with a 4xx envelope, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/api/connections',
          '/api/actions',
          '/api/actions/plan',
          '/api/keys',
          '/api/session',
          `/api/connections/${connectionId}`,
        ),
        anyJson,
        async (path, body) => {
          const method = path === `/api/connections/${connectionId}` ? 'PATCH' : 'POST';
          const res = await h.call(method, path, {
            key: path === '/api/session' ? null : h.adminKey,
            rawBody: JSON.stringify(body),
          });
          if (res.status < 400) return; // a body that happens to be valid is fine
          expectEnvelope(res, `${method} ${path} ${JSON.stringify(body)}`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers broken JSON, oversize bodies and wrong content types with a 4xx envelope', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
        fc.pre(
          !(() => {
            try {
              JSON.parse(text);
              return true;
            } catch {
              return false;
            }
          })(),
        );
        expectEnvelope(
          await h.call('POST', '/api/actions', { rawBody: text }),
          `body ${JSON.stringify(text)}`,
        );
      }),
      { numRuns: 100 },
    );
    const huge = await h.call('POST', '/api/connections', {
      rawBody: JSON.stringify({ token: 'x'.repeat(200_000) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
    const xml = await h.call('POST', '/api/connections', {
      rawBody: '<token/>',
      headers: { 'content-type': 'application/xml' },
    });
    expectEnvelope(xml, 'xml');
    const proto = await h.call('POST', '/api/connections', {
      rawBody: '{"__proto__":{"admin":true},"token":"x"}',
    });
    expectEnvelope(proto, 'proto');
  });

  it('answers hostile query strings and path parameters with a 4xx envelope or a normal answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'connectionId',
          'role',
          'status',
          'license',
          'inactiveDays',
          'search',
          'sort',
          'order',
          'limit',
          'cursor',
          'format',
        ),
        fc.oneof(fc.string({ maxLength: 100 }), fc.constantFrom(...injections), fc.integer().map(String)),
        async (name, value) => {
          const res = await h.call('GET', `/api/users?${name}=${encodeURIComponent(value)}`);
          if (res.status === 200) {
            if (name === 'search') expect(Array.isArray(res.body.users)).toBe(true);
            return;
          }
          expectEnvelope(res, `${name}=${value}`);
        },
      ),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.constantFrom(...injections)),
        async (id) => {
          for (const path of [
            `/api/connections/${encodeURIComponent(id)}`,
            `/api/runs/${encodeURIComponent(id)}`,
            `/api/users/${encodeURIComponent(id)}/${encodeURIComponent(id)}`,
          ]) {
            const res = await h.call('GET', path);
            expectEnvelope(res, path);
          }
        },
      ),
      { numRuns: 100 },
    );
    // The data survived every attempt.
    const list = await h.call('GET', '/api/connections');
    expect(list.body.connections.map((c: any) => c.id)).toEqual([connectionId]);
    expect(
      (await h.call('GET', `/api/users?connectionId=${connectionId}&limit=1000&total=true`)).body.total,
    ).toBe(50);
  });
});
