/** The emulator's state: accounts with their users, teams and tokens, as monday would hold them. */

export type PlanTier = 'free' | 'basic' | 'standard' | 'pro' | 'enterprise';
export const planTiers: readonly PlanTier[] = ['free', 'basic', 'standard', 'pro', 'enterprise'];

/** monday's `User.kind` values for people (system and agent kinds are not emulated). */
/** The people kinds, then the non-person kinds real accounts contain (agents, service users, portal users). */
export type EmuKind =
  | 'admin'
  | 'member'
  | 'view_only'
  | 'guest'
  | 'agent_member'
  | 'personal_agent_member'
  | 'service_user'
  | 'portal'
  /** Kinds monday lists that Seatwise does not classify (held apart as unclassified). */
  | 'vibe_user'
  | 'external_agent_member';
export const nonPersonKinds: readonly EmuKind[] = [
  'agent_member',
  'personal_agent_member',
  'service_user',
  'portal',
];
export type EmuStatus = 'ACTIVE' | 'INACTIVE' | 'PENDING';
export type TokenRole = 'admin' | 'member' | 'viewer';

export interface EmuUser {
  id: string;
  accountId: string;
  name: string;
  email: string;
  title: string;
  kind: EmuKind;
  status: EmuStatus;
  invitationMethod: string;
  isEmailConfirmed: boolean;
  createdAt: Date;
  becameActiveAt: Date | null;
  lastActivity: Date | null;
  timeZone: string;
  locale: string;
  externalId: string | null;
  teamIds: string[];
  updatedAt: Date;
  /** A service user's creator (monday's `invited_by_id`). */
  invitedById?: string | null;
  /** A service user's API token, when it has one, and when it was last used. */
  serviceToken?: { lastUsedAt: Date | null } | null;
}

export interface EmuTeam {
  id: string;
  name: string;
  /** A guest team holds guests only; any other team holds no guests (monday's `is_guest_team`). */
  isGuest: boolean;
  ownerIds: string[];
  /** Provisioned through SCIM Groups by an identity provider: monday leaves its members to the provider. */
  scimProvisioned: boolean;
  /** The team's SCIM Group id, which is not its GraphQL id. */
  scimId: string;
}

/** A board: who owns it (full control), who follows it, and who may see it (`board_kind`). */
export interface EmuBoard {
  id: string;
  name: string;
  kind: 'public' | 'private' | 'share';
  state: 'active' | 'archived' | 'deleted';
  creatorId: string;
  ownerIds: string[];
  subscriberIds: string[];
  workspaceId: string;
}

/** An automation on a board, run as the person who created it: it stops when they lose the right to run it. */
export interface EmuAutomation {
  id: string;
  boardId: string;
  userId: string;
  title: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** An integration connection (Gmail, Slack, …) a person made; it stops when they are deactivated. */
export interface EmuConnection {
  id: number;
  userId: string;
  provider: string;
  name: string;
  method: 'oauth' | 'token_based';
  state: 'active' | 'inactive';
  createdAt: Date;
  updatedAt: Date;
}

export interface EmuAccount {
  id: string;
  name: string;
  slug: string;
  tier: PlanTier;
  maxUsers: number;
  period: 'monthly' | 'yearly';
  planVersion: number;
  products: { id: string; kind: string; tier: string; defaultWorkspaceId: string }[];
  countryCode: string;
  users: EmuUser[];
  usersById: Map<string, EmuUser>;
  usersByEmail: Map<string, EmuUser>;
  teams: EmuTeam[];
  /** API v2 tokens by the role of the user they belong to. */
  tokens: Record<TokenRole, string>;
  tokenOwners: Record<TokenRole, string>;
  /** Present on Enterprise only; owned by the admin who generated it. */
  scimToken: string | null;
  scimTokenOwnerId: string | null;
  nextUserId: number;
  nextTeamId: number;
  boards: EmuBoard[];
  automations: EmuAutomation[];
  connections: EmuConnection[];
}

export function addUser(account: EmuAccount, user: EmuUser): void {
  account.users.push(user);
  account.usersById.set(user.id, user);
  account.usersByEmail.set(user.email.toLowerCase(), user);
}

export function isScimProvisioned(user: EmuUser): boolean {
  return user.invitationMethod === 'SCIM';
}

/** Seats: admins and members hold paid seats; monday counts active ones against the plan. */
export function activeMembersCount(account: EmuAccount): number {
  let count = 0;
  for (const user of account.users) {
    if (user.status === 'ACTIVE' && (user.kind === 'admin' || user.kind === 'member')) count++;
  }
  return count;
}

/** The account's users in a team, in the account's order. */
export function teamMembers(account: EmuAccount, teamId: string): EmuUser[] {
  return account.users.filter((u) => u.teamIds.includes(teamId));
}

/**
 * Every team's users, in the account's order, from one pass over the users: what a read-only request uses
 * when it lists several teams' members (the state cannot change while a query runs).
 */
export function membersByTeam(account: EmuAccount): Map<string, EmuUser[]> {
  const byTeam = new Map<string, EmuUser[]>();
  for (const user of account.users) {
    for (const teamId of user.teamIds) {
      const members = byTeam.get(teamId);
      if (members) members.push(user);
      else byTeam.set(teamId, [user]);
    }
  }
  return byTeam;
}

/** A SCIM Group id for a team: a string of its own, so a client cannot mistake it for the GraphQL id. */
export function scimGroupId(teamId: string): string {
  let hash = 0x811c9dc5;
  for (const char of `group:${teamId}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `g${hash.toString(16).padStart(8, '0')}-${teamId.length}${teamId.slice(-3)}`;
}
