import type { License, Status, StoredRole } from './directory.ts';
import { licenseFor } from './licenseRules.ts';

/**
 * The user fields monday returns, on any API version: 2026-07 has both the legacy booleans and kind/status,
 * 2026-10 only kind/status, older versions only the booleans.
 */
export interface RemoteUserFields {
  kind?: string | null;
  status?: string | null;
  is_admin?: boolean | null;
  is_guest?: boolean | null;
  is_view_only?: boolean | null;
  is_pending?: boolean | null;
  enabled?: boolean | null;
  invitation_method?: string | null;
}

export interface MappedAccess {
  role: StoredRole;
  /** monday's kind as sent, lower-cased (null when the API version has none). */
  kind: string | null;
  status: Status;
  license: License | null;
  scimLinked: boolean;
  /** Why, in words: "member seat: kind=member, status=active". */
  explanation: string;
}

/** The kinds that are people; every other kind monday sends (agents, service, portal, API users) is not. */
const kindToRole: Record<string, StoredRole> = {
  admin: 'admin',
  member: 'member',
  view_only: 'viewer',
  viewer: 'viewer',
  guest: 'guest',
};

/**
 * monday kinds Seatwise knows are not people: AI agents (own and external), service users and monday's
 * system API users, portal users. Any other kind (vibe users, kinds monday adds later) is unclassified: held
 * apart in every figure, never counted as a person and never dropped.
 */
const nonPersonKind =
  /^(agent_member|personal_agent_member|agent_signup_user|external_agent_member|external_agent_detached_member|service_user|[a-z_]+_api_user|portal)$/;

/** Whether monday's kind is one Seatwise knows (a person's, or a known kind that is not a person). */
export function isClassifiedKind(kind: string): boolean {
  const k = kind.toLowerCase();
  return k in kindToRole || nonPersonKind.test(k);
}

const statusMap: Record<string, Status> = { ACTIVE: 'active', PENDING: 'pending', INACTIVE: 'deactivated' };

/**
 * Maps one monday user to role, status, license and SCIM link. The new fields win when present; the legacy
 * booleans are the fallback (admin before guest before viewer, as monday's own UI ranks them).
 */
export function mapUserAccess(user: RemoteUserFields): MappedAccess {
  const reasons: string[] = [];
  let role: StoredRole;
  const kind = user.kind?.toLowerCase() || null;
  if (kind && kindToRole[kind]) {
    role = kindToRole[kind];
    reasons.push(`kind=${kind}`);
  } else if (kind && nonPersonKind.test(kind)) {
    role = 'other';
    reasons.push(`kind=${kind}: not a person`);
  } else if (kind) {
    role = 'other';
    reasons.push(`unclassified kind ${kind}: held apart, not counted as a person`);
  } else if (user.is_admin) {
    role = 'admin';
    reasons.push('is_admin');
  } else if (user.is_guest) {
    role = 'guest';
    reasons.push('is_guest');
  } else if (user.is_view_only) {
    role = 'viewer';
    reasons.push('is_view_only');
  } else {
    role = 'member';
    reasons.push('no admin/guest/viewer flag');
  }

  let status: Status;
  const remoteStatus = user.status?.toUpperCase();
  if (remoteStatus && statusMap[remoteStatus]) {
    status = statusMap[remoteStatus];
    reasons.push(`status=${status}`);
  } else if (user.enabled === false) {
    status = 'deactivated';
    reasons.push('enabled=false');
  } else if (user.is_pending) {
    status = 'pending';
    reasons.push('is_pending');
  } else {
    status = 'active';
    reasons.push('enabled');
  }

  const license = licenseFor(role, status);
  return {
    role,
    kind,
    status,
    license: license.license,
    scimLinked: user.invitation_method === 'SCIM',
    explanation: `${license.summary}: ${reasons.join(', ')}`,
  };
}
