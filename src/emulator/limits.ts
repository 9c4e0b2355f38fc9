import type { PlanTier } from './model.ts';

/** Per-account API limits; defaults follow monday's published numbers for personal tokens by plan. */
export interface LimitSettings {
  /** Highest complexity one query may have. */
  maxQueryComplexity: number;
  /** Complexity points per 60-second window. */
  complexityPerMinute: number;
  /** Requests per 60-second window. */
  requestsPerMinute: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Calls per UTC day. */
  dailyCalls: number;
}

export function defaultLimits(tier: PlanTier): LimitSettings {
  return {
    maxQueryComplexity: 5_000_000,
    complexityPerMinute: tier === 'free' ? 1_000_000 : 10_000_000,
    requestsPerMinute: tier === 'enterprise' ? 5_000 : tier === 'pro' ? 2_500 : 1_000,
    concurrency: tier === 'enterprise' ? 250 : tier === 'pro' ? 100 : 40,
    dailyCalls: tier === 'enterprise' ? 25_000 : tier === 'pro' ? 10_000 : 1_000,
  };
}

const WINDOW_MS = 60_000;
const DAY_MS = 86_400_000;

export type LimitRefusal =
  | { kind: 'daily'; retryInSeconds: number }
  | { kind: 'minute'; retryInSeconds: number }
  | { kind: 'concurrency'; retryInSeconds: number }
  | { kind: 'complexityBudget'; retryInSeconds: number; cost: number; remaining: number }
  | { kind: 'maxComplexity'; cost: number };

interface Window {
  startedAt: number;
  used: number;
}

/**
 * Tracks one account's usage. Windows start at the first call and last 60 s, as monday describes; daily
 * usage resets at 00:00 UTC and is kept in tenths because rate-limited calls count 0.1.
 */
export class AccountLimiter {
  private requests: Window = { startedAt: 0, used: 0 };
  private complexity: Window = { startedAt: 0, used: 0 };
  private day = -1;
  private dailyTenths = 0;
  /** Calls of past days (in tenths, by UTC day) and of today by the user whose token made them. */
  private readonly pastDays = new Map<string, number>();
  private byUser = new Map<string, number>();
  /** Who the call being admitted is made by (the token's owner). */
  private caller: string | null = null;
  inFlight = 0;
  /** Requests refused by each limit (tests assert that clients stayed within them). */
  readonly refused = { daily: 0, minute: 0, concurrency: 0, complexityBudget: 0 };

  constructor(
    public settings: LimitSettings,
    private readonly now: () => number,
  ) {}

  /** Admits a request (counting it) or says which limit refuses it. Call `release` when an admitted one ends. */
  admit(caller: string | null = null): LimitRefusal | null {
    const now = this.now();
    this.rollDay(now);
    this.caller = caller;
    if (this.dailyTenths >= this.settings.dailyCalls * 10) {
      this.countCall(1);
      this.refused.daily++;
      return { kind: 'daily', retryInSeconds: Math.ceil(((this.day + 1) * DAY_MS - now) / 1000) };
    }
    const window = this.roll(this.requests, now);
    if (window.used >= this.settings.requestsPerMinute) {
      this.countCall(1);
      this.refused.minute++;
      return { kind: 'minute', retryInSeconds: this.resetIn(window, now) };
    }
    if (this.inFlight >= this.settings.concurrency) {
      this.countCall(1);
      this.refused.concurrency++;
      return { kind: 'concurrency', retryInSeconds: 1 };
    }
    window.used += 1;
    this.inFlight += 1;
    return null;
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** Records what an admitted call counts toward the daily limit (10 = one call, 1 = a tenth). */
  countCall(tenths: number): void {
    this.dailyTenths += tenths;
    if (this.caller) this.byUser.set(this.caller, (this.byUser.get(this.caller) ?? 0) + tenths);
  }

  /** What `platform_api.daily_analytics` reports: whole calls by UTC day (newest first) and today's by user. */
  usage(): { byDay: { day: string; usage: number }[]; byUser: { userId: string; usage: number }[] } {
    this.rollDay(this.now());
    const today = new Date(this.day * DAY_MS).toISOString().slice(0, 10);
    const days = [[today, this.dailyTenths] as const, ...[...this.pastDays].reverse()];
    return {
      byDay: days.map(([day, tenths]) => ({ day, usage: Math.floor(tenths / 10) })),
      byUser: [...this.byUser].map(([userId, tenths]) => ({ userId, usage: Math.floor(tenths / 10) })),
    };
  }

  /** Charges a query's complexity, or refuses it without charging. */
  charge(cost: number): LimitRefusal | { before: number; after: number; resetInSeconds: number } {
    if (cost > this.settings.maxQueryComplexity) return { kind: 'maxComplexity', cost };
    const now = this.now();
    const window = this.roll(this.complexity, now);
    const before = this.settings.complexityPerMinute - window.used;
    if (cost > before) {
      this.refused.complexityBudget++;
      return { kind: 'complexityBudget', retryInSeconds: this.resetIn(window, now), cost, remaining: before };
    }
    window.used += cost;
    return { before, after: before - cost, resetInSeconds: this.resetIn(window, now) };
  }

  /** What the `RateLimit` header reports after this call. */
  remaining(): {
    requests: number;
    requestsReset: number;
    concurrency: number;
    complexity: number;
    complexityReset: number;
  } {
    const now = this.now();
    const requests = this.roll(this.requests, now);
    const complexity = this.roll(this.complexity, now);
    return {
      requests: Math.max(0, this.settings.requestsPerMinute - requests.used),
      requestsReset: this.resetIn(requests, now),
      concurrency: Math.max(0, this.settings.concurrency - this.inFlight),
      complexity: Math.max(0, this.settings.complexityPerMinute - complexity.used),
      complexityReset: this.resetIn(complexity, now),
    };
  }

  dailyUsed(): number {
    this.rollDay(this.now());
    return this.dailyTenths / 10;
  }

  private roll(window: Window, now: number): Window {
    if (window.used === 0 || now - window.startedAt >= WINDOW_MS) {
      window.startedAt = now;
      window.used = 0;
    }
    return window;
  }

  private resetIn(window: Window, now: number): number {
    return Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now) / 1000));
  }

  private rollDay(now: number): void {
    const day = Math.floor(now / DAY_MS);
    if (day !== this.day) {
      if (this.day >= 0) {
        this.pastDays.set(new Date(this.day * DAY_MS).toISOString().slice(0, 10), this.dailyTenths);
        // A week of history, as monday's analytics show.
        while (this.pastDays.size > 6) this.pastDays.delete(this.pastDays.keys().next().value!);
      }
      this.day = day;
      this.dailyTenths = 0;
      this.byUser = new Map();
    }
  }
}
