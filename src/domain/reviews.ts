import { z } from 'zod';
import { roles } from './directory.ts';

/**
 * Access reviews: a campaign snapshots who has access in the accounts in scope, each item goes to a reviewer,
 * and each decision is carried out in monday and kept as evidence with what monday showed afterwards.
 */

export const reviewDecisions = ['keep', 'revoke', 'downgrade', 'change_role'] as const;
export type ReviewDecision = (typeof reviewDecisions)[number];

/** What becomes of items nobody decided by the close: a decision, or `none` (recorded as not reviewed). */
export const closeDefaults = ['revoke', 'downgrade', 'keep', 'none'] as const;
export type CloseDefault = (typeof closeDefaults)[number];

export const recurrences = ['off', 'quarterly', 'half_yearly'] as const;
export type Recurrence = (typeof recurrences)[number];

/**
 * An item's life: `open` (undecided), `decided` (changeable until submitted), `submitted`, `applying`, then
 * `done` (monday shows the decision), `kept`, `failed` (the reason says why; it can be retried) or
 * `not_reviewed` (closed undecided with no default); at the close, a done item monday no longer shows so is
 * `drifted` (carried out, then changed in monday). A decision that raises access (a higher role, a paid seat)
 * is never carried out on a reviewer's word: it waits as `awaiting_approval` for an operator or admin.
 */
export const itemStatuses = [
  'open',
  'decided',
  'awaiting_approval',
  'submitted',
  'applying',
  'done',
  'kept',
  'failed',
  'not_reviewed',
  'drifted',
] as const;
export type ItemStatus = (typeof itemStatuses)[number];

const personId = z.string().trim().min(1).max(100);
const day = z
  .string()
  .trim()
  .refine((v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}/.test(v), {
    message: 'must be a date such as 2027-01-31 (or a full ISO time)',
  });

export const reviewScopeSchema = z
  .object({
    connectionIds: z.array(z.string().min(1).max(100)).min(1, 'name at least one connection').max(100),
    roles: z.array(z.enum(roles)).max(4).optional(),
    licenses: z
      .array(z.enum(['member', 'viewer', 'guest']))
      .max(3)
      .optional(),
    statuses: z
      .array(z.enum(['active', 'pending', 'deactivated']))
      .max(3)
      .optional(),
    guestsOnly: z.boolean().optional(),
    adminsOnly: z.boolean().optional(),
    /** monday team ids: members of any of them. */
    teamIds: z
      .array(z.string().regex(/^\d{1,20}$/, 'must be a monday team id (digits)'))
      .max(200)
      .optional(),
    /** Only users with no activity for more than this many days (never active counts). */
    inactiveDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();
export type ReviewScope = z.infer<typeof reviewScopeSchema>;

export const reviewerRuleSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('connection'),
      /** The person who reviews each connection's items. */
      byConnection: z.record(z.string().min(1).max(100), personId),
      fallbackPersonId: personId.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('team_owner'),
      /** Reviews the items of users whose teams have no owner who is a person in Seatwise. */
      fallbackPersonId: personId,
    })
    .strict(),
  z
    .object({
      kind: z.literal('people'),
      /** The items are shared among them in turn. */
      personIds: z.array(personId).min(1, 'name at least one reviewer').max(100),
      fallbackPersonId: personId.optional(),
    })
    .strict(),
]);
export type ReviewerRule = z.infer<typeof reviewerRuleSchema>;

export const newCampaignSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200),
    scope: reviewScopeSchema,
    reviewers: reviewerRuleSchema,
    dueAt: day,
    /** When the campaign closes by itself (absent: an admin closes it). */
    endsAt: day.optional(),
    decisions: z
      .array(z.enum(reviewDecisions))
      .min(1)
      .max(4)
      .default([...reviewDecisions]),
    /** How a revoke reaches monday: SCIM for users it provisioned, or GraphQL's deactivate_users. */
    revokeVia: z.enum(['scim', 'graphql']).default('graphql'),
    applyMode: z.enum(['on_submit', 'at_close']).default('on_submit'),
    /** Required: open items are never silently kept. */
    closeDefault: z.enum(closeDefaults, {
      message: 'say what happens to items undecided at the close: revoke, downgrade, keep or none',
    }),
    allowReassign: z.boolean().default(true),
    /** Days before the due date when reviewers with open items are reminded. */
    reminderDays: z.number().int().min(0).max(90).default(3),
    recurrence: z.enum(recurrences).default('off'),
    /** The HR leavers list: people on it are recommended for revoke. */
    leavers: z.array(z.string().trim().toLowerCase().max(320)).max(100_000).default([]),
    /** Inactive for more than this many days is a recommendation (the connection's threshold if absent). */
    inactiveDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();
export type NewCampaignInput = z.input<typeof newCampaignSchema>;
export type CampaignConfig = z.output<typeof newCampaignSchema>;

/** A user as the copy holds them, with their teams, for scoping and snapshots. */
export interface ScopedUser {
  connectionId: string;
  userId: string;
  email: string;
  name: string;
  role: string;
  status: string;
  license: string | null;
  lastActivityAt: string | null;
  scimLinked: boolean;
  invitationMethod: string | null;
  teams: { teamId: string; name: string; owner: boolean }[];
}

const DAY_MS = 86_400_000;

function inactiveFor(user: ScopedUser, days: number, now: Date): boolean {
  if (!user.lastActivityAt) return true;
  return now.getTime() - Date.parse(user.lastActivityAt) > days * DAY_MS;
}

/** Whether a user is in a campaign's scope. */
export function inScope(user: ScopedUser, scope: ReviewScope, now: Date): boolean {
  if (scope.roles?.length && !scope.roles.includes(user.role as never)) return false;
  if (scope.licenses?.length && !scope.licenses.includes((user.license ?? '') as never)) return false;
  if (scope.statuses?.length && !scope.statuses.includes(user.status as never)) return false;
  if (scope.guestsOnly && user.role !== 'guest') return false;
  if (scope.adminsOnly && user.role !== 'admin') return false;
  if (scope.teamIds?.length && !user.teams.some((t) => scope.teamIds!.includes(t.teamId))) return false;
  if (scope.inactiveDays !== undefined && !inactiveFor(user, scope.inactiveDays, now)) return false;
  return true;
}

export interface Recommendation {
  code: 'inactive' | 'never_active' | 'guest_on_org_domain' | 'leaver' | 'inactive_admin';
  /** What the evidence suggests. */
  suggests: 'revoke';
  reason: string;
}

/** What the evidence at launch suggests for one user (each with its reason). */
export function recommendationsFor(
  user: ScopedUser,
  facts: { now: Date; inactiveDays: number; orgDomains: readonly string[]; leavers: ReadonlySet<string> },
): Recommendation[] {
  const out: Recommendation[] = [];
  if (user.status === 'deactivated') return out;
  const email = user.email.toLowerCase();
  if (facts.leavers.has(email))
    out.push({ code: 'leaver', suggests: 'revoke', reason: 'on the HR leavers list' });
  if (user.status === 'active' && !user.lastActivityAt)
    out.push({ code: 'never_active', suggests: 'revoke', reason: 'never active in monday' });
  else if (user.status === 'active' && inactiveFor(user, facts.inactiveDays, facts.now)) {
    const days = Math.floor((facts.now.getTime() - Date.parse(user.lastActivityAt!)) / DAY_MS);
    out.push(
      user.role === 'admin'
        ? { code: 'inactive_admin', suggests: 'revoke', reason: `admin inactive for ${days} days` }
        : { code: 'inactive', suggests: 'revoke', reason: `inactive for ${days} days` },
    );
  }
  const domain = email.split('@')[1] ?? '';
  if (user.role === 'guest' && facts.orgDomains.includes(domain))
    out.push({
      code: 'guest_on_org_domain',
      suggests: 'revoke',
      reason: `a guest on the organisation's own domain ${domain}`,
    });
  return out;
}

/** A person as a candidate reviewer. */
export interface ReviewerCandidate {
  id: string;
  email: string;
  disabled: boolean;
}

/**
 * Who reviews a user under the rule: the connection's reviewer, an owner of one of their teams who is a person
 * in Seatwise, or the named people in turn. Nobody reviews their own access: then the fallback, else null.
 */
export function reviewerFor(
  rule: ReviewerRule,
  user: ScopedUser,
  index: number,
  people: ReadonlyMap<string, ReviewerCandidate>,
  ownerEmails: (teamId: string) => readonly string[],
): string | null {
  const usable = (id: string | undefined) => {
    const p = id ? people.get(id) : undefined;
    return p && !p.disabled && p.email !== user.email.toLowerCase() ? p.id : null;
  };
  let chosen: string | null = null;
  if (rule.kind === 'connection') chosen = usable(rule.byConnection[user.connectionId]);
  else if (rule.kind === 'people') {
    for (let i = 0; i < rule.personIds.length && !chosen; i++)
      chosen = usable(rule.personIds[(index + i) % rule.personIds.length]);
  } else {
    const byEmail = new Map([...people.values()].map((p) => [p.email, p.id]));
    for (const team of [...user.teams].sort((a, b) => a.name.localeCompare(b.name))) {
      for (const email of ownerEmails(team.teamId)) {
        chosen = usable(byEmail.get(email.toLowerCase()));
        if (chosen) break;
      }
      if (chosen) break;
    }
  }
  return chosen ?? usable(rule.fallbackPersonId);
}

/** The state monday shows a user in, as items record it before and after. */
export interface ObservedState {
  role: string;
  status: string;
  license: string | null;
  teams?: string[];
}

/** The monday action that carries a decision out (keep needs none). */
export function actionFor(
  decision: ReviewDecision,
  role: string | null,
  revokeVia: 'scim' | 'graphql',
):
  | { action: 'deactivate'; via: 'scim' | 'graphql' }
  | { action: 'set_role'; role: (typeof roles)[number] }
  | null {
  if (decision === 'revoke') return { action: 'deactivate', via: revokeVia };
  if (decision === 'downgrade') return { action: 'set_role', role: 'viewer' };
  if (decision === 'change_role') return { action: 'set_role', role: role as (typeof roles)[number] };
  return null;
}

/**
 * The one rule for whether a decision is carried out, from monday's state read after the act: `done` only on a
 * positive reading (a revoke: monday shows the user deactivated) and never after monday or Seatwise refused the
 * act (`refusal`). A look-up that does not return the user proves nothing, so it is not done.
 */
export function decisionOutcome(
  decision: ReviewDecision,
  role: string | null,
  after: ObservedState | null,
  refusal: string | null = null,
): { status: 'done' | 'kept' | 'failed'; reason: string } {
  if (decision === 'keep') return { status: 'kept', reason: 'kept as it was' };
  if (!after)
    return {
      status: 'failed',
      reason: `monday did not return this user when asked afterwards, so it is not counted as done${refusal ? ` (${refusal})` : ''}`,
    };
  const shows = `monday shows ${after.role}, ${after.status}`;
  if (refusal) return { status: 'failed', reason: `${refusal}; ${shows}` };
  if (decision === 'revoke')
    return after.status === 'deactivated'
      ? { status: 'done', reason: 'deactivated: monday shows them deactivated' }
      : { status: 'failed', reason: `not deactivated: ${shows}` };
  const target = decision === 'downgrade' ? 'viewer' : role;
  return after.role === target && after.status !== 'deactivated'
    ? { status: 'done', reason: `role ${target}: monday shows them as ${target}` }
    : { status: 'failed', reason: `not ${target}: ${shows}` };
}

/** monday's roles from least to most access: a guest sees what is shared, a viewer reads, a member holds a seat. */
const roleRank: Record<string, number> = { guest: 0, viewer: 1, member: 2, admin: 3 };

/**
 * Whether a decision gives more access than the user had when the campaign snapshotted them: a higher role
 * (a viewer made member takes a paid seat; a member made admin runs the account; a guest "downgraded" to viewer
 * sees every public board). A change from a role Seatwise does not rank (an agent, a service user) counts as
 * raising: nobody is promoted on a guess.
 */
export function raisesAccess(decision: ReviewDecision, role: string | null, fromRole: string): boolean {
  const target = decision === 'downgrade' ? 'viewer' : decision === 'change_role' ? role : null;
  if (!target) return false;
  const from = roleRank[fromRole];
  return from === undefined || (roleRank[target] ?? Number.POSITIVE_INFINITY) > from;
}

/** Whether a keep needs a comment: when the evidence recommended a revoke. */
export function keepNeedsComment(recommendations: readonly Recommendation[]): boolean {
  return recommendations.some((r) => r.suggests === 'revoke');
}

/** The next launch of a recurring campaign after `from`. */
export function nextLaunch(recurrence: Recurrence, from: Date): string | null {
  if (recurrence === 'off') return null;
  const next = new Date(from);
  next.setUTCMonth(next.getUTCMonth() + (recurrence === 'quarterly' ? 3 : 6));
  return next.toISOString();
}

/** Counts of items by where they stand, for progress per campaign and per reviewer. */
export interface ReviewProgress {
  total: number;
  open: number;
  decided: number;
  /** Decisions that raise access, waiting for an operator or admin. */
  awaitingApproval: number;
  submitted: number;
  done: number;
  kept: number;
  failed: number;
  notReviewed: number;
  /** Carried out, then changed in monday before the close. */
  drifted: number;
  overdue: number;
}

/** Progress from item counts by status (`overdueNow`: the campaign is open and past its due date). */
export function progressOf(
  counts: readonly { status: string; n: number | string }[],
  overdueNow: boolean,
): ReviewProgress {
  const count = (...s: ItemStatus[]) =>
    counts.filter((c) => (s as string[]).includes(c.status)).reduce((sum, c) => sum + Number(c.n), 0);
  const open = count('open');
  const decided = count('decided');
  return {
    total: counts.reduce((sum, c) => sum + Number(c.n), 0),
    open,
    decided,
    awaitingApproval: count('awaiting_approval'),
    submitted: count('submitted', 'applying'),
    done: count('done'),
    kept: count('kept'),
    failed: count('failed'),
    notReviewed: count('not_reviewed'),
    drifted: count('drifted'),
    overdue: overdueNow ? open + decided : 0,
  };
}
