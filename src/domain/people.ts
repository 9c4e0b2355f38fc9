import { type SeatwiseRole, stricter } from './roles.ts';

/** A person who signs in to Seatwise, with the role they have and where it came from. */
export interface PersonView {
  id: string;
  email: string;
  name: string | null;
  /**
   * What they may do: the stricter of the role given in Seatwise and the one the identity provider's groups
   * map to; null when neither gives one and there is no default role (they cannot sign in).
   */
  role: SeatwiseRole | null;
  /** Where the role came from: Seatwise, the identity provider's groups, or both (the stricter wins). */
  roleSource: 'seatwise' | 'provider' | 'both' | 'default' | 'none';
  assignedRole: SeatwiseRole | null;
  providerRole: SeatwiseRole | null;
  invitedBy: string | null;
  createdAt: string;
  lastSignInAt: string | null;
  disabled: boolean;
}

/** The role a person has, and where it came from. */
export function effectiveRole(
  row: {
    assigned_role: SeatwiseRole | null;
    provider_role: SeatwiseRole | null;
  },
  defaultRole: SeatwiseRole | null = null,
): {
  role: SeatwiseRole | null;
  source: PersonView['roleSource'];
} {
  const { assigned_role: assigned, provider_role: provider } = row;
  if (assigned && provider) return { role: stricter(assigned, provider), source: 'both' };
  if (assigned) return { role: assigned, source: 'seatwise' };
  if (provider) return { role: provider, source: 'provider' };
  return defaultRole ? { role: defaultRole, source: 'default' } : { role: null, source: 'none' };
}

/**
 * The role a person's groups at the identity provider give: the highest any of their groups maps to, or null.
 */
export function roleFromGroups(
  groups: readonly string[],
  mapping: ReadonlyMap<string, SeatwiseRole>,
): SeatwiseRole | null {
  let best: SeatwiseRole | null = null;
  for (const group of groups) {
    const role = mapping.get(group);
    if (role && (!best || stricter(best, role) === best)) best = role;
  }
  return best;
}
