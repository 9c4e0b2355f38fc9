/** Seatwise's vocabulary for a synced monday user. The roles a person can be given: */
export const roles = ['admin', 'member', 'viewer', 'guest'] as const;
/** …and what a stored user can be: `other` is a user that is not a person (an agent, a service user). */
export const storedRoles = [...roles, 'other'] as const;
export const statuses = ['active', 'pending', 'deactivated'] as const;
export const licenses = ['member', 'viewer', 'guest'] as const;

export type Role = (typeof roles)[number];
export type StoredRole = (typeof storedRoles)[number];
export type Status = (typeof statuses)[number];
export type License = (typeof licenses)[number];

/** A monday user as Seatwise stores it. */
export interface DirectoryUser {
  remoteId: string;
  name: string;
  email: string;
  title: string;
  role: StoredRole;
  /** monday's own `kind`, as it sent it (null on API versions without it). */
  kind: string | null;
  status: Status;
  license: License | null;
  lastActivityAt: string | null;
  createdAt: string | null;
  scimLinked: boolean;
  invitationMethod: string | null;
}

/** What a list of users can be sorted by. */
export const userSortKeys = [
  'name',
  'email',
  'role',
  'status',
  'license',
  'lastActivityAt',
  'createdAt',
] as const;
export type UserSortKey = (typeof userSortKeys)[number];
