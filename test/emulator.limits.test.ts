import { afterEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { gql } from './helpers/emulator.ts';

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function clock(start = Date.UTC(2026, 10, 29, 12, 0, 0)) {
  const c = { t: start, now: () => c.t };
  return c;
}

const PAGE = '{ users(limit: 1000, page: 1) { id name email } }';

describe('emulator rate limits', () => {
  it("charges monday's published weights: 1 a scalar, 10 an object, a list times its limit, a mutation 10,000 and up", async () => {
    emulator = await startEmulator({ users: 50 });
    const token = emulator.accounts[0]!.tokens.admin;
    const cost = async (document: string) =>
      (await gql<any>(emulator!, token, document)).body.data.complexity.query as number;
    // A sync's page: 1,000 users × the fields asked for, plus the list and the complexity object themselves.
    expect(await cost('{ complexity { query } users(limit: 1000) { id name email kind status } }')).toBe(
      10 + 1 + 10 + 1000 * 5,
    );
    expect(await cost('{ complexity { query } users(limit: 1000) { id account { id } } }')).toBe(
      10 + 1 + 10 + 1000 * (1 + 10 + 1),
    );
    const mutation = await cost(
      'mutation { complexity { query } deactivate_users(user_ids: [1]) { errors { code } } }',
    );
    expect(mutation).toBeGreaterThanOrEqual(10_000);
  });

  it('charges complexity per query and reports it in the complexity field', async () => {
    emulator = await startEmulator({ users: 50 });
    const token = emulator.accounts[0]!.tokens.admin;
    const a = await gql<any>(
      emulator,
      token,
      '{ complexity { before after query } users(limit: 10) { id } }',
    );
    const b = await gql<any>(
      emulator,
      token,
      '{ complexity { before after query } users(limit: 20) { id } }',
    );
    expect(a.body.data.complexity.query).toBeGreaterThan(10);
    expect(b.body.data.complexity.query).toBeGreaterThan(a.body.data.complexity.query);
    expect(b.body.data.complexity.before).toBe(a.body.data.complexity.after);
  });

  it('refuses a query over the per-minute budget with COMPLEXITY_BUDGET_EXHAUSTED and retry_in_seconds, then recovers after the window', async () => {
    const c = clock();
    emulator = await startEmulator({ users: 50, now: c.now, limits: { complexityPerMinute: 5000 } });
    const token = emulator.accounts[0]!.tokens.admin;
    const ok = await gql(emulator, token, PAGE);
    expect(ok.status).toBe(200);
    c.t += 20_000;
    const refused = await gql(emulator, token, PAGE);
    expect(refused.status).toBe(429);
    expect(refused.body.errors![0].extensions).toMatchObject({
      code: 'COMPLEXITY_BUDGET_EXHAUSTED',
      retry_in_seconds: 40,
    });
    expect(refused.headers.get('retry-after')).toBe('40');
    expect(refused.body.data).toBeUndefined();
    c.t += 40_000;
    const again = await gql(emulator, token, PAGE);
    expect(again.status).toBe(200);
  });

  it('refuses a single query above the maximum complexity without charging the budget', async () => {
    emulator = await startEmulator({ users: 10, limits: { maxQueryComplexity: 100 } });
    const token = emulator.accounts[0]!.tokens.admin;
    const res = await gql(emulator, token, PAGE);
    expect(res.body.errors![0].extensions.code).toBe('maxComplexityExceeded');
    const small = await gql<any>(emulator, token, '{ complexity { before } }');
    expect(small.body.data.complexity.before).toBe(10_000_000);
  });

  it('refuses requests over the minute limit with 429 RATE_LIMIT_EXCEEDED and Retry-After', async () => {
    const c = clock();
    emulator = await startEmulator({ users: 10, now: c.now, limits: { requestsPerMinute: 3 } });
    const token = emulator.accounts[0]!.tokens.admin;
    for (let i = 0; i < 3; i++) expect((await gql(emulator, token, '{ me { id } }')).status).toBe(200);
    c.t += 15_000;
    const refused = await gql(emulator, token, '{ me { id } }');
    expect(refused.status).toBe(429);
    expect(refused.body.errors![0]).toMatchObject({
      message: 'Minute limit rate exceeded',
      extensions: { code: 'RATE_LIMIT_EXCEEDED', retry_in_seconds: 45 },
    });
    expect(refused.headers.get('retry-after')).toBe('45');
    expect(refused.headers.get('ratelimit')).toContain('"minuteRate";r=0;t=45');
    c.t += 45_000;
    expect((await gql(emulator, token, '{ me { id } }')).status).toBe(200);
  });

  it('refuses requests over the concurrency limit with maxConcurrencyExceeded', async () => {
    emulator = await startEmulator({ users: 10, latencyMs: 300, limits: { concurrency: 2 } });
    const token = emulator.accounts[0]!.tokens.admin;
    const results = await Promise.all([1, 2, 3, 4].map(() => gql(emulator!, token, '{ me { id } }')));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429]);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.body.errors![0].extensions).toMatchObject({
      code: 'maxConcurrencyExceeded',
      retry_in_seconds: 1,
    });
    expect(refused.headers.get('retry-after')).toBe('1');
  });

  it('refuses calls over the daily limit until 00:00 UTC with DAILY_LIMIT_EXCEEDED', async () => {
    const c = clock(Date.UTC(2026, 10, 29, 23, 0, 0));
    emulator = await startEmulator({ users: 10, now: c.now, limits: { dailyCalls: 2 } });
    const token = emulator.accounts[0]!.tokens.admin;
    expect((await gql(emulator, token, '{ me { id } }')).status).toBe(200);
    expect((await gql(emulator, token, '{ me { id } }')).status).toBe(200);
    const refused = await gql(emulator, token, '{ me { id } }');
    expect(refused.status).toBe(429);
    expect(refused.body.errors![0].extensions).toMatchObject({
      code: 'DAILY_LIMIT_EXCEEDED',
      retry_in_seconds: 3600,
    });
    c.t = Date.UTC(2026, 10, 30, 0, 0, 1);
    expect((await gql(emulator, token, '{ me { id } }')).status).toBe(200);
  });

  it('counts a standalone complexity query as a tenth of a call', async () => {
    emulator = await startEmulator({ users: 10 });
    const token = emulator.accounts[0]!.tokens.admin;
    for (let i = 0; i < 10; i++) await gql(emulator, token, '{ complexity { before } }');
    await gql(emulator, token, '{ me { id } }');
    expect(emulator.state.limiter(emulator.accounts[0]!).dailyUsed()).toBeCloseTo(2, 5);
  });

  it('uses the plan limits by default and sends RateLimit-Policy and RateLimit headers', async () => {
    emulator = await startEmulator({ users: 10, plan: 'pro' });
    const res = await gql(emulator, emulator.accounts[0]!.tokens.admin, '{ me { id } }');
    expect(res.headers.get('ratelimit-policy')).toBe(
      '"minuteRate";q=2500;w=60, "concurrency";q=100;qu="concurrent-requests", "complexityMinute";q=10000000;w=60;qu="content-bytes"',
    );
    expect(res.headers.get('ratelimit')).toMatch(
      /^"minuteRate";r=2499, "concurrency";r=99, "complexityMinute";r=\d+;t=\d+$/,
    );
  });

  it('keeps each account on its own budget', async () => {
    emulator = await startEmulator({ users: 10, accounts: 2, limits: { requestsPerMinute: 1 } });
    const [a, b] = emulator.accounts;
    expect((await gql(emulator, a!.tokens.admin, '{ me { id } }')).status).toBe(200);
    expect((await gql(emulator, a!.tokens.admin, '{ me { id } }')).status).toBe(429);
    expect((await gql(emulator, b!.tokens.admin, '{ me { id } }')).status).toBe(200);
  });
});
