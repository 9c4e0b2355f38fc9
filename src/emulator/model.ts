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
  | 'portal';
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
}

export interface EmuTeam {
  id: string;
  name: string;
  isGuest: boolean;
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
