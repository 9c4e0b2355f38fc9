import type { License, Role, Status, StoredRole } from './directory.ts';
import { isInactive } from './inactivity.ts';

/**
 * The rules a connection can have. Each turns synced users into proposals: who, why, which action.
 * - `inactive_members_to_viewer`: members holding a paid seat with no activity for `days` (or never) → viewer;
 * - `stale_invites_report`: invitations pending for more than `days` → reported (nothing to approve);
 * - `hr_leavers_deactivate`: the people on an HR leavers list (emails) still active or pending → deactivate;
 * - `right_size_to_bucket`: the fewest inactive members → viewer that put the account in the smallest seat
 *   bucket it can reach (seat economics; its proposals come from the right-sizing plan, not from `draftProposals`).
 */
export const policyKinds = [
  'inactive_members_to_viewer',
  'stale_invites_report',
  'hr_leavers_deactivate',
  'right_size_to_bucket',
] as const;
export type PolicyKind = (typeof policyKinds)[number];

/** Where a proposal stands: open for review, or decided (applied, rejected, failed), reported, or withdrawn. */
export const proposalStatuses = [
  'open',
  'approved',
  'rejected',
  'applied',
  'failed',
  'reported',
  'withdrawn',
] as const;

export interface PolicyRule {
  kind: PolicyKind;
  /** `days` for the inactivity and invitation rules; `emails` for the HR list. */
  params: { days?: number; emails?: string[] };
  /** Emails and domains (`example.com`) the rule never touches. */
  exceptions: { emails: string[]; domains: string[] };
}

/** A synced user as a rule sees it. */
export interface PolicyUser {
  remoteUserId: string;
  email: string;
  name: string;
  role: StoredRole;
  status: Status;
  license: License | null;
  lastActivityAt: string | null;
  createdAt: string | null;
  scimLinked: boolean;
}

export interface ProposalDraft {
  remoteUserId: string;
  email: string;
  action: 'set_role' | 'deactivate' | 'report';
  params: { role?: Role; via?: 'scim' | 'graphql' };
  reason: string;
}

const DAY = 86_400_000;

/** What a rule says in words (lists, notifications). */
export function describeRule(rule: Pick<PolicyRule, 'kind' | 'params'>): string {
  switch (rule.kind) {
    case 'inactive_members_to_viewer':
      return `members inactive for ${rule.params.days} days → change role to viewer`;
    case 'stale_invites_report':
      return `pending invites older than ${rule.params.days} days → report`;
    case 'hr_leavers_deactivate':
      return `people on the HR leavers list (${rule.params.emails?.length ?? 0}) → deactivate`;
    case 'right_size_to_bucket':
      return 'inactive members → viewer, longest inactive first, to reach the smallest seat bucket';
  }
}

/** Whether the rule's exception list covers an email (exactly, or by its domain). */
export function isExcepted(rule: Pick<PolicyRule, 'exceptions'>, email: string): boolean {
  const address = email.toLowerCase();
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return (
    rule.exceptions.emails.some((e) => e.toLowerCase() === address) ||
    rule.exceptions.domains.some((d) => d.toLowerCase() === domain)
  );
}

/**
 * The proposals a rule makes for the given users (already narrowed by the store, checked again here): never
 * for the API token's owner (monday does not let a token change its own user) nor for an exception.
 */
export function draftProposals(
  rule: PolicyRule,
  users: Iterable<PolicyUser>,
  now: Date,
  tokenOwnerId: string,
): ProposalDraft[] {
  const drafts: ProposalDraft[] = [];
  const days = rule.params.days ?? 0;
  const cutoff = now.getTime() - days * DAY;
  const leavers = new Set((rule.params.emails ?? []).map((e) => e.toLowerCase()));
  for (const user of users) {
    if (user.remoteUserId === tokenOwnerId || isExcepted(rule, user.email)) continue;
    const base = { remoteUserId: user.remoteUserId, email: user.email.toLowerCase() };
    switch (rule.kind) {
      case 'inactive_members_to_viewer': {
        if (user.role !== 'member' || user.status !== 'active' || user.license !== 'member') break;
        if (!isInactive(user, now, days)) break;
        const last = user.lastActivityAt;
        drafts.push({
          ...base,
          action: 'set_role',
          params: { role: 'viewer' },
          reason:
            last === null
              ? `holds a paid seat and was never active since joining ${user.createdAt!.slice(0, 10)} (inactive ${days}+ days rule)`
              : `holds a paid seat and was last active ${user.lastActivityAt!.slice(0, 10)}, over ${days} days ago`,
        });
        break;
      }
      case 'stale_invites_report': {
        if (user.status !== 'pending' || !user.createdAt) break;
        const invited = Date.parse(user.createdAt);
        if (invited >= cutoff) break;
        drafts.push({
          ...base,
          action: 'report',
          params: {},
          reason: `invited ${user.createdAt.slice(0, 10)} and pending for ${Math.floor((now.getTime() - invited) / DAY)} days`,
        });
        break;
      }
      case 'hr_leavers_deactivate': {
        if (!leavers.has(user.email.toLowerCase()) || user.status === 'deactivated') break;
        drafts.push({
          ...base,
          action: 'deactivate',
          params: { via: user.scimLinked ? 'scim' : 'graphql' },
          reason: 'is on the HR leavers list',
        });
        break;
      }
      case 'right_size_to_bucket':
        // Drafted from the account's right-sizing plan (EconomicsService), which needs the bucket and counts.
        break;
    }
  }
  return drafts;
}
