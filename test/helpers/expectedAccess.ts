import type { EmuUser } from '../../src/emulator/model.ts';

const kindToRole: Record<string, string> = {
  admin: 'admin',
  member: 'member',
  view_only: 'viewer',
  guest: 'guest',
};
const statusMap: Record<string, string> = { ACTIVE: 'active', PENDING: 'pending', INACTIVE: 'deactivated' };

/**
 * What Seatwise should store for an emulator user, written out independently of src/domain so the sync tests
 * can catch a wrong mapping: admins and members hold a member seat, viewers and guests their own license,
 * pending and deactivated users none.
 */
export function expectedAccess(user: EmuUser): {
  role: string;
  status: string;
  license: string | null;
  scimLinked: boolean;
} {
  // Every kind that is not a person's (agents, service and portal users) is stored as `other`, with no seat.
  const role = kindToRole[user.kind] ?? 'other';
  const status = statusMap[user.status]!;
  const license = status !== 'active' || role === 'other' ? null : role === 'admin' ? 'member' : role;
  return { role, status, license, scimLinked: user.invitationMethod === 'SCIM' };
}
