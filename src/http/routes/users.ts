import { stringify } from 'csv-stringify/sync';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userExportColumns, userFiltersSchema } from '../../app/usersService.ts';
import type { Seatwise } from '../../compose.ts';
import { userSortKeys } from '../../store/directoryRepo.ts';
import { HttpError } from '../errorEnvelope.ts';

const listQuery = userFiltersSchema.extend({
  sort: z.enum(userSortKeys).default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

/** Cursors are opaque to clients and bound to the query they came from. */
function encodeCursor(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint })).toString('base64url');
}

function decodeCursor(cursor: string, fingerprint: string): number {
  try {
    const { o, f } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0 && f === fingerprint) return o;
  } catch {}
  throw new HttpError(
    400,
    'invalid_cursor',
    'the cursor is not valid for this query; start again without it',
  );
}

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
        const { sort, order, limit, cursor, format, ...filters } = request.query;
        if (filters.connectionId) await seatwise.connections.get(filters.connectionId);
        if (format === 'csv') {
          const users = await seatwise.users.list(filters, { sort, direction: order });
          reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', 'attachment; filename="seatwise-users.csv"');
          return stringify([
            [...userExportColumns],
            ...users.map((u) => userExportColumns.map((c) => (u[c] === null ? '' : String(u[c])))),
          ]);
        }
        const fingerprint = JSON.stringify({ ...filters, sort, order });
        const offset = cursor ? decodeCursor(cursor, fingerprint) : 0;
        const { users, total } = await seatwise.users.page(filters, {
          sort,
          direction: order,
          limit,
          offset,
        });
        const nextCursor = offset + limit < total ? encodeCursor(offset + limit, fingerprint) : null;
        return { users: users.map(({ removed: _removed, ...u }) => u), total, nextCursor };
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
      async (request) => seatwise.users.get(request.params.connectionId, request.params.userId),
    );
  };
}
