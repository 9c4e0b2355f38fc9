/** Seatwise's vocabulary for a synced monday user. */
export const roles = ['admin', 'member', 'viewer', 'guest'] as const;
export const statuses = ['active', 'pending', 'deactivated'] as const;
export const licenses = ['member', 'viewer', 'guest'] as const;

export type Role = (typeof roles)[number];
export type Status = (typeof statuses)[number];
export type License = (typeof licenses)[number];

/** A monday user as Seatwise stores it. */
export interface DirectoryUser {
  remoteId: string;
  name: string;
  email: string;
  title: string;
  role: Role;
  status: Status;
  license: License | null;
  lastActivityAt: string | null;
  createdAt: string | null;
  scimLinked: boolean;
  invitationMethod: string | null;
}
