import type { License, Role, Status, StoredRole } from './directory.ts';
import { isInactive } from './inactivity.ts';
import { billedGuests } from './licenseRules.ts';
import { isClassifiedKind } from './userMapping.ts';

export interface InsightUser {
  role: StoredRole;
  kind?: string | null;
  status: Status;
  license: License | null;
  lastActivityAt: string | null;
  /** When they joined or were invited: a user never active counts as inactive only that long after it. */
  createdAt: string | null;
}

/**
 * The numbers of one account, each with one definition (README, "Insights"):
 * - a **paid seat** is a member seat (an active admin or member) or a guest the plan bills (Standard: every
 *   guest after the first three in four; free on Pro and Enterprise; billed on every other plan);
 * - `available` is the plan's seats less the paid ones (negative: over the plan), `utilization` their ratio;
 * - an **inactive paid seat** is a member seat whose holder has had no activity for `inactiveDays`, or never
 *   any and joined or was invited more than `inactiveDays` ago (`isInactive`);
 * - **waste** is what inactive paid seats cost at the connection's price per seat, and also what downgrading
 *   them to viewer (free) would save.
 */
export interface Insights {
  /** People only; users that are not people (agents, service and portal users) are counted apart. */
  users: number;
  notPeople: number;
  /** Users of a kind Seatwise does not know ("unclassified kind X"), by kind: in no other figure. */
  unclassified: { kind: string; count: number }[];
  byStatus: Record<Status, number>;
  byRole: Record<Role, number>;
  byLicense: Record<License | 'none', number>;
  seats: {
    paid: number;
    memberSeats: number;
    billedGuests: number;
    planMax: number | null;
    available: number | null;
    utilization: number | null;
    /** Free: viewers, and guests the plan does not bill. */
    viewer: number;
    guest: number;
    freeGuests: number;
  };
  pendingInvites: number;
  /** How long the pending invitations have waited. */
  pendingInviteAge: { oldestDays: number | null; over30Days: number };
  inactiveDays: number;
  inactivePaidSeats: number;
  /** Of the inactive paid seats: never active at all. */
  inactiveNeverActive: number;
  /** Admins (who hold member seats) inactive the same way. */
  inactiveAdmins: number;
  /** Null until a price per seat is set on the connection. */
  cost: {
    seatPrice: number;
    currency: string;
    monthlyWaste: number;
    yearlyWaste: number;
  } | null;
  monthlyWaste: number | null;
}

/** What insights are computed against: the plan, the inactivity threshold, the price of a seat. */
export interface InsightSettings {
  tier: string | null;
  maxUsers: number | null;
  inactiveDays: number;
  seatPrice?: number | null;
  currency?: string | null;
  pendingOldest?: string | null;
  pendingOver30Days?: number;
  now?: Date;
}

const DAY = 86_400_000;

/** Users of one role, status and license, counted, with how many were never active or idle past the threshold. */
export interface InsightGroup {
  role: StoredRole;
  /** For users that are not people, monday's kind (null for people). */
  kind?: string | null;
  status: Status;
  license: License | null;
  count: number;
  /** Never active, and joined or invited longer ago than the threshold. */
  never: number;
  /** Last active more than the threshold's days ago. */
  idle: number;
}

/** Groups users as the store's aggregate query does (the same figures from users held in memory). */
export function groupUsers(users: Iterable<InsightUser>, now: Date, inactiveDays: number): InsightGroup[] {
  const groups = new Map<string, InsightGroup>();
  for (const user of users) {
    const kind = user.role === 'other' ? (user.kind ?? null) : null;
    const key = `${user.role}|${user.status}|${user.license}|${kind}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        role: user.role,
        kind,
        status: user.status,
        license: user.license,
        count: 0,
        never: 0,
        idle: 0,
      };
      groups.set(key, group);
    }
    group.count++;
    if (!isInactive(user, now, inactiveDays)) continue;
    if (user.lastActivityAt) group.idle++;
    else group.never++;
  }
  return [...groups.values()];
}

/** An amount (or a share of seats) to the cent. */
export const toCents = (n: number) => Math.round(n * 100) / 100;

/** Seats against the plan, inactive paid seats and their cost, invites, guests and viewers, from counts. */
export function computeInsights(groups: Iterable<InsightGroup>, settings: InsightSettings): Insights {
  const out: Insights = {
    users: 0,
    notPeople: 0,
    unclassified: [],
    byStatus: { active: 0, pending: 0, deactivated: 0 },
    byRole: { admin: 0, member: 0, viewer: 0, guest: 0 },
    byLicense: { member: 0, viewer: 0, guest: 0, none: 0 },
    seats: {
      paid: 0,
      memberSeats: 0,
      billedGuests: 0,
      planMax: settings.maxUsers,
      available: null,
      utilization: null,
      viewer: 0,
      guest: 0,
      freeGuests: 0,
    },
    pendingInvites: 0,
    pendingInviteAge: {
      oldestDays: settings.pendingOldest
        ? Math.floor(((settings.now ?? new Date()).getTime() - Date.parse(settings.pendingOldest)) / DAY)
        : null,
      over30Days: settings.pendingOver30Days ?? 0,
    },
    inactiveDays: settings.inactiveDays,
    inactivePaidSeats: 0,
    inactiveNeverActive: 0,
    inactiveAdmins: 0,
    cost: null,
    monthlyWaste: null,
  };
  for (const group of groups) {
    const n = group.count;
    // Not people hold no seat and are no one's inactive license: kept out of every figure but their count.
    if (group.role === 'other') {
      if (group.kind && !isClassifiedKind(group.kind)) {
        const held = out.unclassified.find((u) => u.kind === group.kind);
        if (held) held.count += n;
        else out.unclassified.push({ kind: group.kind, count: n });
      } else out.notPeople += n;
      continue;
    }
    out.users += n;
    out.byStatus[group.status] += n;
    out.byRole[group.role] += n;
    out.byLicense[group.license ?? 'none'] += n;
    if (group.status === 'pending') out.pendingInvites += n;
    if (group.license === 'guest') out.seats.guest += n;
    if (group.license === 'viewer') out.seats.viewer += n;
    if (group.license === 'member') {
      out.seats.memberSeats += n;
      out.inactivePaidSeats += group.never + group.idle;
      out.inactiveNeverActive += group.never;
      if (group.role === 'admin') out.inactiveAdmins += group.never + group.idle;
    }
  }
  out.unclassified.sort((a, b) => a.kind.localeCompare(b.kind));
  out.seats.billedGuests = billedGuests(settings.tier, out.seats.guest);
  out.seats.freeGuests = out.seats.guest - out.seats.billedGuests;
  out.seats.paid = out.seats.memberSeats + out.seats.billedGuests;
  if (settings.maxUsers !== null && settings.maxUsers > 0) {
    out.seats.available = settings.maxUsers - out.seats.paid;
    out.seats.utilization = Math.round((out.seats.paid / settings.maxUsers) * 1000) / 1000;
  }
  if (settings.seatPrice !== null && settings.seatPrice !== undefined) {
    const monthly = toCents(out.inactivePaidSeats * settings.seatPrice);
    out.cost = {
      seatPrice: settings.seatPrice,
      currency: settings.currency ?? 'USD',
      monthlyWaste: monthly,
      yearlyWaste: toCents(monthly * 12),
    };
    out.monthlyWaste = monthly;
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

/** One account's insights as the API lists them. */
export type AccountInsights = Insights & { connectionId: string; accountName: string };

/** Insights of several accounts added up, saying what does not add up: thresholds and currencies. */
export interface InsightsTotal {
  accounts: number;
  users: number;
  notPeople: number;
  unclassified: Insights['unclassified'];
  byStatus: Record<Status, number>;
  byRole: Record<Role, number>;
  byLicense: Record<License | 'none', number>;
  seats: Pick<
    Insights['seats'],
    'paid' | 'memberSeats' | 'billedGuests' | 'viewer' | 'guest' | 'freeGuests'
  > & {
    /** Only when every account's plan size is known. */
    planMax: number | null;
    utilization: number | null;
  };
  pendingInvites: number;
  pendingInviteAge: Insights['pendingInviteAge'];
  inactivePaidSeats: number;
  /** The inactivity thresholds the figure used, each account's own (one value when they agree). */
  inactiveDays: number[];
  /** What inactive paid seats cost, per currency (accounts in different currencies are not added up). */
  costs: { currency: string; monthlyWaste: number; yearlyWaste: number; accounts: number }[];
  /** Accounts without a seat price: their inactive seats are counted but not priced. */
  unpriced: string[];
}

/**
 * The total of several accounts' insights, each figure the sum of the accounts' own (so it equals what the API
 * gives per account, added up): thresholds and currencies are listed, never merged under one label.
 */
export function totalInsights(list: readonly AccountInsights[]): InsightsTotal {
  const sum = (pick: (i: Insights) => number) => list.reduce((n, i) => n + pick(i), 0);
  const add = <K extends string>(pick: (i: Insights) => Record<K, number>): Record<K, number> => {
    const out = {} as Record<K, number>;
    for (const i of list)
      for (const [k, v] of Object.entries(pick(i)) as [K, number][]) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const paid = sum((i) => i.seats.paid);
  const planMax =
    list.length > 0 && list.every((i) => i.seats.planMax !== null) ? sum((i) => i.seats.planMax ?? 0) : null;
  const costs = new Map<string, InsightsTotal['costs'][number]>();
  for (const i of list) {
    if (!i.cost) continue;
    const c = costs.get(i.cost.currency) ?? {
      currency: i.cost.currency,
      monthlyWaste: 0,
      yearlyWaste: 0,
      accounts: 0,
    };
    c.monthlyWaste += i.cost.monthlyWaste;
    c.yearlyWaste += i.cost.yearlyWaste;
    c.accounts++;
    costs.set(i.cost.currency, c);
  }
  const oldest = list.map((i) => i.pendingInviteAge.oldestDays).filter((d): d is number => d !== null);
  return {
    accounts: list.length,
    users: sum((i) => i.users),
    notPeople: sum((i) => i.notPeople),
    unclassified: Object.entries(add((i) => Object.fromEntries(i.unclassified.map((u) => [u.kind, u.count]))))
      .map(([kind, count]) => ({ kind, count }))
      .sort((a, b) => a.kind.localeCompare(b.kind)),
    byStatus: add((i) => i.byStatus),
    byRole: add((i) => i.byRole),
    byLicense: add((i) => i.byLicense),
    seats: {
      paid,
      memberSeats: sum((i) => i.seats.memberSeats),
      billedGuests: sum((i) => i.seats.billedGuests),
      viewer: sum((i) => i.seats.viewer),
      guest: sum((i) => i.seats.guest),
      freeGuests: sum((i) => i.seats.freeGuests),
      planMax,
      utilization: planMax ? paid / planMax : null,
    },
    pendingInvites: sum((i) => i.pendingInvites),
    pendingInviteAge: {
      oldestDays: oldest.length ? Math.max(...oldest) : null,
      over30Days: sum((i) => i.pendingInviteAge.over30Days),
    },
    inactivePaidSeats: sum((i) => i.inactivePaidSeats),
    inactiveDays: [...new Set(list.map((i) => i.inactiveDays))].sort((a, b) => a - b),
    costs: [...costs.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    unpriced: list.filter((i) => !i.cost).map((i) => i.accountName),
  };
}
