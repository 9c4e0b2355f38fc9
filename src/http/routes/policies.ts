import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newPolicySchema } from '../../app/policiesService.ts';
import type { Seatwise } from '../../compose.ts';
import { proposalStatuses } from '../../domain/policies.ts';
import { actorOf } from '../auth.ts';

const ids = z.object({ ids: z.array(z.string().min(1).max(100)).min(1).max(1000) }).strict();

/** Policies, the proposals they make, and their review. */
export function policyRoutes(seatwise: Seatwise): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/policies',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['policies'],
          summary: 'Policies, of one connection or all',
          querystring: z.object({ connectionId: z.string().min(1).max(100).optional() }),
        },
      },
      async (request) => ({ policies: await seatwise.policies.list(request.query.connectionId) }),
    );
    app.post(
      '/api/policies',
      {
        config: { access: 'operator' },
        schema: { tags: ['policies'], summary: 'Add a policy to a connection', body: newPolicySchema },
      },
      async (request, reply) =>
        reply.code(201).send(await seatwise.policies.add(request.body, actorOf(request))),
    );
    app.delete(
      '/api/policies/:id',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['policies'],
          summary: 'Remove a policy and its proposals',
          params: z.object({ id: z.string().min(1).max(100) }),
        },
      },
      async (request, reply) => {
        await seatwise.policies.remove(request.params.id, actorOf(request));
        return reply.code(204).send();
      },
    );
    app.get(
      '/api/policies/:id/preview',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['policies'],
          summary: 'What the policy would propose now (nothing is stored)',
          params: z.object({ id: z.string().min(1).max(100) }),
        },
      },
      async (request) => ({ proposals: await seatwise.policies.preview(request.params.id) }),
    );
    app.post(
      '/api/policies/:id/evaluate',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['policies'],
          summary: 'Evaluate the policy now (it also runs after every sync): the proposals it added',
          params: z.object({ id: z.string().min(1).max(100) }),
        },
      },
      async (request) => ({ proposals: await seatwise.policies.evaluateNow(request.params.id) }),
    );
    app.get(
      '/api/proposals',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['policies'],
          summary: 'Proposals, newest first',
          querystring: z.object({
            connectionId: z.string().min(1).max(100).optional(),
            status: z.enum(proposalStatuses).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(200),
          }),
        },
      },
      async (request) => ({ proposals: await seatwise.policies.proposals(request.query) }),
    );
    app.post(
      '/api/proposals/approve',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['policies'],
          summary: 'Approve proposals: each runs as an ordinary action (audited)',
          body: ids,
        },
      },
      async (request) => seatwise.policies.approve(request.body.ids, actorOf(request)),
    );
    app.post(
      '/api/proposals/reject',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['policies'],
          summary: 'Reject proposals: the users are left as they are',
          body: ids,
        },
      },
      async (request) => seatwise.policies.reject(request.body.ids, actorOf(request)),
    );
  };
}
