import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Seatwise } from '../../compose.ts';
import { actorOf } from '../auth.ts';

const connectionId = z.string().min(1).max(100);
const serviceUserId = z.string().regex(/^\d{1,20}$/, 'must be a monday service user id (digits)');

/** /api/connections/{id}/service-users: monday's non-human identities, their findings, token revocation. */
export function serviceUserRoutes(seatwise: Seatwise): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/connections/:id/service-users',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['service users'],
          summary:
            "The account's service users as the last sync read them, each with its creator and findings: tokens unused for unusedDays (default: the connection's inactivity days), creators deactivated, tokens active after their creator left",
          params: z.object({ id: connectionId }),
          querystring: z.object({ unusedDays: z.coerce.number().int().min(1).max(3650).optional() }),
        },
      },
      async (request) => seatwise.serviceUsers.list(request.params.id, request.query.unusedDays),
    );
    app.post(
      '/api/connections/:id/service-users/:serviceUserId/revoke-tokens',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['service users'],
          summary:
            "Revoke every API token of a service user (monday's revoke_service_user_tokens; read-and-act connection, admin token). Planned from monday's state, idempotent by key, audited; the outcome is read from monday after the act. dryRun only plans.",
          params: z.object({ id: connectionId, serviceUserId }),
          body: z
            .object({
              dryRun: z.boolean().optional(),
              idempotencyKey: z.string().min(1).max(200).optional(),
            })
            .strict()
            .optional(),
        },
      },
      async (request, reply) => {
        const result = await seatwise.serviceUsers.revokeTokens(
          { connectionId: request.params.id, serviceUserId: request.params.serviceUserId, ...request.body },
          actorOf(request),
        );
        // An act monday did not confirm is not a success.
        if (result.outcome === 'failed' || result.outcome === 'unverified') reply.code(502);
        return result;
      },
    );
  };
}
