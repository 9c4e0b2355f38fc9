import { type SeatwiseRole, stricter } from './roles.ts';

/** A person who signs in to Seatwise, with the role they have and where it came from. */
export interface PersonView {
  id: string;
  email: string;
  name: string | null;
  /** What they may do: the stricter of the role given in Seatwise and the one the identity provider maps. */
  role: SeatwiseRole;
  /** Where the role came from: Seatwise, the identity provider's groups, or both (the stricter wins). */
  roleSource: 'seatwise' | 'provider' | 'both' | 'default';
  assignedRole: SeatwiseRole | null;
  providerRole: SeatwiseRole | null;
  invitedBy: string | null;
  createdAt: string;
  lastSignInAt: string | null;
  disabled: boolean;
}

/** The role a person has, and where it came from. */
export function effectiveRole(row: {
  assigned_role: SeatwiseRole | null;
  provider_role: SeatwiseRole | null;
}): {
  role: SeatwiseRole;
  source: PersonView['roleSource'];
} {
  const { assigned_role: assigned, provider_role: provider } = row;
  if (assigned && provider) return { role: stricter(assigned, provider), source: 'both' };
  if (assigned) return { role: assigned, source: 'seatwise' };
  if (provider) return { role: provider, source: 'provider' };
  return { role: 'viewer', source: 'default' };
}
