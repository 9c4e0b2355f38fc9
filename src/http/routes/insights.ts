import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Seatwise } from '../../compose.ts';
import { recordSettingsChange } from '../auth.ts';

/** /api/insights: seats vs plan, inactive paid seats, invites, guests and viewers per connection. */
export function insightRoutes(seatwise: Seatwise): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/insights',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['insights'],
          summary:
            "Paid seats against the plan, inactive paid seats and their cost, invites, guests and viewers, per connection (inactivity against the connection's threshold unless inactiveDays is given)",
          querystring: z.object({
            connectionId: z.string().min(1).max(100).optional(),
            inactiveDays: z.coerce.number().int().min(1).max(3650).optional(),
          }),
        },
      },
      async (request) => ({
        connections: await seatwise.insights.forConnections(
          request.query.connectionId,
          request.query.inactiveDays,
        ),
      }),
    );
    app.get(
      '/api/insights/across',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['insights'],
          summary:
            "Across accounts: people in several accounts and the paid seats they hold; guests on the organisation's own domains",
        },
      },
      async () => seatwise.insights.across(),
    );
    app.get(
      '/api/settings',
      {
        config: { access: 'viewer' },
        schema: { tags: ['settings'], summary: "The organisation's settings" },
      },
      async () => ({ orgDomains: await seatwise.insights.orgDomains() }),
    );
    app.put(
      '/api/settings',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['settings'],
          summary: "Set the organisation's own email domains (guests on them are reported)",
          body: z.object({ orgDomains: z.array(z.string().max(253)).max(1000) }).strict(),
        },
      },
      async (request) => {
        const before = { orgDomains: await seatwise.insights.orgDomains() };
        const after = { orgDomains: await seatwise.insights.setOrgDomains(request.body.orgDomains) };
        await recordSettingsChange(seatwise, request, 'orgDomains', before, after);
        return after;
      },
    );
    app.get(
      '/api/insights/trends',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['insights'],
          summary: 'Licenses and active users per complete sync, oldest first',
          querystring: z.object({
            connectionId: z.string().min(1).max(100),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          }),
        },
      },
      async (request) => ({
        runs: await seatwise.insights.trends(request.query.connectionId, request.query.limit),
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
