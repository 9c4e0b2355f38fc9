import Fastify, { type FastifyInstance } from 'fastify';

/** Builds the Seatwise HTTP server. */
export function buildServer(options: { logLevel: string }): FastifyInstance {
  const app = Fastify({ logger: { level: options.logLevel }, forceCloseConnections: true });
  app.get('/health', async () => ({ status: 'ok' }));
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url}` } });
  });
  return app;
}
