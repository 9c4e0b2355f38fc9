import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actionRequestSchema } from '../../actions/actionInput.ts';
import { actionNames } from '../../actions/definitions.ts';
import { isCalendarDay } from '../../app/actionsService.ts';
import { auditCsv } from '../../app/auditCsv.ts';
import type { Seatwise } from '../../compose.ts';
import { seatwiseEventNames } from '../../domain/seatwiseEvents.ts';
import { queueAction } from '../../worker/actionJobs.ts';
import { actorOf } from '../auth.ts';
import type { Metrics } from '../metrics.ts';

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day such as 2026-12-31')
  .refine(isCalendarDay, 'is not a day of the calendar');

/** /api/actions: execute (or plan with dryRun), /api/actions/plan: always a dry run; /api/audit: the log. */
export function actionRoutes(seatwise: Seatwise, metrics: Metrics): FastifyPluginAsyncZod {
  return async (app) => {
    const idempotencyHeader = z
      .object({ 'idempotency-key': z.string().min(1).max(200).optional() })
      .passthrough();
    app.post(
      '/api/actions',
      {
        config: { access: 'operator' },
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
        config: { access: 'operator' },
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
        config: { access: 'operator' },
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
            action: z.enum([...actionNames, ...seatwiseEventNames]).optional(),
            personId: z
              .string()
              .min(1)
              .max(100)
              .optional()
              .describe('what one person did: signed in as themselves, or with a key they own'),
            /** The actions one offboarding ran, grouped under its id. */
            offboardingId: z.string().min(1).max(100).optional(),
            dryRun: z
              .enum(['true', 'false'])
              .optional()
              .describe('only dry runs (true) or only real actions (false)'),
            actor: z
              .string()
              .min(1)
              .max(200)
              .optional()
              .describe('who asked, as stored: person:<person id> or api-key:<key id>'),
            from: isoDay.optional().describe('entries on or after this day (YYYY-MM-DD, UTC)'),
            to: isoDay.optional().describe('entries on or before this day (YYYY-MM-DD, UTC)'),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            format: z.enum(['json', 'csv']).default('json'),
          }),
        },
      },
      async (request, reply) => {
        const { dryRun, format, ...rest } = request.query;
        const entries = await seatwise.actions.auditLog({
          ...rest,
          dryRun: dryRun === undefined ? undefined : dryRun === 'true',
        });
        const label = await seatwise.keys.actorLabels();
        const named = entries.map((e) => ({ ...e, actorName: label(e.actor) }));
        if (format === 'json') return { entries: named };
        const accounts = new Map((await seatwise.connections.list()).map((c) => [c.id, c.accountName]));
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="seatwise-audit.csv"');
        return auditCsv(named, accounts);
      },
    );
  };
}
