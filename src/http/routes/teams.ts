import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Seatwise } from '../../compose.ts';

const teamId = z.string().regex(/^\d{1,20}$/, 'must be a monday team id (digits)');

/** /api/teams: monday's teams with members, owners and seats; /api/teams/{connectionId}/{teamId}: one team. */
export function teamRoutes(seatwise: Seatwise): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/teams',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['teams'],
          summary: 'List synced teams with members, owners, paid seats and inactive paid seats',
          querystring: z.object({ connectionId: z.string().min(1).max(100).optional() }),
        },
      },
      async (request) => ({ teams: await seatwise.teams.list(request.query.connectionId) }),
    );
    app.get(
      '/api/teams/:connectionId/:teamId',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['teams'],
          summary: 'One team with its owners (its members: GET /api/users?team=)',
          params: z.object({ connectionId: z.string().min(1).max(100), teamId }),
        },
      },
      async (request) => seatwise.teams.get(request.params.connectionId, request.params.teamId),
    );
  };
}
