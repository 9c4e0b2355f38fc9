import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { reportCsp } from '../../app/reviewReport.ts';
import type { ReviewCaller } from '../../app/reviewsService.ts';
import type { Seatwise } from '../../compose.ts';
import { itemStatuses, newCampaignSchema, reviewDecisions } from '../../domain/reviews.ts';
import { actorOf, personOf } from '../auth.ts';

const idParams = z.object({ id: z.string().min(1).max(100) });
const itemIds = z.array(z.string().min(1).max(100)).min(1, 'name at least one item').max(5000);

/** /api/reviews: access review campaigns, a reviewer's inbox, decisions, the close and the evidence. */
export function reviewRoutes(seatwise: Seatwise): FastifyPluginAsyncZod {
  const caller = async (request: FastifyRequest): Promise<ReviewCaller> => ({
    actor: actorOf(request),
    personId: await personOf(seatwise.keys, request),
    role: request.principal!.role,
    via: 'api',
  });
  return async (app) => {
    app.post(
      '/api/reviews',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['reviews'],
          summary:
            'Launch an access review campaign: every user in scope is snapshotted as an item with a reviewer',
          body: newCampaignSchema,
        },
      },
      async (request, reply) => {
        const view = await seatwise.reviews.create(request.body, { actor: actorOf(request), via: 'api' });
        return reply.code(201).header('location', `/api/reviews/${view.id}`).send(view);
      },
    );
    app.get(
      '/api/reviews',
      {
        config: { access: 'signedIn' },
        schema: {
          tags: ['reviews'],
          summary:
            'Campaigns, newest first, with progress (a reviewer sees the campaigns with items of theirs)',
        },
      },
      async (request) => ({ campaigns: await seatwise.reviews.list(await caller(request)) }),
    );
    app.get(
      '/api/reviews/inbox',
      {
        config: { access: 'signedIn' },
        schema: {
          tags: ['reviews'],
          summary: "The caller's items in open campaigns, with what helps decide (My reviews)",
        },
      },
      async (request) => ({ items: await seatwise.reviews.inbox(await caller(request)) }),
    );
    app.get(
      '/api/reviews/:id',
      {
        config: { access: 'signedIn' },
        schema: {
          tags: ['reviews'],
          summary: 'One campaign with its progress per reviewer',
          params: idParams,
        },
      },
      async (request) => seatwise.reviews.get(request.params.id, await caller(request)),
    );
    app.get(
      '/api/reviews/:id/items',
      {
        config: { access: 'signedIn' },
        schema: {
          tags: ['reviews'],
          summary: "A campaign's items (a reviewer sees only theirs)",
          params: idParams,
          querystring: z.object({
            reviewerId: z.string().min(1).max(100).optional(),
            status: z.enum(itemStatuses).optional(),
          }),
        },
      },
      async (request) => ({
        items: await seatwise.reviews.items(request.params.id, await caller(request), request.query),
      }),
    );
    app.post(
      '/api/reviews/:id/decisions',
      {
        config: { access: 'signedIn' },
        schema: {
          tags: ['reviews'],
          summary:
            'Decide items (one or many; changeable until submitted); submit: true submits them at once. Answers per item',
          params: idParams,
          body: z
            .object({
              decisions: z
                .array(
                  z
                    .object({
                      itemId: z.string().min(1).max(100),
                      decision: z.enum(reviewDecisions),
                      role: z.enum(['admin', 'member', 'viewer', 'guest']).optional(),
                      comment: z.string().max(2000).optional(),
                    })
                    .strict(),
                )
                .min(1, 'give at least one decision')
                .max(5000),
              submit: z.boolean().default(false),
            })
            .strict(),
        },
      },
      async (request) => ({
        items: await seatwise.reviews.decide(
          request.params.id,
          request.body.decisions,
          await caller(request),
          { submit: request.body.submit },
        ),
      }),
    );
    app.post(
      '/api/reviews/:id/submit',
      {
        config: { access: 'signedIn' },
        schema: {
          tags: ['reviews'],
          summary: 'Submit decided items: carried out at once or at the close, as the campaign says',
          params: idParams,
          body: z.object({ itemIds }).strict(),
        },
      },
      async (request) => ({
        items: await seatwise.reviews.submit(request.params.id, request.body.itemIds, await caller(request)),
      }),
    );
    app.post(
      '/api/reviews/:id/reassign',
      {
        config: { access: 'signedIn' },
        schema: {
          tags: ['reviews'],
          summary: 'Give items to another reviewer (admins, or the reviewer where the campaign allows it)',
          params: idParams,
          body: z.object({ itemIds, personId: z.string().min(1).max(100) }).strict(),
        },
      },
      async (request) => ({
        items: await seatwise.reviews.reassign(
          request.params.id,
          request.body.itemIds,
          request.body.personId,
          await caller(request),
        ),
      }),
    );
    app.post(
      '/api/reviews/:id/approve',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['reviews'],
          summary:
            'Approve (or decline) review decisions that raise access: approved ones are carried out, declined ones kept as they were',
          params: idParams,
          body: z.object({ itemIds, approve: z.boolean().default(true) }).strict(),
        },
      },
      async (request) => ({
        items: await seatwise.reviews.approve(
          request.params.id,
          request.body.itemIds,
          request.body.approve,
          await caller(request),
        ),
      }),
    );
    app.post(
      '/api/reviews/:id/retry',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['reviews'],
          summary: 'Carry failed items out again',
          params: idParams,
          body: z.object({ itemIds }).strict(),
        },
      },
      async (request) => ({ items: await seatwise.reviews.retry(request.params.id, request.body.itemIds) }),
    );
    app.post(
      '/api/reviews/:id/close',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['reviews'],
          summary:
            "Close a campaign: undecided items take its default, decisions are carried out, monday's state is kept as evidence",
          params: idParams,
        },
      },
      async (request) => seatwise.reviews.close(request.params.id, { actor: actorOf(request), via: 'api' }),
    );
    app.get(
      '/api/reviews/:id/report',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['reviews'],
          summary: 'The evidence of a closed campaign: JSON, CSV or a printable HTML page',
          params: idParams,
          querystring: z.object({ format: z.enum(['json', 'csv', 'html']).default('json') }),
        },
      },
      async (request, reply) => {
        const { format } = request.query;
        const report = await seatwise.reviews.report(request.params.id, format);
        if (format === 'csv')
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="access-review-${request.params.id}.csv"`)
            .send(report);
        if (format === 'html')
          return reply
            .type('text/html; charset=utf-8')
            .header('content-security-policy', reportCsp)
            .send(report);
        return report;
      },
    );
  };
}
