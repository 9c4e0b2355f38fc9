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

/** Users of one role, status and license, counted, with how many were idle (no activity) past 30/60/90 days. */
export interface InsightGroup {
  role: StoredRole;
  status: Status;
  license: License | null;
  count: number;
  /** Never active. */
  never: number;
  /** Last active more than 30, 60, 90 days ago. */
  idle30: number;
  idle60: number;
  idle90: number;
}

/** Groups users as the store's aggregate query does (the same figures from users held in memory). */
export function groupUsers(users: Iterable<InsightUser>, now: Date): InsightGroup[] {
  const groups = new Map<string, InsightGroup>();
  for (const user of users) {
    const key = `${user.role}|${user.status}|${user.license}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        role: user.role,
        status: user.status,
        license: user.license,
        count: 0,
        never: 0,
        idle30: 0,
        idle60: 0,
        idle90: 0,
      };
      groups.set(key, group);
    }
    group.count++;
    if (!user.lastActivityAt) group.never++;
    else {
      const idle = now.getTime() - Date.parse(user.lastActivityAt);
      if (idle > 30 * DAY) group.idle30++;
      if (idle > 60 * DAY) group.idle60++;
      if (idle > 90 * DAY) group.idle90++;
    }
  }
  return [...groups.values()];
}

/** Seats used vs the plan, inactive paid seats, invites, guests and viewers, from counts of synced users. */
export function computeInsights(
  groups: Iterable<InsightGroup>,
  plan: { tier: string | null; maxUsers: number | null },
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
  for (const group of groups) {
    const n = group.count;
    // Not people hold no seat and are no one's inactive license: kept out of every figure but their count.
    if (group.role === 'other') {
      out.notPeople += n;
      continue;
    }
    out.users += n;
    out.byStatus[group.status] += n;
    out.byRole[group.role] += n;
    out.byLicense[group.license ?? 'none'] += n;
    if (group.status === 'pending') out.pendingInvites += n;
    if (group.license === 'guest') out.guests.active += n;
    if (group.license === 'viewer') out.viewers += n;
    if (group.license === 'member') {
      out.seats.used += n;
      out.inactivePaidSeats.never += group.never;
      out.inactivePaidSeats.days30 += group.idle30;
      out.inactivePaidSeats.days60 += group.idle60;
      out.inactivePaidSeats.days90 += group.idle90;
    }
  }
  out.guests.billed = billedGuests(plan.tier, out.guests.active);
  if (plan.maxUsers !== null && plan.maxUsers > 0) {
    out.seats.available = plan.maxUsers - out.seats.used - out.guests.billed;
    out.seats.utilization = Math.round(((out.seats.used + out.guests.billed) / plan.maxUsers) * 1000) / 1000;
  }
  return out;
}

/** The last-activity histogram's bars: active people by how long ago they were last active. */
export const activityBuckets = [
  { key: 'week', label: 'within 7 days', fromDays: 0, toDays: 7 },
  { key: 'month', label: '7 to 30 days', fromDays: 7, toDays: 30 },
  { key: 'quarter', label: '30 to 90 days', fromDays: 30, toDays: 90 },
  { key: 'half', label: '90 to 180 days', fromDays: 90, toDays: 180 },
  { key: 'year', label: '180 to 365 days', fromDays: 180, toDays: 365 },
  { key: 'older', label: 'over a year', fromDays: 365, toDays: null },
  { key: 'never', label: 'never active', fromDays: null, toDays: null },
] as const;
export type ActivityBucketKey = (typeof activityBuckets)[number]['key'];
