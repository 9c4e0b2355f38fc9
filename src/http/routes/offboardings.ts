import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { offboardingReceiptHtml } from '../../app/offboardingReceipt.ts';
import { offboardingRequestSchema } from '../../app/offboardingService.ts';
import type { Seatwise } from '../../compose.ts';
import { actorOf } from '../auth.ts';

const idParams = z.object({ id: z.string().min(1).max(100) });

/** Offboarding people from every connected account: plan, run, list, and each one's receipt. */
export function offboardingRoutes(seatwise: Seatwise): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/offboardings',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['offboardings'],
          summary:
            'Offboard people (by email) from every connected account; dryRun: true answers the plan only. The same idempotencyKey resumes or repeats it',
          body: offboardingRequestSchema,
        },
      },
      async (request, reply) => {
        const view = await seatwise.offboardings.offboard(request.body, actorOf(request));
        if (view.dryRun) return view;
        return reply
          .code(view.repeated ? 200 : 201)
          .header('location', `/api/offboardings/${view.id}`)
          .send(view);
      },
    );
    app.get(
      '/api/offboardings',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['offboardings'],
          summary: 'Offboardings, newest first',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        },
      },
      async (request) => {
        const label = await seatwise.keys.actorLabels();
        const list = await seatwise.offboardings.list(request.query.limit);
        return { offboardings: list.map((o) => ({ ...o, requestedByName: label(o.requestedBy) })) };
      },
    );
    app.get(
      '/api/offboardings/:id',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['offboardings'],
          summary: 'One offboarding with its receipt: each account before and after, monday request ids',
          params: idParams,
        },
      },
      async (request) => {
        const view = await seatwise.offboardings.get(request.params.id);
        return { ...view, requestedByName: (await seatwise.keys.actorLabels())(view.requestedBy) };
      },
    );
    app.post(
      '/api/offboardings/:id/resume',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['offboardings'],
          summary: 'Run the steps an offboarding has not finished (it stopped, or an account failed)',
          params: idParams,
        },
      },
      async (request) => seatwise.offboardings.resume(request.params.id, actorOf(request)),
    );
    app.get(
      '/api/offboardings/:id/receipt',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['offboardings'],
          summary: 'The printable receipt (HTML)',
          params: idParams,
        },
      },
      async (request, reply) =>
        reply
          .type('text/html; charset=utf-8')
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
          .send(
            offboardingReceiptHtml(
              await seatwise.offboardings.get(request.params.id),
              await seatwise.keys.actorLabels(),
            ),
          ),
    );
  };
}
