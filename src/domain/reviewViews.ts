import type {
  CampaignConfig,
  ItemStatus,
  ObservedState,
  Recommendation,
  ReviewDecision,
  ReviewProgress,
} from './reviews.ts';

/** How access reviews look to every interface (the API's answers, the CLI's JSON, the web UI). */

/** What a reviewer saw of a user at launch: the evidence kept with the decision. */
export interface ItemSnapshot {
  role: string;
  status: string;
  license: string | null;
  teams: string[];
  /** Teams they own, by name. */
  ownedTeams: string[];
  lastActivityAt: string | null;
  /** How they came into monday: SCIM (an identity provider), or an invitation (and how). */
  provisioned: string;
  /** A paid seat's monthly price on the connection, when it holds one and a price is set. */
  seatCost: { monthly: number; currency: string | null } | null;
  at: string;
}

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
  /** An admin decided it in place of its reviewer: the reviewer it was assigned to. */
  overrideOf: ReviewerSummary | null;
  decidedAt: string | null;
  submittedAt: string | null;
  /** Who approved a decision that raises access (an operator or admin), when one did. */
  approvedBy: string | null;
  approvedByName: string | null;
  status: ItemStatus;
  attempts: number;
  /** What monday showed after, or why the item failed. */
  result: string | null;
  /** The user as monday showed them after (null: no longer in the account; absent: not read yet). */
  after?: ObservedState | null;
  afterAt: string | null;
  auditIds: number[];
}

/** Who decided, in words: an admin deciding in place of the item's reviewer is named as an override of them. */
export function decidedByWords(i: Pick<ReviewItemView, 'decidedByName' | 'overrideOf'>): string {
  const by = i.decidedByName ?? '';
  if (!i.overrideOf) return by;
  const reviewer = i.overrideOf.name ? `${i.overrideOf.name} (${i.overrideOf.email})` : i.overrideOf.email;
  return `${by}, an admin's override of ${reviewer}, whose item it was`;
}
