/**
 * Who may do what in Seatwise, for keys and (signed-in) people alike, from least to most:
 * - `reviewer`: only the access reviews assigned to them and the users in them;
 * - `viewer`: reads everything, changes nothing;
 * - `operator`: also syncs, runs actions and offboardings, and manages policies and their proposals;
 * - `admin`: everything, including connections, keys, people and settings.
 */
export const seatwiseRoles = ['reviewer', 'viewer', 'operator', 'admin'] as const;
export type SeatwiseRole = (typeof seatwiseRoles)[number];

/** What a route needs: nobody signed in, anyone signed in, or at least one role. */
export type Access = 'public' | 'signedIn' | 'viewer' | 'operator' | 'admin';

const rank: Record<SeatwiseRole, number> = { reviewer: 0, viewer: 1, operator: 2, admin: 3 };

/** Whether a role may use a route of this access. */
export function allows(role: SeatwiseRole, access: Access): boolean {
  if (access === 'public' || access === 'signedIn') return true;
  return rank[role] >= rank[access];
}

/** The stricter of two roles (the lower one). */
export function stricter(a: SeatwiseRole, b: SeatwiseRole): SeatwiseRole {
  return rank[a] <= rank[b] ? a : b;
}

export function isSeatwiseRole(value: unknown): value is SeatwiseRole {
  return typeof value === 'string' && (seatwiseRoles as readonly string[]).includes(value);
}

/** What each role may do, in words (refusals, the UI and the README say the same). */
export const roleMeaning: Record<SeatwiseRole, string> = {
  reviewer: 'the access reviews assigned to them and the users in them',
  viewer: 'reads everything and changes nothing',
  operator: 'also syncs, runs actions and offboardings, and manages policies',
  admin: 'everything, including connections, keys, people and settings',
};
