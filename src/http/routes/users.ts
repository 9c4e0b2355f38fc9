import { stringify } from 'csv-stringify/sync';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type UserView, userExportColumns, userFiltersSchema } from '../../app/usersService.ts';
import type { Seatwise } from '../../compose.ts';
import { HttpError } from '../errorEnvelope.ts';

const sortable = ['name', 'email', 'role', 'status', 'license', 'lastActivityAt', 'createdAt'] as const;
const listQuery = userFiltersSchema.extend({
  sort: z.enum(sortable).default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

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

function compare(a: UserView, b: UserView, key: (typeof sortable)[number]): number {
  const x = a[key] ?? '';
  const y = b[key] ?? '';
  return x < y
    ? -1
    : x > y
      ? 1
      : a.connectionId < b.connectionId
        ? -1
        : a.connectionId > b.connectionId
          ? 1
          : a.id.localeCompare(b.id);
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
        const users = (await seatwise.users.list(filters)).sort(
          (a, b) => (order === 'asc' ? 1 : -1) * compare(a, b, sort),
        );
        if (format === 'csv') {
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
        const page = users.slice(offset, offset + limit);
        const next = offset + limit < users.length ? encodeCursor(offset + limit, fingerprint) : null;
        return { users: page.map(({ removed: _r, ...u }) => u), total: users.length, nextCursor: next };
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
