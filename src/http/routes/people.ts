import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Seatwise } from '../../compose.ts';
import { seatwiseRoles } from '../../domain/roles.ts';
import { actorOf } from '../auth.ts';

/** /api/people: the people who sign in to Seatwise, their roles, invitations and disabling (admin). */
export function peopleRoutes(seatwise: Seatwise): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/people',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['people'],
          summary: 'People, their roles (and where each came from) and last sign-in',
        },
      },
      async () => ({ people: await seatwise.people.list() }),
    );
    app.post(
      '/api/people',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['people'],
          summary: 'Invite a person by email with a role, before their first sign-in',
          body: z
            .object({
              email: z.string().max(320),
              role: z.enum(seatwiseRoles).default('viewer'),
              name: z.string().max(200).optional(),
            })
            .strict(),
        },
      },
      async (request, reply) =>
        reply.code(201).send(await seatwise.people.invite(request.body, actorOf(request))),
    );
    app.patch(
      '/api/people/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['people'],
          summary:
            "Change a person's role, or disable them (their sessions end at once) or enable them again",
          params: z.object({ id: z.string().min(1).max(100) }),
          body: z
            .object({ role: z.enum(seatwiseRoles).optional(), disabled: z.boolean().optional() })
            .strict()
            .refine((b) => b.role !== undefined || b.disabled !== undefined, 'give role or disabled'),
        },
      },
      async (request) => {
        const { id } = request.params;
        if (request.body.role !== undefined)
          await seatwise.people.setRole(id, request.body.role, actorOf(request));
        if (request.body.disabled !== undefined)
          await seatwise.people.setDisabled(id, request.body.disabled, actorOf(request));
        return seatwise.people.get(id);
      },
    );
  };
}
