import type {
  CampaignConfig,
  ItemStatus,
  ObservedState,
  Recommendation,
  ReviewDecision,
  ReviewProgress,
} from '../domain/reviews.ts';
import type { CampaignRow, ReviewItemRow } from '../store/reviewsRepo.ts';
import type { ItemSnapshot } from './reviewLaunch.ts';

export interface ReviewerSummary {
  id: string;
  email: string;
  name: string | null;
}

/** A campaign as every interface shows it, with progress per campaign and per reviewer. */
export interface CampaignView {
  id: string;
  name: string;
  status: 'open' | 'closing' | 'closed';
  dueAt: string;
  endsAt: string | null;
  overdue: boolean;
  recurrence: string;
  nextLaunchAt: string | null;
  seriesOf: string | null;
  createdBy: string;
  createdByName: string;
  createdAt: string;
  closedBy: string | null;
  closedByName: string | null;
  closedAt: string | null;
  config: CampaignConfig;
  /** The accounts in scope, by name. */
  accounts: string[];
  progress: ReviewProgress;
  reviewers: (ReviewerSummary & { progress: ReviewProgress })[];
}

/** One item under review. */
export interface ReviewItemView {
  id: string;
  campaignId: string;
  connectionId: string;
  accountName: string;
  userId: string;
  email: string;
  name: string;
  snapshot: ItemSnapshot;
  recommendations: Recommendation[];
  /** A keep needs a comment: the evidence recommended a revoke. */
  keepNeedsComment: boolean;
  reviewerId: string;
  reviewer: ReviewerSummary | null;
  decision: ReviewDecision | null;
  /** The role a change_role decision sets. */
  role: string | null;
  comment: string | null;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedAt: string | null;
  submittedAt: string | null;
  status: ItemStatus;
  attempts: number;
  /** What monday showed after, or why the item failed. */
  result: string | null;
  /** The user as monday showed them after (null: no longer in the account; absent: not read yet). */
  after?: ObservedState | null;
  afterAt: string | null;
  auditIds: number[];
}

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
    decidedAt: row.decided_at,
    submittedAt: row.submitted_at,
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
