import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Seatwise } from '../../compose.ts';
import { AppError } from '../../domain/appError.ts';
import { allows } from '../../domain/roles.ts';
import { HttpError } from '../errorEnvelope.ts';
import type { Metrics } from '../metrics.ts';

/** Sync: trigger one (returns the run), list runs, get a run. */
export function runRoutes(seatwise: Seatwise, metrics: Metrics): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/connections/:id/sync',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['sync'],
          summary:
            'Sync a connection now: returns the finished run, with wait=false the started run (202), or with queue=true the job a worker runs (202)',
          params: z.object({ id: z.string().min(1).max(100) }),
          querystring: z.object({
            wait: z.enum(['true', 'false']).default('true'),
            queue: z.enum(['true', 'false']).default('false'),
            confirmRemovals: z
              .enum(['true', 'false'])
              .default('false')
              .describe('apply the removals the last run held for review (those monday still does not show)'),
          }),
        },
      },
      async (request, reply) => {
        const confirmRemovals = request.query.confirmRemovals === 'true';
        // Removing many people at once on a sync's word is an admin's decision.
        if (confirmRemovals && !allows(request.principal!.role, 'admin'))
          throw new HttpError(
            403,
            'forbidden',
            `confirming held removals needs the admin role; ${request.principal!.kind === 'person' ? `${request.principal!.person!.email} has` : 'the key used has'} the ${request.principal!.role} role`,
          );
        if (request.query.queue === 'true') {
          await seatwise.connections.get(request.params.id);
          const jobId = await seatwise.jobs.enqueue('sync', request.params.id, {
            trigger: 'api',
            confirmRemovals,
          });
          return reply.code(202).header('location', `/api/jobs/${jobId}`).send({ jobId });
        }
        if (request.query.wait === 'false') {
          const run = await seatwise.sync.start(
            request.params.id,
            'api',
            (result) => metrics.syncs.inc({ outcome: result.status }),
            confirmRemovals,
          );
          return reply.code(202).header('location', `/api/runs/${run.id}`).send({ run });
        }
        const result = await seatwise.sync.sync(request.params.id, { trigger: 'api', confirmRemovals });
        metrics.syncs.inc({ outcome: result.status });
        if (result.status !== 'succeeded') {
          // The one error shape; the run (with monday's request id) is recorded and named.
          throw new AppError(
            'upstream',
            'sync_failed',
            `the sync failed and the stored users are unchanged: ${result.error?.message ?? 'unknown error'}`,
            {
              runId: result.runId,
              mondayCode: result.error?.code ?? null,
              requestId: result.error?.requestId ?? null,
            },
          );
        }
        return reply.code(201).send({
          run: await seatwise.sync.getRun(result.runId),
          removed: result.removed,
          removalsHeld: result.removalsHeld,
          durationMs: result.durationMs,
        });
      },
    );
    app.get(
      '/api/jobs/:id',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['sync'],
          summary: 'A queued job (sync, action batch, webhook delivery): its status, attempts and result',
          params: z.object({ id: z.string().min(1).max(100) }),
        },
      },
      async (request) => {
        const job = await seatwise.jobs.state(request.params.id);
        if (!job) throw new AppError('not_found', 'job_not_found', `no job with id ${request.params.id}`);
        const { holder: _holder, ...shown } = job;
        return { id: request.params.id, ...shown };
      },
    );
    app.get(
      '/api/runs',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['sync'],
          summary: 'Sync run history, newest first',
          querystring: z.object({
            connectionId: z.string().min(1).max(100).optional(),
            limit: z.coerce.number().int().min(1).max(500).default(50),
          }),
        },
      },
      async (request) => ({
        runs: await seatwise.sync.listRuns(request.query.connectionId, request.query.limit),
      }),
    );
    app.get(
      '/api/runs/:id',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['sync'],
          summary: 'One sync run (its change events are paged at /api/runs/{id}/events)',
          params: z.object({ id: z.string().min(1).max(100) }),
        },
      },
      async (request) => {
        const run = await seatwise.sync.getRun(request.params.id);
        return { ...run, heldRemovals: run.removalsHeld > 0 ? await seatwise.sync.heldByRun(run.id) : [] };
      },
    );
    app.get(
      '/api/connections/:id/held-removals',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['sync'],
          summary:
            'Who the last sync held for review instead of removing (monday no longer shows them); confirm with POST /api/connections/{id}/sync?confirmRemovals=true',
          params: z.object({ id: z.string().min(1).max(100) }),
        },
      },
      async (request) => ({ heldRemovals: await seatwise.sync.heldRemovals(request.params.id) }),
    );
    app.get(
      '/api/runs/:id/events',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['sync'],
          summary: "A run's change events in order, a page at a time",
          params: z.object({ id: z.string().min(1).max(100) }),
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            cursor: z
              .string()
              .regex(/^\d{1,15}$/, 'is not a cursor from a previous page')
              .optional(),
          }),
        },
      },
      async (request) => {
        const run = await seatwise.sync.getRun(request.params.id);
        return {
          runId: run.id,
          ...(await seatwise.users.changesPage(run.connectionId, run.id, request.query)),
        };
      },
    );
  };
}
