import { afterEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { GraphqlClient } from '../src/monday/graphqlClient.ts';
import { MondayApi } from '../src/monday/mondayApi.ts';
import { errorFromBody, MondayError } from '../src/monday/mondayError.ts';
import { INVITE_USERS, ME_AND_ACCOUNT, USERS_PAGE_2026_10 } from '../src/monday/operations.ts';
import { RequestBudget } from '../src/monday/requestBudget.ts';
import { gql } from './helpers/emulator.ts';

const noHeaders = { retryAfter: null, requestId: null };

describe('monday error classification', () => {
  it('reads the unified format: code, retry_in_seconds, request id', () => {
    const error = errorFromBody(
      {
        errors: [
          {
            message: 'Complexity budget exhausted',
            extensions: { code: 'COMPLEXITY_BUDGET_EXHAUSTED', retry_in_seconds: 17, request_id: 'abc' },
          },
        ],
      },
      429,
      noHeaders,
    )!;
    expect(error.toJSON()).toEqual({
      code: 'COMPLEXITY_BUDGET_EXHAUSTED',
      message: 'Complexity budget exhausted',
      retryable: true,
      waitMs: 17_000,
      requestId: 'abc',
      httpStatus: 429,
    });
  });

  it('reads the legacy top-level format, including the wait in a ComplexityException message', () => {
    const error = errorFromBody(
      {
        error_code: 'ComplexityException',
        status_code: 429,
        error_message:
          'Complexity budget exhausted, query cost 30001 budget remaining 10 out of 1000000 reset in 20 seconds',
        account_id: 1,
      },
      200,
      noHeaders,
    )!;
    expect(error).toMatchObject({ code: 'ComplexityException', retryable: true, waitMs: 20_000 });
    const field = errorFromBody(
      {
        error_code: 'FIELD_LIMIT_EXCEEDED',
        error_message: 'Concurrency limit exceeded for the field',
        error_data: { retry_in_seconds: 3 },
      },
      200,
      noHeaders,
    )!;
    expect(field).toMatchObject({ code: 'FIELD_LIMIT_EXCEEDED', retryable: true, waitMs: 3000 });
  });

  it('treats HTTP 200 with errors as a failure and permission errors as final', () => {
    const error = errorFromBody(
      {
        data: null,
        errors: [
          {
            message: 'User unauthorized to perform action',
            extensions: { code: 'USER_UNAUTHORIZED', status_code: 403 },
          },
        ],
      },
      200,
      noHeaders,
    )!;
    expect(error).toMatchObject({ code: 'USER_UNAUTHORIZED', retryable: false, httpStatus: 200 });
    expect(errorFromBody({ data: { me: { id: '1' } } }, 200, noHeaders)).toBeNull();
  });

  it('falls back to Retry-After and to the plain-string errors body', () => {
    const error = errorFromBody(
      { errors: [{ message: 'Minute limit rate exceeded', extensions: { code: 'RATE_LIMIT_EXCEEDED' } }] },
      429,
      { retryAfter: '12', requestId: 'r1' },
    )!;
    expect(error).toMatchObject({ waitMs: 12_000, requestId: 'r1', retryable: true });
    const plain = errorFromBody({ errors: ['Not Authenticated'] }, 401, noHeaders)!;
    expect(plain).toMatchObject({ code: 'Unauthorized', retryable: false });
  });
});

describe('monday GraphQL client against the emulator', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  /** A clock shared by the emulator and the client: waiting moves time instead of sleeping. */
  function simulatedTime() {
    const clock = { t: Date.UTC(2026, 10, 29, 10), waited: [] as number[] };
    return {
      clock,
      now: () => clock.t,
      // Waiting moves the shared clock; a short real pause lets requests still in flight finish.
      sleep: async (ms: number) => {
        clock.waited.push(ms);
        clock.t += ms;
        await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 150)));
      },
    };
  }

  async function setup(
    options: Parameters<typeof startEmulator>[0] = {},
    clientOptions: Partial<ConstructorParameters<typeof GraphqlClient>[0]> = {},
  ) {
    const time = simulatedTime();
    emulator = await startEmulator({ users: 50, now: time.now, ...options });
    const budget = new RequestBudget({ now: time.now, sleep: time.sleep });
    const client = new GraphqlClient({
      token: emulator.accounts[0]!.tokens.admin,
      apiUrl: emulator.graphqlUrl,
      budget,
      retry: { baseDelayMs: 1, maxRetries: 4 },
      ...clientOptions,
    });
    return { client, time, budget };
  }

  it('waits as told on COMPLEXITY_BUDGET_EXHAUSTED and then succeeds', async () => {
    const { client, time } = await setup({ limits: { complexityPerMinute: 200 } });
    const q = '{ users(limit: 50, status: [ACTIVE, INACTIVE, PENDING]) { id name email } }';
    await client.request(q);
    time.clock.t += 10_000;
    const result = await client.request<{ users: unknown[] }>(q);
    expect(result.data.users).toHaveLength(50);
    expect(client.stats).toMatchObject({ requests: 3, retries: 1, rateLimited: 1 });
    expect(time.clock.waited).toContain(50_000);
  });

  it('takes no pause from a complexity figure that is missing or broken', async () => {
    const answers = [
      { after: null, query: 41, reset_in_x_seconds: 60 },
      { after: 'lots', query: 41, reset_in_x_seconds: 60 },
      { after: -5, query: 41, reset_in_x_seconds: 60 },
    ];
    let n = 0;
    const { client, time } = await setup(
      {},
      {
        fetch: (async () =>
          new Response(
            JSON.stringify({ data: { me: { id: '1' }, complexity: answers[n++ % answers.length] } }),
            {
              status: 200,
              headers: { 'content-type': 'application/json' },
            },
          )) as typeof fetch,
      },
    );
    for (let i = 0; i < 4; i++) await client.request('{ me { id } }');
    expect(time.clock.waited).toEqual([]);
  });

  it('waits as told when another tool used up the minute limit', async () => {
    const { client, time } = await setup({ limits: { requestsPerMinute: 2 } });
    for (let i = 0; i < 2; i++) await gql(emulator!, emulator!.accounts[0]!.tokens.admin, '{ me { id } }');
    time.clock.t += 20_000;
    const result = await client.request<{ me: { id: string } }>('{ me { id } }');
    expect(result.data.me.id).toBe(emulator!.accounts[0]!.tokenOwners.admin);
    expect(client.stats).toMatchObject({ requests: 2, rateLimited: 1 });
    expect(time.clock.waited).toContain(40_000);
  });

  it('retries requests refused by the concurrency limit after the second monday asks for', async () => {
    const { client, time } = await setup({ latencyMs: 100, limits: { concurrency: 2 } });
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => client.request<{ me: { id: string } }>('{ me { id } }')),
    );
    expect(results.every((r) => r.data.me.id === emulator!.accounts[0]!.tokenOwners.admin)).toBe(true);
    expect(client.stats.rateLimited).toBeGreaterThanOrEqual(1);
    expect(time.clock.waited).toContain(1000);
  });

  it('paces ahead of the minute limit from the RateLimit header instead of hitting it', async () => {
    const { client, time, budget } = await setup({ limits: { requestsPerMinute: 5 } });
    for (let i = 0; i < 8; i++) await client.request('{ me { id } }');
    expect(client.stats.rateLimited).toBe(0);
    expect(budget.stats.waits).toBeGreaterThanOrEqual(1);
    expect(time.clock.waited[0]).toBeGreaterThan(50_000);
  });

  it('retries transient 5xx, malformed bodies and timeouts, then gives up with a retryable error', async () => {
    const { client } = await setup({}, { timeoutMs: 300 });
    emulator!.setFaults({ serverErrorRate: 1 });
    const fiveHundred = await client.request('{ me { id } }').catch((e) => e);
    expect(fiveHundred).toBeInstanceOf(MondayError);
    expect(fiveHundred).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', retryable: true, httpStatus: 500 });
    expect(client.stats.requests).toBe(5);

    emulator!.setFaults({ serverErrorRate: 1, serverErrorStatus: 502 });
    expect(await client.request('{ me { id } }').catch((e) => e.code)).toBe('http_5xx');
    emulator!.setFaults({ malformedRate: 1 });
    expect(await client.request('{ me { id } }').catch((e) => e.code)).toBe('malformed_response');
    emulator!.setFaults({ timeoutRate: 1, timeoutHoldMs: 5000 });
    expect(await client.request('{ me { id } }').catch((e) => e.code)).toBe('timeout');

    emulator!.setFaults({ serverErrorRate: 0.5 });
    const ok = await client.request<{ me: { id: string } }>('{ me { id } }');
    expect(ok.data.me.id).toBe(emulator!.accounts[0]!.tokenOwners.admin);
  });

  it('does not retry a rejected token or a permission error', async () => {
    const { client } = await setup({}, { token: 'wrong' });
    const error = await client.request('{ me { id } }').catch((e) => e);
    expect(error).toMatchObject({ code: 'Unauthorized', retryable: false, httpStatus: 401 });
    expect(client.stats.requests).toBe(1);
  });

  it('retries a mutation on 5xx only when it carries an idempotency key, which it sends to monday', async () => {
    const { client } = await setup();
    emulator!.setFaults({ serverErrorRate: 1 });
    await client.request(INVITE_USERS, { emails: ['a@x.org'] }).catch(() => {});
    expect(client.stats.requests).toBe(1);
    emulator!.setFaults({});
    const first = await client.request<any>(INVITE_USERS, { emails: ['b@x.org'] }, { idempotencyKey: 'k-1' });
    const replay = await client.request<any>(
      INVITE_USERS,
      { emails: ['b@x.org'] },
      { idempotencyKey: 'k-1' },
    );
    expect(replay.data).toEqual(first.data);
    expect(replay.data.invite_users.errors).toEqual([]);
  });

  it('reads users on API 2026-10 with the document that omits the removed fields', async () => {
    const { client } = await setup({}, { apiVersion: '2026-10' });
    const api = new MondayApi(client);
    const users = await api.usersPage(1, 1000);
    expect(users).toHaveLength(50);
    expect(users[0]!.is_admin).toBeUndefined();
    expect(users[0]!.kind).toBe('admin');
    expect((await client.request(USERS_PAGE_2026_10, { limit: 1, page: 1 })).data).toBeDefined();
    const me = await api.meAndAccount();
    expect(me.account.id).toBe(emulator!.accounts[0]!.id);
    expect((await client.request(ME_AND_ACCOUNT)).requestId).toMatch(/[0-9a-f-]{36}/);
  });
});
