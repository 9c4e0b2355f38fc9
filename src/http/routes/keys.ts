import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Seatwise } from '../../compose.ts';
import { seatwiseRoles } from '../../domain/roles.ts';
import { actorOf, personOf } from '../auth.ts';

/** /api/keys: admins manage API keys; a new key is shown once. */
export function keyRoutes(seatwise: Seatwise): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/keys',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['keys'],
          summary:
            'Create an API key (shown once): your own, or one for a person (forEmail). A key acts with at most its owner’s current role',
          body: z.object({
            role: z.enum(seatwiseRoles),
            name: z.string().trim().min(1).max(100).optional(),
            forEmail: z
              .string()
              .trim()
              .min(3)
              .max(320)
              .optional()
              .describe('the person the key belongs to (signs in as them; a reviewer key needs one)'),
          }),
        },
      },
      async (request, reply) =>
        reply.code(201).send(
          await seatwise.keys.create(request.body.role, request.body.name, {
            actor: actorOf(request),
            ownerPersonId: await personOf(seatwise.keys, request),
            forEmail: request.body.forEmail ?? null,
          }),
        ),
    );
    app.get(
      '/api/keys',
      {
        config: { access: 'admin' },
        schema: { tags: ['keys'], summary: 'List API keys (never the keys themselves)' },
      },
      async () => ({ keys: await seatwise.keys.list() }),
    );
    app.delete(
      '/api/keys/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['keys'],
          summary: 'Revoke an API key',
          params: z.object({ id: z.string().min(1).max(100) }),
        },
      },
      async (request, reply) => {
        await seatwise.keys.revoke(request.params.id, actorOf(request));
        return reply.code(204).send();
      },
    );
  };
}
