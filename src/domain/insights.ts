import type { License, Role, Status, StoredRole } from './directory.ts';
import { billedGuests } from './licenseRules.ts';

export interface InsightUser {
  role: StoredRole;
  status: Status;
  license: License | null;
  lastActivityAt: string | null;
}

/** The numbers the dashboard shows for one account. */
export interface Insights {
  /** People only; users that are not people (agents, service and portal users) are counted apart. */
  users: number;
  notPeople: number;
  byStatus: Record<Status, number>;
  byRole: Record<Role, number>;
  byLicense: Record<License | 'none', number>;
  seats: { used: number; max: number | null; available: number | null; utilization: number | null };
  /** Paid (member) seats whose holder has not been active for N days, or never. */
  inactivePaidSeats: { days30: number; days60: number; days90: number; never: number };
  pendingInvites: number;
  guests: { active: number; billed: number };
  viewers: number;
}

const DAY = 86_400_000;

/** Seats used vs the plan, inactive paid seats, invites, guests and viewers, from synced users. */
export function computeInsights(
  users: Iterable<InsightUser>,
  plan: { tier: string | null; maxUsers: number | null },
  now: Date,
): Insights {
  const out: Insights = {
    users: 0,
    notPeople: 0,
    byStatus: { active: 0, pending: 0, deactivated: 0 },
    byRole: { admin: 0, member: 0, viewer: 0, guest: 0 },
    byLicense: { member: 0, viewer: 0, guest: 0, none: 0 },
    seats: { used: 0, max: plan.maxUsers, available: null, utilization: null },
    inactivePaidSeats: { days30: 0, days60: 0, days90: 0, never: 0 },
    pendingInvites: 0,
    guests: { active: 0, billed: 0 },
    viewers: 0,
  };
  for (const user of users) {
    // Not people hold no seat and are no one's inactive license: kept out of every figure but their count.
    if (user.role === 'other') {
      out.notPeople++;
      continue;
    }
    out.users++;
    out.byStatus[user.status]++;
    out.byRole[user.role]++;
    out.byLicense[user.license ?? 'none']++;
    if (user.status === 'pending') out.pendingInvites++;
    if (user.license === 'guest') out.guests.active++;
    if (user.license === 'viewer') out.viewers++;
    if (user.license === 'member') {
      out.seats.used++;
      if (!user.lastActivityAt) out.inactivePaidSeats.never++;
      else {
        const idle = now.getTime() - Date.parse(user.lastActivityAt);
        if (idle > 30 * DAY) out.inactivePaidSeats.days30++;
        if (idle > 60 * DAY) out.inactivePaidSeats.days60++;
        if (idle > 90 * DAY) out.inactivePaidSeats.days90++;
      }
    }
  }
  out.guests.billed = billedGuests(plan.tier, out.guests.active);
  if (plan.maxUsers !== null && plan.maxUsers > 0) {
    out.seats.available = plan.maxUsers - out.seats.used - out.guests.billed;
    out.seats.utilization = Math.round(((out.seats.used + out.guests.billed) / plan.maxUsers) * 1000) / 1000;
  }
  return out;
}
