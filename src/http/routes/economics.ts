import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { seatPlanSchema, teamCostsCsv } from '../../app/economicsService.ts';
import type { Seatwise } from '../../compose.ts';
import { recordSettingsChange } from '../auth.ts';

const connectionQuery = z.object({ connectionId: z.string().min(1).max(100).optional() });
const idParams = z.object({ id: z.string().min(1).max(100) });

/** Seat economics: right-sizing to monday's seat buckets, the renewal ahead, and cost by team. */
export function economicsRoutes(seatwise: Seatwise): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/insights/right-sizing',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['insights'],
          summary:
            'Per connection: the seat bucket it is on, seats used, the smallest bucket reachable, the fewest changes that reach it (longest inactive first) and the yearly saving; with a renewal date, the plan for the renewal',
          querystring: connectionQuery,
        },
      },
      async (request) => ({ connections: await seatwise.economics.rightSizing(request.query.connectionId) }),
    );
    app.post(
      '/api/insights/right-sizing/:id/proposals',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['insights'],
          summary:
            "Turns the connection's right-sizing plan into proposals (its right-sizing policy, made on first use, never applied without review)",
          params: idParams,
        },
      },
      async (request) => seatwise.economics.propose(request.params.id),
    );
    app.get(
      '/api/insights/teams',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['insights'],
          summary:
            'Paid seats and their cost per team (a person in several teams split evenly), per account; as JSON or CSV',
          querystring: connectionQuery.extend({ format: z.enum(['json', 'csv']).default('json') }),
        },
      },
      async (request, reply) => {
        const costs = await seatwise.economics.teamCosts(request.query.connectionId);
        if (request.query.format === 'json') return costs;
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="seatwise-team-costs.csv"');
        return teamCostsCsv(costs.teams);
      },
    );
    app.get(
      '/api/connections/:id/seat-plan',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['connections'],
          summary: "The connection's seat plan: prices, billing period, renewal date, protected people",
          params: idParams,
        },
      },
      async (request) => seatwise.economics.seatPlan(request.params.id),
    );
    app.put(
      '/api/connections/:id/seat-plan',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['connections'],
          summary:
            'Set the seat plan: price per seat a month or per bucket a month, currency, billing period, renewal date, people and domains right-sizing never changes',
          params: idParams,
          body: seatPlanSchema,
        },
      },
      async (request) => {
        const before = await seatwise.economics.seatPlan(request.params.id);
        const after = await seatwise.economics.setSeatPlan(request.params.id, request.body);
        await recordSettingsChange(
          seatwise,
          request,
          `seatPlan:${request.params.id}`,
          { ...before },
          { ...after },
        );
        return after;
      },
    );
    app.get(
      '/api/settings/seat-buckets',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['settings'],
          summary: 'The seat bucket sizes monday sells (monday’s published sizes by default)',
        },
      },
      async () => ({ seatBuckets: await seatwise.economics.buckets() }),
    );
    app.put(
      '/api/settings/seat-buckets',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['settings'],
          summary: 'Set the seat bucket sizes',
          body: z.object({ seatBuckets: z.array(z.number()).max(200) }).strict(),
        },
      },
      async (request) => {
        const before = { seatBuckets: await seatwise.economics.buckets() };
        const after = { seatBuckets: await seatwise.economics.setBuckets(request.body.seatBuckets) };
        await recordSettingsChange(seatwise, request, 'seatBuckets', before, after);
        return after;
      },
    );
  };
}
