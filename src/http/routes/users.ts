import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { usersCsv } from '../../app/usersCsv.ts';
import { userFiltersSchema } from '../../app/usersService.ts';
import type { Seatwise } from '../../compose.ts';
import { userSortKeys } from '../../domain/directory.ts';

const listQuery = userFiltersSchema.extend({
  sort: z.enum(userSortKeys).default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(1000).optional(),
  format: z.enum(['json', 'csv']).default('json'),
  /** Also count every user that matches (a scan; pages themselves never count). */
  total: z.enum(['true', 'false']).default('false'),
});

/** /api/users: filters, sort, cursor pagination, CSV; /api/users/{connectionId}/{userId}: one user with history. */
export function userRoutes(seatwise: Seatwise): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/users',
      {
        config: { access: 'viewer' },
        schema: { tags: ['users'], summary: 'List synced users', querystring: listQuery },
      },
      async (request, reply) => {
        const { sort, order, limit, cursor, format, total, ...filters } = request.query;
        if (filters.connectionId) await seatwise.connections.get(filters.connectionId);
        if (format === 'csv') {
          reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', 'attachment; filename="seatwise-users.csv"');
          const names = new Map((await seatwise.connections.list()).map((c) => [c.id, c.accountName]));
          return reply.send(usersCsv(seatwise.users.stream(filters, { sort, direction: order }), names));
        }
        const page = await seatwise.users.page(filters, {
          sort,
          direction: order,
          limit,
          cursor,
          withTotal: total === 'true',
        });
        return { ...page, users: page.users.map(({ removed: _removed, ...u }) => u) };
      },
    );
    app.get(
      '/api/users/:connectionId/:userId',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['users'],
          summary: 'One user with change history and why this license',
          params: z.object({ connectionId: z.string().min(1).max(100), userId: z.string().min(1).max(40) }),
        },
      },
      async (request) => {
        await seatwise.connections.get(request.params.connectionId);
        const user = await seatwise.users.get(request.params.connectionId, request.params.userId);
        const label = await seatwise.keys.actorLabels();
        return {
          ...user,
          history: user.history.map((e) => ({ ...e, byName: e.by ? label(e.by) : null })),
        };
      },
    );
  };
}
