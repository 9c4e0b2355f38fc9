import type {
  CampaignConfig,
  ItemStatus,
  ObservedState,
  Recommendation,
  ReviewDecision,
} from '../domain/reviews.ts';
import type { ItemSnapshot, ReviewerSummary, ReviewItemView } from '../domain/reviewViews.ts';
import type { CampaignRow, ReviewItemRow } from '../store/reviewsRepo.ts';

export type { CampaignView, ReviewerSummary, ReviewItemView } from '../domain/reviewViews.ts';

export function toItemView(
  row: ReviewItemRow,
  people: ReadonlyMap<string, ReviewerSummary>,
  label: (actor: string) => string,
): ReviewItemView {
  const recommendations = JSON.parse(row.recommendations) as Recommendation[];
  return {
    id: row.id,
    campaignId: row.campaign_id,
    connectionId: row.connection_id,
    accountName: row.account_name,
    userId: row.remote_user_id,
    email: row.email,
    name: row.name,
    snapshot: JSON.parse(row.snapshot) as ItemSnapshot,
    recommendations,
    keepNeedsComment: recommendations.some((r) => r.suggests === 'revoke'),
    reviewerId: row.reviewer_id,
    reviewer: people.get(row.reviewer_id) ?? null,
    decision: row.decision as ReviewDecision | null,
    role: row.decision_role,
    comment: row.comment,
    decidedBy: row.decided_by,
    decidedByName: row.decided_by ? label(row.decided_by) : null,
    overrideOf: row.override_of
      ? (people.get(row.override_of) ?? { id: row.override_of, email: row.override_of, name: null })
      : null,
    decidedAt: row.decided_at,
    submittedAt: row.submitted_at,
    approvedBy: row.approved_by,
    approvedByName: row.approved_by ? label(row.approved_by) : null,
    status: row.status as ItemStatus,
    attempts: row.attempts,
    result: row.result,
    ...(row.after === null ? {} : { after: JSON.parse(row.after) as ObservedState | null }),
    afterAt: row.after_at,
    auditIds: JSON.parse(row.audit_ids) as number[],
  };
}

export function campaignFields(row: CampaignRow) {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    dueAt: row.due_at,
    endsAt: row.ends_at,
    recurrence: row.recurrence,
    nextLaunchAt: row.next_launch_at,
    seriesOf: row.series_of,
    createdBy: row.created_by,
    createdAt: row.created_at,
    closedBy: row.closed_by,
    closedAt: row.closed_at,
    config: JSON.parse(row.config) as CampaignConfig,
  };
}
