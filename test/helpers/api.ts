import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createSeatwise, type Seatwise } from '../../src/compose.ts';
import type { Config } from '../../src/config.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { Metrics } from '../../src/http/metrics.ts';
import { buildServer, type ServerOptions } from '../../src/http/server.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

/** A real Seatwise server on a random port, with an emulator, keys and captured logs. */
export interface ApiHarness {
  url: string;
  seatwise: Seatwise;
  server: FastifyInstance;
  emulator: RunningEmulator;
  adminKey: string;
  viewerKey: string;
  logs: string[];
  /** The environment a `seatwise` CLI process needs to use the same database. */
  env: NodeJS.ProcessEnv;
  call(
    method: string,
    path: string,
    options?: { key?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startApi(
  dialect: 'sqlite' | 'postgres',
  emulatorOptions: Parameters<typeof startEmulator>[0] = {},
  serverOptions: {
    /** Settings beside the database's (single sign-on, key sign-in). */
    config?: Partial<
      Pick<
        Config,
        'oidc' | 'SEATWISE_KEY_SIGN_IN' | 'SEATWISE_SMTP_URL' | 'SEATWISE_SMTP_FROM' | 'SEATWISE_PUBLIC_URL'
      >
    >;
    port?: number;
    /** Seatwise's clock (tests move it to due dates and renewals). */
    now?: () => Date;
    /** The HTTP server's own settings (proxies, sign-in limits). */
    server?: Partial<Pick<ServerOptions, 'trustedProxies' | 'oidcLimit' | 'signInLimits'>>;
  } = {},
): Promise<ApiHarness> {
  const emulator = await startEmulator({ users: 200, plan: 'enterprise', seed: 51, ...emulatorOptions });
  const db: TestDatabase = await createTestDatabase(dialect);
  const metrics = new Metrics();
  const seatwise = await createSeatwise(
    { ...db.config, ...serverOptions.config },
    {
      remote: { observer: metrics, baseDelayMs: 1, defaultApiUrl: emulator.graphqlUrl },
      now: serverOptions.now,
    },
  );
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const server = await buildServer(seatwise, {
    logLevel: 'debug',
    logStream,
    metrics,
    bodyLimit: 64 * 1024,
    ...serverOptions.server,
  });
  await server.listen({ port: serverOptions.port ?? 0, host: '127.0.0.1' });
  const address = server.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const adminKey = (await seatwise.keys.create('admin', 'test admin')).key;
  const viewerKey = (await seatwise.keys.create('viewer', 'test viewer')).key;
  return {
    url,
    seatwise,
    server,
    emulator,
    adminKey,
    viewerKey,
    logs,
    env: { ...db.env },
    async call(method, path, options = {}) {
      const key = options.key === undefined ? adminKey : options.key;
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (key) headers.authorization = `Bearer ${key}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
      } else if (body !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      return { status: response.status, body: parsed, text, headers: response.headers };
    },
    async close() {
      await server.close();
      await seatwise.close();
      await db.cleanup();
      await emulator.close();
    },
  };
}
