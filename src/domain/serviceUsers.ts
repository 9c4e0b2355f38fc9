/**
 * What the server says of service users and the account's daily API calls: the shapes the HTTP API answers, which
 * the web UI reads as they are (type-only imports, so both sides name one definition).
 */

export interface StoredDailyUsage {
  /** The UTC day the reading is of. */
  day: string;
  limit: number | null;
  usedToday: number | null;
  /** Today's calls by the API token's owner: Seatwise's own, and that person's other scripts. */
  tokenOwnerToday: number | null;
  readAt: string;
}

/** The account's daily calls: monday's limit, today's use by everyone and by the token's owner, a sync's cost. */
export type DailyUsageView = StoredDailyUsage & { syncCost: number | null };

/** Why a service user deserves a look. */
export type ServiceUserFinding =
  /** It has a token nobody used for the threshold's days (or ever, and it is that old). */
  | 'token_unused'
  /** Its creator is deactivated in monday, or gone from the account. */
  | 'creator_deactivated'
  /** Its token is still in use although its creator left. */
  | 'token_active_creator_left';

export interface ServiceUserView {
  connectionId: string;
  id: string;
  name: string;
  title: string | null;
  enabled: boolean | null;
  hasToken: boolean | null;
  createdAt: string | null;
  lastTokenActivity: string | null;
  createdBy: { id: string; name: string | null; email: string | null; status: string | null } | null;
  findings: ServiceUserFinding[];
  syncedAt: string;
}

export interface ServiceUsersList {
  connectionId: string;
  /** When they were last read, and why not when the last attempt could not (null: it could). */
  readAt: string | null;
  error: string | null;
  unusedDays: number;
  serviceUsers: ServiceUserView[];
  summary: Record<ServiceUserFinding, number> & { total: number; withToken: number };
}

/** The result of a revoke: what monday showed after it, never what was planned. */
export interface RevokeResult {
  connectionId: string;
  serviceUserId: string;
  name: string;
  dryRun: boolean;
  /** `revoked` (monday shows no token now), `unchanged` (it had none), `failed`, `unverified` (no after-read). */
  outcome: 'planned' | 'revoked' | 'unchanged' | 'failed' | 'unverified';
  plan: { hadToken: boolean; lastTokenActivity: string | null; change: string };
  error: { code: string; message: string } | null;
  replayed: boolean;
  auditId: number | null;
}
