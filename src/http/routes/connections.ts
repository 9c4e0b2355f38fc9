import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { connectionUpdateSchema, newConnectionSchema } from '../../app/connectionInput.ts';
import type { Seatwise } from '../../compose.ts';
import { actorOf } from '../auth.ts';

const idParams = z.object({ id: z.string().min(1).max(100) });

/** /api/connections: create (validated live), list, get, update, delete; never returns a token. */
export function connectionRoutes(seatwise: Seatwise): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/connections',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['connections'],
          summary: 'Connect a monday account (the token is validated live)',
          body: newConnectionSchema,
        },
      },
      async (request, reply) => {
        return reply.code(201).send(await seatwise.connections.add(request.body, actorOf(request)));
      },
    );
    app.post(
      '/api/demo',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['connections'],
          summary:
            'Try Seatwise without a monday account: starts the emulator in this process with sample data, connects it and syncs it',
        },
      },
      async (_request, reply) => reply.code(201).send(await seatwise.demo.start()),
    );
    app.get(
      '/api/connections',
      {
        config: { access: 'viewer' },
        schema: { tags: ['connections'], summary: 'List connections with status, last sync and user count' },
      },
      async () => ({
        connections: await seatwise.connections.list(),
      }),
    );
    app.get(
      '/api/connections/:id',
      {
        config: { access: 'viewer' },
        schema: { tags: ['connections'], summary: 'One connection', params: idParams },
      },
      async (request) => seatwise.connections.get(request.params.id),
    );
    app.patch(
      '/api/connections/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['connections'],
          summary: 'Replace tokens, change permission level or API version',
          params: idParams,
          body: connectionUpdateSchema,
        },
      },
      async (request) => seatwise.connections.update(request.params.id, request.body, actorOf(request)),
    );
    app.delete(
      '/api/connections/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['connections'],
          summary:
            'Remove a connection and its synced data (refused while an open access review covers it, unless force=true)',
          params: idParams,
          querystring: z.object({
            force: z
              .enum(['true', 'false'])
              .default('false')
              .describe(
                'disconnect although open access reviews cover it: their items of it close with the state unknown',
              ),
          }),
        },
      },
      async (request, reply) => {
        await seatwise.connections.remove(request.params.id, {
          by: actorOf(request),
          force: request.query.force === 'true',
        });
        return reply.code(204).send();
      },
    );
    app.get(
      '/api/connections/:id/capabilities',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['capabilities'],
          summary: 'Integration Capabilities: what the connection can read and do now, and why not',
          params: idParams,
        },
      },
      async (request) => seatwise.actions.capabilities(request.params.id),
    );
  };
}
