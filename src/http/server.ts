import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import type { Seatwise } from '../compose.ts';
import { authHook } from './auth.ts';
import { envelope, handleError } from './errorEnvelope.ts';
import { Metrics } from './metrics.ts';
import { actionRoutes } from './routes/actions.ts';
import { connectionRoutes } from './routes/connections.ts';
import { economicsRoutes } from './routes/economics.ts';
import { healthRoutes } from './routes/health.ts';
import { insightRoutes } from './routes/insights.ts';
import { keyRoutes } from './routes/keys.ts';
import { offboardingRoutes } from './routes/offboardings.ts';
import { peopleRoutes } from './routes/people.ts';
import { policyRoutes } from './routes/policies.ts';
import { reviewRoutes } from './routes/reviews.ts';
import { runRoutes } from './routes/runs.ts';
import { serviceUserRoutes } from './routes/serviceUsers.ts';
import { sessionRoutes } from './routes/session.ts';
import { teamRoutes } from './routes/teams.ts';
import { userRoutes } from './routes/users.ts';
import { SignInGuard, type SignInLimits } from './signInGuard.ts';
import { registerWebUi } from './webUi.ts';

export interface ServerOptions {
  logLevel: string;
  /** Where JSON logs go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
  bodyLimit?: number;
  /**
   * Mark the session cookie Secure: always, never, or ('auto', the default) when the request came over https,
   * directly or through a proxy that says so with X-Forwarded-Proto.
   */
  secureCookies?: boolean | 'auto';
  metrics?: Metrics;
  /** Wrong keys one address may send before it must wait (default: 10 in 15 minutes). */
  signInLimits?: SignInLimits;
  /** Single sign-on starts and callbacks one address may make (default: 30 a minute each). */
  oidcLimit?: { max: number; windowMs: number };
  /**
   * Proxies whose X-Forwarded-For names the client (addresses, CIDR ranges, or loopback/linklocal/uniquelocal);
   * none: the connecting address is the client, so a proxy cannot be told apart from the clients behind it.
   */
  trustedProxies?: string[];
}

/** Query parameters that must never reach a log line: the sign-in's one-time code and state. */
const SECRET_QUERY = /([?&](?:code|state|id_token|access_token|session_state)=)[^&#]*/gi;

/** A request as the log shows it: the URL without one-time sign-in secrets. */
function logRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: request.url.replace(SECRET_QUERY, '$1[redacted]'),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Secrets that must never reach a log line, whatever a future log call includes. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.token',
  '*.scimToken',
  '*.key',
  '*.password',
];

/** Builds the Seatwise HTTP API: every route but /health needs an API key or a session. */
export async function buildServer(seatwise: Seatwise, options: ServerOptions): Promise<FastifyInstance> {
  const metrics = options.metrics ?? new Metrics();
  const app = Fastify({
    logger: {
      level: options.logLevel,
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: { req: logRequest },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    forceCloseConnections: 'idle',
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    // A path with broken percent-encoding answers in the one error envelope, like every other bad request.
    frameworkErrors: (error, _request, reply) => {
      const status = (error as { statusCode?: number }).statusCode ?? 400;
      (reply as FastifyReply)
        .code(status)
        .send(
          envelope(
            status === 400 ? 'bad_request' : 'invalid_request',
            (error as { code?: string }).code === 'FST_ERR_BAD_URL'
              ? 'the address is not valid: a percent sign must start an encoded character such as %20'
              : error.message,
          ),
        );
    },
    trustProxy: options.trustedProxies?.length ? options.trustedProxies : false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(envelope('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Seatwise API',
        version: '0.1.0',
        description: 'Govern the users, roles and licenses of monday.com accounts.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from `seatwise keys create`' },
          session: { type: 'apiKey', in: 'cookie', name: 'seatwise_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // No page or answer of Seatwise may be framed by another site (clickjacking a Confirm button).
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-frame-options', 'DENY');
    const csp = reply.getHeader('content-security-policy');
    reply.header(
      'content-security-policy',
      typeof csp === 'string' && csp ? `${csp}; frame-ancestors 'none'` : "frame-ancestors 'none'",
    );
    return payload;
  });
  const guard = new SignInGuard(options.signInLimits);
  app.addHook('onRequest', authHook(seatwise.keys, guard));
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { access: 'viewer' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  await app.register(healthRoutes(metrics));
  await app.register(
    sessionRoutes(seatwise, {
      secureCookies: options.secureCookies ?? 'auto',
      guard,
      oidcLimit: options.oidcLimit ?? { max: 30, windowMs: 60_000 },
    }),
  );
  await app.register(connectionRoutes(seatwise));
  await app.register(runRoutes(seatwise, metrics));
  await app.register(userRoutes(seatwise));
  await app.register(teamRoutes(seatwise));
  await app.register(serviceUserRoutes(seatwise));
  await app.register(peopleRoutes(seatwise));
  await app.register(actionRoutes(seatwise, metrics));
  await app.register(offboardingRoutes(seatwise));
  await app.register(insightRoutes(seatwise));
  await app.register(economicsRoutes(seatwise));
  await app.register(keyRoutes(seatwise));
  await app.register(policyRoutes(seatwise));
  await app.register(reviewRoutes(seatwise));
  await registerWebUi(app, seatwise.keys);
  return app;
}
