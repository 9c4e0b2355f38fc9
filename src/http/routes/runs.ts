import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Seatwise } from '../../compose.ts';
import type { Metrics } from '../metrics.ts';

/** Sync: trigger one (returns the run), list runs, get a run. */
export function runRoutes(seatwise: Seatwise, metrics: Metrics): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/connections/:id/sync',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['sync'],
          summary: 'Sync a connection now and return the finished run',
          params: z.object({ id: z.string().min(1).max(100) }),
        },
      },
      async (request, reply) => {
        const result = await seatwise.sync.sync(request.params.id, { trigger: 'api' });
        metrics.syncs.inc({ outcome: result.status });
        return reply.code(result.status === 'succeeded' ? 201 : 502).send({
          run: await seatwise.sync.getRun(result.runId),
          removed: result.removed,
          durationMs: result.durationMs,
        });
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
          summary: 'One sync run with its change events',
          params: z.object({ id: z.string().min(1).max(100) }),
        },
      },
      async (request) => {
        const run = await seatwise.sync.getRun(request.params.id);
        return { ...run, changes: await seatwise.users.changes(run.connectionId, run.id) };
      },
    );
  };
}
