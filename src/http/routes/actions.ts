import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actionRequestSchema } from '../../actions/actionInput.ts';
import { actionNames } from '../../actions/definitions.ts';
import type { Seatwise } from '../../compose.ts';
import { queueAction } from '../../jobs/actionJobs.ts';
import { actorOf } from '../auth.ts';
import type { Metrics } from '../metrics.ts';

/** /api/actions: execute (or plan with dryRun), /api/actions/plan: always a dry run; /api/audit: the log. */
export function actionRoutes(seatwise: Seatwise, metrics: Metrics): FastifyPluginAsyncZod {
  return async (app) => {
    const idempotencyHeader = z
      .object({ 'idempotency-key': z.string().min(1).max(200).optional() })
      .passthrough();
    app.post(
      '/api/actions',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['actions'],
          summary: 'Run an action (dryRun: true stops after the plan)',
          body: actionRequestSchema,
          headers: idempotencyHeader,
        },
      },
      async (request) => {
        const body = {
          ...request.body,
          idempotencyKey: request.body.idempotencyKey ?? request.headers['idempotency-key'],
        };
        const result = await seatwise.actions.run(body, actorOf(request));
        metrics.actions.inc({ action: result.action, outcome: result.outcome });
        return result;
      },
    );
    app.post(
      '/api/actions/jobs',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['actions'],
          summary:
            'Queue an action batch for the workers (checked now as a dry run); follow it at /api/jobs/{jobId}',
          body: actionRequestSchema,
          headers: idempotencyHeader,
        },
      },
      async (request, reply) => {
        const queued = await queueAction(
          seatwise,
          {
            ...request.body,
            idempotencyKey: request.body.idempotencyKey ?? request.headers['idempotency-key'],
          },
          actorOf(request),
        );
        return reply.code(202).header('location', `/api/jobs/${queued.jobId}`).send(queued);
      },
    );
    app.post(
      '/api/actions/plan',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['actions'],
          summary: 'Plan an action without running it',
          body: actionRequestSchema,
        },
      },
      async (request) => seatwise.actions.run({ ...request.body, dryRun: true }, actorOf(request)),
    );
    app.get(
      '/api/audit',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['audit'],
          summary: 'Audit log, newest first',
          querystring: z.object({
            connectionId: z.string().min(1).max(100).optional(),
            action: z.enum(actionNames).optional(),
            /** The actions one offboarding ran, grouped under its id. */
            offboardingId: z.string().min(1).max(100).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          }),
        },
      },
      async (request) => ({ entries: await seatwise.actions.auditLog(request.query) }),
    );
  };
}
