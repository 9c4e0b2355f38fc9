/** What the HTTP API answers, as the web UI uses it. */

export type Role = 'admin' | 'member' | 'viewer' | 'guest';
export type Status = 'active' | 'pending' | 'deactivated';

export interface Session {
  /** A key (bearer or its browser session), or a person signed in with single sign-on. */
  kind: 'key' | 'person';
  keyId?: string;
  /** A key's name, and the person it belongs to (null: nobody's, such as the first admin key). */
  keyName?: string;
  owner?: { id: string; email: string; name: string | null } | null;
  person?: { id: string; email: string; name: string | null };
  /** Where a person's role came from. */
  roleSource?: 'seatwise' | 'provider' | 'both' | 'default' | 'none';
  role: SeatwiseRole;
  via: 'key' | 'session';
  csrfToken?: string;
  expiresAt?: string;
}

export interface Connection {
  id: string;
  accountId: string;
  accountName: string;
  accountSlug: string;
  accountUrl: string | null;
  planTier: string | null;
  maxUsers: number | null;
  permission: 'read' | 'read_and_act';
  apiUrl: string;
  /** `current` (follows monday's calendar) or a pinned YYYY-MM. */
  apiVersion: string;
  /** The version monday last said it served (its API-Version header). */
  servedApiVersion: string | null;
  apiVersionNotice: VersionNotice | null;
  dailyUsage: DailyUsageView | null;
  syncDeferred: string | null;
  scimUrl: string | null;
  hasScimToken: boolean;
  tokenOwnerKind: string | null;
  status: 'connected' | 'syncing' | 'error';
  statusReason: string | null;
  lastSyncedAt: string | null;
  userCount: number;
  removalsHeld: number;
  /** The sample account of "Try with a demo account". */
  demo: boolean;
  removalHold: { percent: number; min: number };
  inactiveDays: number;
  seatPrice: number | null;
  currency: string | null;
  webhookHost: string | null;
  syncSchedule: string;
  nextSyncAt: string | null;
  graphqlOffboarding: boolean;
}

export interface Run {
  id: string;
  connectionId: string;
  trigger: string;
  status: 'running' | 'succeeded' | 'failed' | 'abandoned';
  startedAt: string;
  finishedAt: string | null;
  pagesRead: number;
  usersSeen: number;
  changes: number;
  requests: number;
  removalsHeld: number;
  error: { code: string; message: string } | null;
}

export type { HeldRemoval } from '../../src/domain/removals.ts';

export interface User {
  connectionId: string;
  id: string;
  name: string;
  email: string;
  title: string;
  role: Role | 'other';
  kind: string | null;
  status: Status;
  license: 'member' | 'viewer' | 'guest' | null;
  lastActivityAt: string | null;
  createdAt: string | null;
  scimLinked: boolean;
  invitationMethod: string | null;
  /** The teams the user is in (on list pages). */
  teams?: { id: string; name: string }[];
}

export interface UserDetail extends User {
  explanation: string;
  teams: { id: string; name: string; owner: boolean; isGuest: boolean }[];
  history: {
    id: number;
    runId: string | null;
    kind: string;
    teamId?: string;
    before: unknown;
    after: unknown;
    occurredAt: string;
    /** The Seatwise action that made the change: its audit entry and who ran it (null: a sync saw it). */
    auditId: number | null;
    by: string | null;
    byName: string | null;
  }[];
}

/** A monday team with what it holds in seats (the server's own shape, type-only). */
export type Team = TeamView;

export interface TeamDetail extends Team {
  ownerUsers: User[];
}

export interface UsersPage {
  users: User[];
  nextCursor: string | null;
  total?: number;
}

export interface Capabilities {
  connectionId: string;
  reads: { name: string; available: boolean; reason: string | null }[];
  actions: {
    id: string;
    action: ActionName;
    via: 'scim' | 'graphql';
    label: string;
    operation: string;
    available: boolean;
    reasons: string[];
  }[];
  /** How offboarding reaches this account's users: SCIM for those it provisioned, GraphQL where allowed. */
  offboarding: Capabilities['actions'];
  /** What can be done to the account's service users (monday's non-human identities). */
  serviceUsers: Capabilities['actions'];
  apiVersion: { setting: string; served: string | null; notice: VersionNotice | null };
}

// The action contract is the server's own (one definition, type-only: nothing of the server is bundled).
import type { ActionName, ActionResult, PlanItem } from '../../src/domain/actionResult.ts';
import type { VersionNotice } from '../../src/domain/apiVersions.ts';
import type { SeatwiseRole } from '../../src/domain/roles.ts';
import type { DailyUsageView } from '../../src/domain/serviceUsers.ts';
import type { TeamView } from '../../src/domain/teams.ts';

export type {
  DailyUsageView,
  RevokeResult,
  ServiceUserFinding,
  ServiceUsersList,
  ServiceUserView,
} from '../../src/domain/serviceUsers.ts';
export type { ActionName, ActionResult, PlanItem, VersionNotice };

export interface Insights {
  connectionId: string;
  accountName: string;
  planTier: string | null;
  lastSyncedAt: string | null;
  users: number;
  notPeople: number;
  /** Users of a kind Seatwise does not know, by kind: held apart from every other figure. */
  unclassified: { kind: string; count: number }[];
  byStatus: Record<Status, number>;
  byRole: Record<Role, number>;
  byLicense: Record<'member' | 'viewer' | 'guest' | 'none', number>;
  seats: {
    paid: number;
    memberSeats: number;
    billedGuests: number;
    planMax: number | null;
    available: number | null;
    utilization: number | null;
    viewer: number;
    guest: number;
    freeGuests: number;
  };
  pendingInvites: number;
  pendingInviteAge: { oldestDays: number | null; over30Days: number };
  inactiveDays: number;
  inactivePaidSeats: number;
  inactiveNeverActive: number;
  inactiveAdmins: number;
  cost: { seatPrice: number; currency: string; monthlyWaste: number; yearlyWaste: number } | null;
  monthlyWaste: number | null;
}

export interface Policy {
  id: string;
  connectionId: string;
  kind: 'inactive_members_to_viewer' | 'stale_invites_report' | 'hr_leavers_deactivate';
  description: string;
  days: number | null;
  emails: number | null;
  exceptions: { emails: string[]; domains: string[] };
  autoApply: boolean;
  maxPerRun: number;
  createdAt: string;
}

export interface Proposal {
  id: string;
  policyId: string;
  connectionId: string;
  userId: string;
  email: string;
  action: 'set_role' | 'deactivate' | 'report';
  params: { role?: string; via?: string };
  reason: string;
  status: string;
  createdAt: string;
  decidedBy: string | null;
  outcome: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  /** null: an entry about Seatwise itself (a sign-in, a key, a person, settings). */
  connectionId: string | null;
  action: string;
  via: string;
  dryRun: boolean;
  outcome: string;
  targets: unknown[];
  /** An action's plan; for an entry about Seatwise, what changed (`before` and `after` where it applies). */
  plan?: unknown;
  results: { target: string; email?: string; outcome: string; reason: string }[];
  error: { code: string; message: string } | null;
  actorName: string;
  targetLabels: string[];
  source: { kind: 'offboarding' | 'proposal' | 'review'; id: string } | null;
}

// Offboarding views are the server's own (type-only).
import type {
  OffboardingView as Offboarding,
  OffboardingItemView as OffboardingItem,
  OffboardingStepView as OffboardingStep,
} from '../../src/domain/offboarding.ts';

export type { Offboarding, OffboardingItem, OffboardingStep };
