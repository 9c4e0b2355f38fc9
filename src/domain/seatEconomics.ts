import type { StoredRole } from './directory.ts';
import { inactiveSince } from './inactivity.ts';
import { toCents } from './insights.ts';
import { isExcepted } from './policies.ts';
import { money } from './words.ts';

/**
 * monday sells seats in buckets, not one by one ("a team of 8 may choose the 10 seat option"): the published
 * sizes up to 200; above them plans are quoted. The list is a setting (`seatBuckets`); these are its default.
 */
export const DEFAULT_SEAT_BUCKETS: readonly number[] = [3, 5, 10, 15, 20, 25, 30, 40, 50, 100, 200];

const DAY = 86_400_000;

/** The smallest bucket that holds `seats`; null when no listed bucket does (a quoted plan). */
export function bucketFor(seats: number, buckets: readonly number[]): number | null {
  for (const size of [...buckets].sort((a, b) => a - b)) if (size >= seats) return size;
  return null;
}

/** The next bucket below `bucket` in the list, or null when none is smaller. */
export function nextSmallerBucket(bucket: number, buckets: readonly number[]): number | null {
  const smaller = buckets.filter((b) => b < bucket);
  return smaller.length ? Math.max(...smaller) : null;
}

/** What seats cost: a price per seat per month, or a price per month for each bucket (which wins). */
export interface SeatPricing {
  currency: string;
  seatPrice: number | null;
  bucketPrices: Record<string, number>;
}

/** A bucket's price per month, or null when nothing prices it. */
export function bucketMonthlyPrice(bucket: number, pricing: SeatPricing): number | null {
  const listed = pricing.bucketPrices[String(bucket)];
  if (listed !== undefined) return listed;
  return pricing.seatPrice === null ? null : pricing.seatPrice * bucket;
}

/** Seats in use, by the billing rules insights use: member seats and the guests the plan bills. */
export interface SeatCount {
  /** Active admins and members (each holds a member seat). */
  memberSeats: number;
  /** Guests the plan bills (Standard: one in four; Pro and Enterprise: none). */
  billedGuests: number;
  /** Invitations to admins and members not yet accepted: each takes a seat once accepted. */
  pendingMembers: number;
}

/** A paid seat holder a right-sizing may change: an active admin or member inactive past the threshold. */
export interface SeatCandidate {
  userId: string;
  email: string;
  name: string;
  role: StoredRole;
  lastActivityAt: string | null;
  createdAt: string | null;
}

export interface RightSizingInput {
  /** The bucket the account is on (`plan.max_users`); null when monday did not say. */
  currentBucket: number | null;
  buckets: readonly number[];
  seats: SeatCount;
  /** Inactive paid seat holders, in any order. */
  candidates: readonly SeatCandidate[];
  /** Active admins in the account: the last one is never changed. */
  activeAdmins: number;
  /** People and domains never changed (`protectedEmails`, `protectedDomains`). */
  protectedPeople: { emails: string[]; domains: string[] };
  /** The API token's owner: monday does not let a token change its own user. */
  tokenOwnerId: string | null;
  pricing: SeatPricing;
  now: Date;
}

export interface SeatChange {
  userId: string;
  email: string;
  name: string;
  role: StoredRole;
  /** What frees the seat: the role becomes viewer (free; the person keeps read access). */
  action: 'set_role';
  toRole: 'viewer';
  /** When their inactivity runs from (last activity, or joining when never active) and for how many days. */
  inactiveSince: string | null;
  inactiveDays: number | null;
  reason: string;
}

export interface RightSizing {
  currentBucket: number | null;
  /** Paid seats now: member seats and billed guests (as insights count them). */
  seatsUsed: number;
  memberSeats: number;
  billedGuests: number;
  pendingMembers: number;
  /** What the bucket must hold: seats in use and pending member invitations. */
  seatsNeeded: number;
  /** The smallest bucket that holds what is needed with no change; null above the listed buckets. */
  fitsBucket: number | null;
  nextSmallerBucket: number | null;
  /** The smallest bucket reachable with the changes below; the current one when none is. */
  targetBucket: number | null;
  /** The fewest changes that reach the target: the longest inactive first. */
  changes: SeatChange[];
  /** Inactive paid seat holders left out, with why. */
  kept: { userId: string; email: string; reason: string }[];
  currency: string;
  /** Per month and per year, at the pricing given; null when nothing prices the buckets. */
  monthlySaving: number | null;
  yearlySaving: number | null;
  summary: string;
}

/**
 * The plan for one account: the bucket it is on, the seats it uses, and the smallest bucket it can be in
 * with the fewest changes, taking inactive paid seat holders longest inactive first and never a protected
 * person or domain, the token's owner, or an admin whose change would leave no active admin.
 */
export function rightSize(input: RightSizingInput): RightSizing {
  const buckets = [...new Set(input.buckets)].sort((a, b) => a - b);
  const seatsUsed = input.seats.memberSeats + input.seats.billedGuests;
  const seatsNeeded = seatsUsed + input.seats.pendingMembers;
  const fitsBucket = bucketFor(seatsNeeded, buckets);
  const { eligible, kept } = eligibleChanges(input);
  const current = input.currentBucket;

  let targetBucket = current;
  let changes: SeatChange[] = [];
  if (current === null || seatsNeeded > current) {
    // Over the plan (or the plan unknown): the bucket that holds what is used; nothing to free.
    targetBucket = fitsBucket ?? current;
  } else {
    for (const size of buckets) {
      if (size >= current) break;
      const toFree = Math.max(0, seatsNeeded - size);
      if (toFree <= eligible.length) {
        targetBucket = size;
        changes = eligible.slice(0, toFree);
        break;
      }
    }
  }
  for (const left of eligible.slice(changes.length))
    kept.push({ userId: left.userId, email: left.email, reason: 'not needed to reach the target bucket' });

  const nowPrice = current === null ? null : bucketMonthlyPrice(current, input.pricing);
  const targetPrice = targetBucket === null ? null : bucketMonthlyPrice(targetBucket, input.pricing);
  const monthlySaving =
    nowPrice === null || targetPrice === null ? null : toCents(Math.max(0, nowPrice - targetPrice));
  const out: RightSizing = {
    currentBucket: current,
    seatsUsed,
    memberSeats: input.seats.memberSeats,
    billedGuests: input.seats.billedGuests,
    pendingMembers: input.seats.pendingMembers,
    seatsNeeded,
    fitsBucket,
    nextSmallerBucket: current === null ? null : nextSmallerBucket(current, buckets),
    targetBucket,
    changes,
    kept,
    currency: input.pricing.currency,
    monthlySaving,
    yearlySaving: monthlySaving === null ? null : toCents(monthlySaving * 12),
    summary: '',
  };
  out.summary = summarize(out);
  return out;
}

function eligibleChanges(input: RightSizingInput): {
  eligible: SeatChange[];
  kept: RightSizing['kept'];
} {
  const kept: RightSizing['kept'] = [];
  const now = input.now.getTime();
  const ordered = [...input.candidates]
    .map((c) => ({ c, since: inactiveSince(c) }))
    // Longest inactive first; no evidence at all last; ties by email, so the plan is the same every time.
    .sort((a, b) => {
      if (a.since !== b.since) {
        if (a.since === null) return 1;
        if (b.since === null) return -1;
        return a.since < b.since ? -1 : 1;
      }
      return a.c.email.localeCompare(b.c.email);
    });
  let adminsLeft = input.activeAdmins;
  const eligible: SeatChange[] = [];
  for (const { c, since } of ordered) {
    const skip = (reason: string) => kept.push({ userId: c.userId, email: c.email, reason });
    if (c.role !== 'admin' && c.role !== 'member') {
      skip('holds no member seat');
    } else if (since === null) {
      skip('monday gave no activity or join date: inactivity cannot be shown');
    } else if (c.userId === input.tokenOwnerId) {
      skip("owns the connection's API token (monday does not let a token change its own user)");
    } else if (isExcepted({ exceptions: input.protectedPeople }, c.email)) {
      skip('protected (person or domain)');
    } else if (c.role === 'admin' && adminsLeft <= 1) {
      skip('the last active admin');
    } else {
      if (c.role === 'admin') adminsLeft--;
      const days = Math.floor((now - Date.parse(since)) / DAY);
      eligible.push({
        userId: c.userId,
        email: c.email,
        name: c.name,
        role: c.role,
        action: 'set_role',
        toRole: 'viewer',
        inactiveSince: since,
        inactiveDays: days,
        reason:
          c.lastActivityAt === null
            ? `never active since joining ${since.slice(0, 10)} (${days} days)`
            : `last active ${since.slice(0, 10)} (${days} days ago)`,
      });
    }
  }
  return { eligible, kept };
}

function summarize(r: RightSizing): string {
  if (r.currentBucket === null)
    return `monday did not give the plan's size; ${r.seatsNeeded} seats are needed`;
  if (r.seatsNeeded > r.currentBucket)
    return `${r.seatsNeeded} seats needed on a ${r.currentBucket}-seat plan: over the plan${r.fitsBucket ? `, the ${r.fitsBucket} bucket holds them` : ''}`;
  if (r.targetBucket === r.currentBucket)
    return `${r.seatsNeeded} of ${r.currentBucket} seats needed: no smaller bucket can be reached`;
  const saving = r.yearlySaving === null ? '' : `, saving ${money(r.yearlySaving, r.currency)} a year`;
  return r.changes.length === 0
    ? `${r.seatsNeeded} seats fit the ${r.targetBucket} bucket as they are${saving}`
    : `${r.changes.length} change${r.changes.length === 1 ? '' : 's'} move ${r.seatsNeeded} seats from the ${r.currentBucket} bucket to ${r.targetBucket}${saving}`;
}

/** A straight line through (day, seats) points, by least squares: seats per day (0 with fewer than 2 days). */
export function seatTrendPerDay(points: readonly { at: string; seats: number }[]): number {
  if (points.length < 2) return 0;
  const xs = points.map((p) => Date.parse(p.at) / DAY);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = points.reduce((a, p) => a + p.seats, 0) / points.length;
  let num = 0;
  let den = 0;
  points.forEach((p, i) => {
    num += (xs[i]! - mx) * (p.seats - my);
    den += (xs[i]! - mx) ** 2;
  });
  return den < 1 ? 0 : num / den;
}
