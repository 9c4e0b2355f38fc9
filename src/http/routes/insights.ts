import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Seatwise } from '../../compose.ts';

/** /api/insights: seats vs plan, inactive paid seats, invites, guests and viewers per connection. */
export function insightRoutes(seatwise: Seatwise): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/insights',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['insights'],
          summary: 'Dashboard numbers per connection',
          querystring: z.object({ connectionId: z.string().min(1).max(100).optional() }),
        },
      },
      async (request) => ({
        connections: await seatwise.insights.forConnections(request.query.connectionId),
      }),
    );
    app.get(
      '/api/insights/activity',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['insights'],
          summary: 'Active people by how long ago they were last active (one connection, or all)',
          querystring: z.object({ connectionId: z.string().min(1).max(100).optional() }),
        },
      },
      async (request) => ({ buckets: await seatwise.insights.activity(request.query.connectionId) }),
    );
  };
}
