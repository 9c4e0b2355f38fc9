import type { License, Status, StoredRole } from './directory.ts';

/**
 * Which seat a user holds: admins and members hold the paid member seat, viewers a free viewer license,
 * guests a guest license; pending and deactivated users, and users that are not people, hold none.
 */
export function licenseFor(role: StoredRole, status: Status): { license: License | null; summary: string } {
  if (role === 'other') return { license: null, summary: 'no seat (not a person)' };
  if (status === 'pending') return { license: null, summary: 'no license (invitation not accepted)' };
  if (status === 'deactivated') return { license: null, summary: 'no license (deactivated)' };
  if (role === 'admin' || role === 'member') return { license: 'member', summary: 'member seat' };
  if (role === 'viewer') return { license: 'viewer', summary: 'viewer license' };
  return { license: 'guest', summary: 'guest license' };
}

/**
 * Guests billed on a plan: free on Pro and Enterprise; on Standard the first three are free and every fourth
 * guest counts as a paid seat; on other plans guests are not free.
 */
export function billedGuests(tier: string | null, activeGuests: number): number {
  const plan = (tier ?? '').toLowerCase();
  if (plan === 'pro' || plan === 'enterprise') return 0;
  if (plan === 'standard') return Math.floor(activeGuests / 4);
  return activeGuests;
}
