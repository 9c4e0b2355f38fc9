import type { ScopedUser } from '../../src/domain/reviews.ts';

/** The clock the domain tables run on. */
export const NOW = new Date('2026-12-07T12:00:00Z');
export const daysAgo = (n: number, now = NOW) => new Date(now.getTime() - n * 86_400_000).toISOString();

/** A user as a review campaign sees them: an active member, last active yesterday, unless told otherwise. */
export function scopedUser(over: Partial<ScopedUser> = {}): ScopedUser {
  const email = over.email ?? 'pat@acme.example';
  return {
    connectionId: 'con_a',
    userId: email,
    email,
    name: email,
    role: 'member',
    status: 'active',
    license: 'member',
    lastActivityAt: daysAgo(1),
    scimLinked: false,
    invitationMethod: null,
    teams: [],
    ...over,
  };
}
