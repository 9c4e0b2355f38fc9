import { AppError } from '../domain/appError.ts';
import { newId } from '../domain/ids.ts';
import {
  actionFor,
  type CampaignConfig,
  decisionOutcome,
  type ObservedState,
  type ReviewDecision,
} from '../domain/reviews.ts';
import type { MondayApi, RemoteUser } from '../monday/mondayApi.ts';
import { describeHolder } from '../store/leaseRepo.ts';
import type { ReviewItemRow, ReviewsRepo } from '../store/reviewsRepo.ts';
import { toDirectoryUser } from '../sync/toDirectoryUser.ts';
import type { ActionsService } from './actionsService.ts';
import type { ConnectionsService } from './connections.ts';

export interface RunnerTiming {
  leaseMs: number;
  heartbeatMs: number;
}

/** The idempotency key of one attempt at an item: the audit log reads the campaign from it. */
export function reviewKey(campaignId: string, itemId: string, attempt: number): string {
  return `review-${campaignId}-${itemId}-a${attempt}`;
}

/** What monday shows of these users now, with their teams, by user id (absent: not in the account). */
export async function observe(api: MondayApi, userIds: string[]): Promise<Map<string, ObservedState>> {
  const out = new Map<string, ObservedState>();
  for (let i = 0; i < userIds.length; i += 100) {
    const ids = userIds.slice(i, i + 100);
    const users: RemoteUser[] = await api.usersByIds(ids);
    const teams = users.length ? await api.userTeamsNamed(users.map((u) => u.id)) : new Map();
    for (const remote of users) {
      const u = toDirectoryUser(remote);
      out.set(u.remoteId, {
        role: u.role,
        status: u.status,
        license: u.license,
        teams: ((teams.get(u.remoteId) ?? []) as { name: string }[]).map((t) => t.name).sort(),
      });
    }
  }
  return out;
}

/**
 * Carries reviewers' decisions out through the action engine (plan, check-then-act, an idempotency key per
 * attempt, audit naming the decider and the campaign), then reads monday again: an item is `done` only when
 * monday shows the decision.
 */
export class ReviewRunner {
  constructor(
    private readonly repo: ReviewsRepo,
    private readonly connections: ConnectionsService,
    private readonly actions: ActionsService,
    private readonly now: () => Date,
    private readonly timing: RunnerTiming,
  ) {}

  /** Carries one item out if it can be taken (submitted, failed, or left by a stopped runner). */
  async apply(item: ReviewItemRow, config: CampaignConfig, closer?: string): Promise<ReviewItemRow> {
    const token = describeHolder(`review item ${item.id} run ${newId('rvr')}`);
    const claimed = await this.repo.claim(item.id, token, this.now(), this.timing.leaseMs, closer);
    if (!claimed) {
      const now = await this.repo.item(item.id);
      if (now?.status === 'applying')
        throw new AppError(
          'conflict',
          'item_in_progress',
          `item ${item.id} is being carried out by ${now.holder ?? 'another process'} until ${now.lease_until}`,
        );
      return now ?? item;
    }
    const decision = claimed.decision as ReviewDecision;
    const act = actionFor(decision, claimed.decision_role, config.revokeVia);
    const at = () => this.now().toISOString();
    if (!act) {
      await this.repo.settle(claimed.id, token, {
        status: 'kept',
        result: 'kept as it was',
        updated_at: at(),
      });
      return (await this.repo.item(claimed.id))!;
    }
    const beat = setInterval(() => {
      void this.repo.beat(claimed.id, token, this.now(), this.timing.leaseMs).catch(() => undefined);
    }, this.timing.heartbeatMs);
    beat.unref();
    const auditIds = JSON.parse(claimed.audit_ids) as number[];
    let actionNote = '';
    // Set when Seatwise or monday refused the act: the item then cannot be done, whatever a look-up says.
    let refusal: string | null = null;
    try {
      try {
        const result = await this.actions.run(
          {
            ...act,
            connectionId: claimed.connection_id,
            targets: [{ userId: claimed.remote_user_id }],
            idempotencyKey: reviewKey(claimed.campaign_id, claimed.id, claimed.attempts),
          },
          // A raise is carried out on the authority of whoever approved it.
          claimed.approved_by ?? claimed.decided_by ?? 'seatwise',
        );
        auditIds.push(result.auditId);
        const r = result.results[0] ?? result.plan[0];
        actionNote = r ? `monday answered: ${r.reason}` : `monday answered: ${result.outcome}`;
        if (result.outcome === 'failed' || result.outcome === 'partial')
          refusal = `refused: ${r?.reason ?? result.outcome}`;
      } catch (error) {
        // Refused before monday was asked (read-only connection, SCIM not available, …): monday is read anyway.
        actionNote = `not carried out: ${(error as Error).message}`;
        refusal = actionNote;
      }
      let after: ObservedState | null;
      try {
        const api = await this.connections.api(claimed.connection_id);
        after = (await observe(api, [claimed.remote_user_id])).get(claimed.remote_user_id) ?? null;
      } catch (error) {
        const why = (error as Error).message;
        await this.repo.settle(claimed.id, token, {
          status: 'failed',
          // The same reason twice (the demo from another process, say) is said once.
          result: actionNote.endsWith(why)
            ? `${actionNote}; so it is not counted as done: retry to check again`
            : `${actionNote}; monday could not be asked afterwards (${why}), so it is not counted as done: retry to check again`,
          audit_ids: JSON.stringify(auditIds),
          updated_at: at(),
        });
        return (await this.repo.item(claimed.id))!;
      }
      const outcome = decisionOutcome(decision, claimed.decision_role, after, refusal);
      await this.repo.settle(claimed.id, token, {
        status: outcome.status,
        result: outcome.status === 'done' || refusal ? outcome.reason : `${outcome.reason} (${actionNote})`,
        after: JSON.stringify(after),
        after_at: at(),
        audit_ids: JSON.stringify(auditIds),
        updated_at: at(),
      });
      return (await this.repo.item(claimed.id))!;
    } finally {
      clearInterval(beat);
    }
  }
}
