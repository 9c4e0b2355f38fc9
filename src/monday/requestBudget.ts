import { setTimeout as sleep } from 'node:timers/promises';
import { parseRateLimitHeader } from './rateLimitHeader.ts';

/** What monday reported about the budget after one call. */
export interface BudgetObservation {
  rateLimitHeader: string | null;
  /** `RateLimit-Policy`: the account's limits themselves. */
  rateLimitPolicyHeader?: string | null;
  complexity?: { after: number; query: number; reset_in_x_seconds: number } | null;
}

/** Notified of every monday request and every wait, for metrics. */
export interface MondayObserver {
  request(channel: 'graphql' | 'scim'): void;
  waited(ms: number): void;
  /** monday named a wait or a limit outside sane bounds; the bound was used instead. */
  clamped?(what: BudgetBound, asked: number, used: number): void;
}

/**
 * The ranges within which Seatwise takes monday's word on its budget (headers and bodies alike). monday's
 * windows are 60 s, its plans allow 1,000 to 5,000 requests a minute and 40 to 250 in flight, and one query
 * costs at most 5,000,000 points; a wait beyond two minutes (a daily limit) is not sat through but refused,
 * and one bent header must not stop every process for a day.
 */
export const BUDGET_BOUNDS = {
  pauseMs: { min: 0, max: 120_000 },
  resetMs: { min: 0, max: 120_000 },
  minuteLimit: { min: 1, max: 100_000 },
  concurrencyLimit: { min: 1, max: 1_000 },
  complexityRemaining: { min: 0, max: 1_000_000_000 },
  queryCost: { min: 0, max: 5_000_000 },
} as const;
export type BudgetBound = keyof typeof BUDGET_BOUNDS;

/** `value` within its bound; says so to `observer` when it was not. */
export function clampBudget(what: BudgetBound, value: number, observer?: MondayObserver): number {
  const { min, max } = BUDGET_BOUNDS[what];
  const used = Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : max;
  if (used !== value) observer?.clamped?.(what, value, used);
  return used;
}

/**
 * How much the cost estimate of the next query keeps of the last estimate: a costly query raises it at once,
 * cheaper ones bring it back down over a few answers, so one heavy query does not slow every later one.
 */
export const COST_DECAY = 0.5;

export function decayedCost(previous: number, observed: number): number {
  return Math.max(observed, Math.floor(previous * COST_DECAY));
}

export interface BudgetStats {
  /** Requests started. */
  requests: number;
  /** Times a request waited because the budget was paused (by us or by monday). */
  waits: number;
  waitedMs: number;
}

/**
 * What monday said about an account's budget, for every process to see, already within `BUDGET_BOUNDS`. Times
 * are durations from now: the shared budget turns them into instants on its own clock (the database's), so
 * hosts whose clocks differ still agree.
 */
export interface BudgetFacts {
  /** No request for this long (monday asked us to wait, or a limit is about to be reached). */
  pauseMs?: number;
  /** Requests per minute and requests in flight monday allows the account (`RateLimit-Policy`). */
  minuteLimit?: number;
  concurrencyLimit?: number;
  /** Complexity points left in monday's window, how soon it resets, and the cost of the query just run. */
  complexity?: { remaining: number; resetInMs: number; queryCost: number };
}

/**
 * The part of an account's budget every process shares (kept in the database): requests in monday's minute
 * window, requests in flight, the complexity left and any pause, counted across all processes together.
 */
export interface SharedBudget {
  /** Takes one request from the account's budget: a ticket to give back when it ends, or how long to wait. */
  take(holdMs: number): Promise<{ ticket: string } | { waitMs: number }>;
  give(ticket: string): Promise<void>;
  record(facts: BudgetFacts): Promise<void>;
}

/** Ends a request taken from the budget (settles once every process sees it ended). */
export type Release = () => Promise<void>;

/**
 * Paces one monday account's requests: at most `maxConcurrency` in flight in this process, and a pause for
 * everyone when monday says a limit is near (RateLimit header, complexity field) or was hit (retry_in_seconds).
 * With a shared budget, the account's limits are also kept across every process that talks to it.
 * Use one per connection and share it between every client of that account.
 */
export class RequestBudget {
  private inFlight = 0;
  private readonly queue: (() => void)[] = [];
  private pausedUntil = 0;
  private lastQueryCost = 0;
  readonly stats: BudgetStats = { requests: 0, waits: 0, waitedMs: 0 };

  private readonly maxConcurrency: number;
  /** The budget's clock (tests share a simulated one with the emulator). */
  readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<unknown>;
  private readonly minuteReserve: number;
  private readonly observer: MondayObserver | undefined;
  private readonly shared: SharedBudget | undefined;
  private readonly holdMs: number;
  private sharedTurn: Promise<unknown> = Promise.resolve();

  constructor(
    options: {
      maxConcurrency?: number;
      now?: () => number;
      /** How to wait; tests pass one that moves a fake clock. */
      sleep?: (ms: number) => Promise<unknown>;
      /** Requests kept free in the minute window so other tools of the account are not starved. */
      minuteReserve?: number;
      observer?: MondayObserver;
      /** The account's budget across processes. */
      shared?: SharedBudget;
      /** How long a request counts as in flight if its process dies before ending it. */
      holdMs?: number;
    } = {},
  ) {
    this.maxConcurrency = options.maxConcurrency ?? 4;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
    this.minuteReserve = options.minuteReserve ?? 2;
    this.observer = options.observer;
    this.shared = options.shared;
    this.holdMs = options.holdMs ?? 60_000;
  }

  /** Waits for a slot, for any pause to pass and for the shared budget; call the release it returns afterwards. */
  async acquire(channel: 'graphql' | 'scim' = 'graphql'): Promise<Release> {
    if (this.inFlight >= this.maxConcurrency) {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    this.inFlight++;
    let ticket: string | null = null;
    try {
      // Another request may extend the pause while this one sleeps, so check again after waking.
      for (let wait = this.pausedUntil - this.now(); wait > 0; wait = this.pausedUntil - this.now()) {
        await this.wait(wait);
      }
      if (this.shared) ticket = await this.takeShared(this.shared);
    } catch (error) {
      this.releaseSlot();
      throw error;
    }
    this.stats.requests++;
    this.observer?.request(channel);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.releaseSlot();
      // A ticket that cannot be given back lapses by itself after `holdMs`.
      if (ticket && this.shared) await this.shared.give(ticket).catch(() => {});
    };
  }

  /** This process's requests take from the shared budget one at a time, in the order they asked. */
  private takeShared(shared: SharedBudget): Promise<string> {
    const turn = this.sharedTurn.then(async () => {
      for (;;) {
        const taken = await shared.take(this.holdMs);
        if ('ticket' in taken) return taken.ticket;
        await this.wait(taken.waitMs);
      }
    });
    this.sharedTurn = turn.catch(() => {});
    return turn;
  }

  private async wait(ms: number): Promise<void> {
    this.stats.waits++;
    this.stats.waitedMs += ms;
    this.observer?.waited(ms);
    await this.sleep(ms);
  }

  private releaseSlot(): void {
    this.inFlight--;
    this.queue.shift()?.();
  }

  /** Pauses every request of this account for `ms` (monday's retry_in_seconds or Retry-After), in every process. */
  pauseFor(ms: number): void {
    const pauseMs = clampBudget('pauseMs', ms, this.observer);
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + pauseMs);
    void this.share({ pauseMs });
  }

  /** Reads what monday said about remaining budget and pauses ahead of a limit instead of hitting it. */
  async observe(observation: BudgetObservation): Promise<void> {
    const now = this.now();
    const clamp = (what: BudgetBound, value: number) => clampBudget(what, value, this.observer);
    const entries = parseRateLimitHeader(observation.rateLimitHeader);
    const policy = parseRateLimitHeader(observation.rateLimitPolicyHeader ?? null);
    const facts: BudgetFacts = {};
    if (policy.minuteRate?.quota) facts.minuteLimit = clamp('minuteLimit', policy.minuteRate.quota);
    if (policy.concurrency?.quota)
      facts.concurrencyLimit = clamp('concurrencyLimit', policy.concurrency.quota);
    const pause = (ms: number) => {
      this.pausedUntil = Math.max(this.pausedUntil, now + ms);
      facts.pauseMs = Math.max(facts.pauseMs ?? 0, ms);
    };
    const minute = entries.minuteRate;
    if (minute?.remaining != null && minute.remaining <= this.minuteReserve && minute.resetSeconds !== null) {
      pause(clamp('resetMs', minute.resetSeconds * 1000));
    }
    const complexity = observation.complexity;
    const header = entries.complexityMinute;
    if (complexity) {
      this.lastQueryCost = decayedCost(this.lastQueryCost, clamp('queryCost', complexity.query));
      const resetInMs = clamp('resetMs', complexity.reset_in_x_seconds * 1000);
      const remaining = clamp('complexityRemaining', complexity.after);
      facts.complexity = { remaining, resetInMs, queryCost: this.lastQueryCost };
      if (remaining < this.lastQueryCost) pause(resetInMs);
    } else if (header?.remaining != null && header.resetSeconds !== null) {
      const resetInMs = clamp('resetMs', header.resetSeconds * 1000);
      const remaining = clamp('complexityRemaining', header.remaining);
      facts.complexity = { remaining, resetInMs, queryCost: this.lastQueryCost };
      if (this.lastQueryCost > 0 && remaining < this.lastQueryCost) pause(resetInMs);
    }
    // Recorded before the answer is used, so the next request of any process already knows.
    await this.share(facts);
  }

  /** Tells every process; a database hiccup here costs only pacing, never the request. */
  private async share(facts: BudgetFacts): Promise<void> {
    if (!this.shared || Object.keys(facts).length === 0) return;
    await this.shared.record(facts).catch(() => {});
  }
}
