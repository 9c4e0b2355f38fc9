import Fastify, { type FastifyInstance } from 'fastify';
import type { FaultSettings } from './faults.ts';
import { registerGraphqlRoute } from './graphqlRoute.ts';
import type { LimitSettings } from './limits.ts';
import type { EmuAccount, PlanTier } from './model.ts';
import { registerScimRoutes } from './scimRoutes.ts';
import { seedAccounts } from './seed.ts';
import { EmulatorState } from './state.ts';

/** How to start an emulator; every field has a default so tests can ask only for what they need. */
export interface EmulatorOptions {
  port?: number;
  host?: string;
  users?: number;
  accounts?: number;
  plan?: PlanTier;
  seed?: number;
  latencyMs?: number;
  /** Dates in the seeded data are relative to this instant; defaults to the start of the current UTC day. */
  referenceDate?: Date;
  /** The emulator's clock (rate-limit windows, timestamps of changes); tests may move it. */
  now?: () => number;
  limits?: Partial<LimitSettings>;
  faults?: Partial<FaultSettings>;
  /** The day monday's version calendar is read on (which version is current); defaults to the clock's. */
  calendarDate?: Date;
}

/** What a running emulator offers: its URLs, the seeded accounts and knobs for tests. */
export interface RunningEmulator {
  url: string;
  graphqlUrl: string;
  scimUrl: string;
  accounts: EmuAccount[];
  state: EmulatorState;
  setFaults(faults: Partial<FaultSettings>): void;
  setLimits(limits: Partial<LimitSettings>): void;
  describe(): EmulatorDescription;
  close(): Promise<void>;
}

export interface EmulatorDescription {
  graphqlUrl: string;
  scimUrl: string;
  accounts: {
    id: string;
    slug: string;
    plan: PlanTier;
    tokens: { admin: string; member: string; viewer: string };
    scimToken: string | null;
  }[];
}

export function startOfUtcDay(at = new Date()): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

export function buildEmulatorApp(state: EmulatorState): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 10 * 1024 * 1024 });
  // Bodies are parsed by the routes so malformed JSON gets monday's error, not a framework one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  registerGraphqlRoute(app, state);
  registerScimRoutes(app, state);
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      errors: [
        { message: `No route for ${request.method} ${request.url}`, extensions: { code: 'NOT_FOUND' } },
      ],
    });
  });
  return app;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const seed = options.seed ?? 1;
  const accounts = seedAccounts({
    seed,
    accounts: options.accounts ?? 1,
    usersPerAccount: options.users ?? 500,
    plan: options.plan ?? 'enterprise',
    referenceDate: options.referenceDate ?? startOfUtcDay(),
  });
  const state = new EmulatorState(accounts, options.now ?? Date.now, seed, options.limits);
  if (options.calendarDate) state.calendarDate = options.calendarDate;
  if (options.faults || options.latencyMs)
    state.faults.configure({
      ...options.faults,
      latencyMs: options.latencyMs ?? options.faults?.latencyMs ?? 0,
    });
  const app = buildEmulatorApp(state);
  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const graphqlUrl = `${url}/v2`;
  const scimUrl = `${url}/scim/v2`;
  return {
    url,
    graphqlUrl,
    scimUrl,
    accounts,
    state,
    setFaults: (faults) => state.faults.configure(faults),
    setLimits: (limits) => state.setLimits(limits),
    describe: () => ({
      graphqlUrl,
      scimUrl,
      accounts: accounts.map((a) => ({
        id: a.id,
        slug: a.slug,
        plan: a.tier,
        tokens: { ...a.tokens },
        scimToken: a.scimToken,
      })),
    }),
    close: async () => {
      for (const socket of state.heldSockets) socket.destroy();
      state.heldSockets.clear();
      await app.close();
    },
  };
}
