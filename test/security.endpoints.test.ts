import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { AppError } from '../src/domain/appError.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { buildServer } from '../src/http/server.ts';
import { allowedFetch, EndpointPolicy, isPublicAddress } from '../src/monday/endpointPolicy.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';

const SECRET = 'INTERNAL-ONLY: db_password=hunter2';

/** A local HTTP service that records every request and answers what the test tells it to. */
async function startInternalService(
  answer: (res: import('node:http').ServerResponse) => void,
): Promise<{ url: string; origin: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/v2`,
    origin,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('where tokens may be sent', () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let strict: Seatwise;
  const services: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ users: 30, plan: 'enterprise', seed: 4 });
    db = await createTestDatabase('sqlite');
    // The operator allowed nothing: only monday's own endpoints.
    strict = await createSeatwise({ ...db.config, SEATWISE_ALLOWED_ENDPOINTS: undefined });
  });
  afterAll(async () => {
    await strict?.close();
    await db?.cleanup();
    await emulator?.close();
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.close()));
  });

  it('refuses loopback, private, link-local (metadata) and plain-http endpoints before sending anything', async () => {
    const internal = await startInternalService((res) => res.end(SECRET));
    services.push(internal);
    const token = emulator.accounts[0]!.tokens.admin;
    for (const apiUrl of [
      internal.url,
      emulator.graphqlUrl,
      'http://localhost:4320/v2',
      'https://10.0.0.7/v2',
      'https://192.168.1.1/v2',
      'http://169.254.169.254/latest/meta-data/',
      'https://[::1]/v2',
      'http://api.monday.com/v2',
      'https://api.monday.com.attacker.example/v2',
      'https://api.monday.com/v2?next=http://10.0.0.1',
      'https://user:pass@api.monday.com/v2',
      'https://example.com/v2',
    ]) {
      const error = await refusal(strict.connections.add({ token, apiUrl }));
      expect(error.code, apiUrl).toBe('endpoint_not_allowed');
      expect(error.kind).toBe('invalid_input');
      expect(error.message).toContain(apiUrl);
    }
    const scim = await refusal(
      strict.connections.add({
        token,
        apiUrl: 'https://api.monday.com/v2',
        scimUrl: `${internal.origin}/scim/v2`,
      }),
    );
    expect(scim.code).toBe('endpoint_not_allowed');
    expect(scim.message).toMatch(/^scimUrl .* is not a monday endpoint: .*SEATWISE_ALLOWED_ENDPOINTS/);
    expect(internal.hits).toEqual([]);
    expect(await strict.connections.list()).toEqual([]);
  });

  it("accepts monday's own endpoints and, when the operator lists them, other origins", () => {
    const policy = EndpointPolicy.fromSetting(undefined);
    expect(() => policy.fetchFor('https://api.monday.com/v2', 'api')).not.toThrow();
    expect(() => policy.fetchFor('https://api.monday.com/v2/', 'api')).not.toThrow();
    expect(() => policy.fetchFor('https://acme-corp.monday.com/scim/v2', 'scim')).not.toThrow();
    expect(() => policy.fetchFor('https://acme.monday.com/scim/v2', 'api')).toThrow(/not a monday endpoint/);
    expect(() => policy.fetchFor('https://api.monday.com/v2', 'scim')).toThrow(/not a monday endpoint/);

    const listed = EndpointPolicy.fromSetting('http://127.0.0.1:4320, https://proxy.internal:8443');
    expect(listed.fetchFor('http://127.0.0.1:4320/v2', 'api')).toBe(allowedFetch);
    expect(() => listed.fetchFor('http://127.0.0.1:4321/v2', 'api')).toThrow(/SEATWISE_ALLOWED_ENDPOINTS/);
    expect(() => listed.fetchFor('https://proxy.internal:8443/scim/v2', 'scim')).not.toThrow();
    expect(EndpointPolicy.fromSetting('*').fetchFor('http://10.1.2.3/v2', 'api')).toBe(allowedFetch);
    expect(() => EndpointPolicy.fromSetting('127.0.0.1:4320')).toThrow(/SEATWISE_ALLOWED_ENDPOINTS/);
    expect(() => EndpointPolicy.fromSetting('http://127.0.0.1:4320/v2')).toThrow(/without a path/);
  });

  it('classifies addresses: only public unicast passes', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      'not-an-ip',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['52.1.2.3', '8.8.8.8', '2606:4700::1111'])
      expect(isPublicAddress(address)).toBe(true);
  });

  it('checks the address a monday name resolves to on the connection itself: a private one is never reached', async () => {
    const internal = await startInternalService((res) => res.end(SECRET));
    services.push(internal);
    // The fetch used for monday's hosts; localhost stands in for a name that resolves to a private address.
    const guarded = EndpointPolicy.fromSetting(undefined).fetchFor('https://api.monday.com/v2', 'api');
    const url = internal.url.replace('127.0.0.1', 'localhost');
    const error = await guarded(url, { method: 'POST', body: '{}' }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).not.toBeNull();
    expect(String((error as Error & { cause?: Error }).cause?.message)).toMatch(/not public/);
    expect(internal.hits).toEqual([]);
  });

  it('allowed endpoints work, and never have their body repeated in an error', async () => {
    const plainText = await startInternalService((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(SECRET);
    });
    const jsonError = await startInternalService((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: `${SECRET} ${'x'.repeat(5000)}` }] }));
    });
    const serverError = await startInternalService((res) => {
      res.writeHead(500);
      res.end(SECRET);
    });
    services.push(plainText, jsonError, serverError);
    const allowing = await createSeatwise(
      {
        ...db.config,
        SEATWISE_ALLOWED_ENDPOINTS: [
          plainText,
          jsonError,
          serverError,
          { origin: new URL(emulator.url).origin },
        ]
          .map((s) => s.origin)
          .join(','),
      },
      { remote: { maxRetries: 0, baseDelayMs: 1 } },
    );
    try {
      const plain = await refusal(allowing.connections.add({ token: 't0ken', apiUrl: plainText.url }));
      expect(plain.message).not.toContain('INTERNAL-ONLY');
      expect(plain.message).toContain("not monday's JSON");
      const failed = await refusal(allowing.connections.add({ token: 't0ken', apiUrl: serverError.url }));
      expect(failed.message).not.toContain('INTERNAL-ONLY');
      const long = await refusal(allowing.connections.add({ token: 't0ken', apiUrl: jsonError.url }));
      expect(long.message.length).toBeLessThan(400);
      expect(plainText.hits.length).toBeGreaterThan(0);

      const connected = await allowing.connections.add({
        token: emulator.accounts[0]!.tokens.admin,
        apiUrl: emulator.graphqlUrl,
      });
      expect(connected.apiUrl).toBe(emulator.graphqlUrl);
    } finally {
      await allowing.close();
    }
  });

  it("gives up on an endpoint that drops every connection after a few attempts, not a sync's patient retries", async () => {
    let attempts = 0;
    const dropping = createNetServer((socket) => {
      attempts++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(dropping.address() as AddressInfo).port}/v2`;
    const allowing = await createSeatwise({ ...db.config, SEATWISE_ALLOWED_ENDPOINTS: '*' });
    try {
      const error = await refusal(allowing.connections.add({ token: 't0ken', apiUrl: url }));
      expect(error.code).toBe('monday_unavailable');
      expect(error.message).toContain(`could not reach monday at ${url}`);
      expect(attempts).toBe(3);
    } finally {
      await allowing.close();
      await new Promise((resolve) => dropping.close(resolve));
    }
  });

  it('does not tell a refused port from an unknown host or a closed one', async () => {
    const allowing = await createSeatwise(
      { ...db.config, SEATWISE_ALLOWED_ENDPOINTS: '*' },
      { remote: { maxRetries: 0, timeoutMs: 2000 } },
    );
    try {
      const refused = await refusal(
        allowing.connections.add({ token: 't0ken', apiUrl: 'http://127.0.0.1:9/v2' }),
      );
      const unknown = await refusal(
        allowing.connections.add({ token: 't0ken', apiUrl: 'http://no-such-host.invalid/v2' }),
      );
      for (const error of [refused, unknown]) {
        expect(error.message).not.toMatch(/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|getaddrinfo/);
        expect(error.message).toMatch(/could not reach monday at/);
      }
    } finally {
      await allowing.close();
    }
  });
});

describe('the endpoint setting belongs to the operator', () => {
  it('the HTTP API refuses an internal endpoint with a 400 naming the field, whatever the caller sends', async () => {
    const db = await createTestDatabase('sqlite');
    const strict = await createSeatwise({ ...db.config, SEATWISE_ALLOWED_ENDPOINTS: undefined });
    const server = await buildServer(strict, { logLevel: 'silent' });
    const key = (await strict.keys.create('admin', 'test')).key;
    try {
      const response = await server.inject({
        method: 'POST',
        url: '/api/connections',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        payload: { token: 'abc', apiUrl: 'http://169.254.169.254/latest/meta-data/' },
      });
      expect(response.statusCode).toBe(400);
      const body = response.json();
      expect(body.error.code).toBe('endpoint_not_allowed');
      expect(body.error.message).toContain('SEATWISE_ALLOWED_ENDPOINTS');
    } finally {
      await server.close();
      await strict.close();
      await db.cleanup();
    }
  });

  it('the CLI reads SEATWISE_ALLOWED_ENDPOINTS from its environment', async () => {
    const emulator = await startEmulator({ users: 5, plan: 'pro', seed: 9 });
    const db = await createTestDatabase('sqlite');
    try {
      const args = [
        'connect',
        '--token',
        emulator.accounts[0]!.tokens.admin,
        '--api-url',
        emulator.graphqlUrl,
      ];
      const refused = await runCli(args, { ...db.env, SEATWISE_ALLOWED_ENDPOINTS: '' });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`apiUrl ${emulator.graphqlUrl} is not a monday endpoint`);
      expect(refused.stderr).toContain('SEATWISE_ALLOWED_ENDPOINTS');
      const allowed = await runCli(args, {
        ...db.env,
        SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.graphqlUrl).origin,
      });
      expect(allowed.stderr).toBe('');
      expect(allowed.code).toBe(0);
      expect(allowed.stdout).toMatch(/^Connected con_/);
    } finally {
      await db.cleanup();
      await emulator.close();
    }
  });
});
