import { setTimeout as sleep } from 'node:timers/promises';
import { parseRateLimitHeader } from './rateLimitHeader.ts';

/** What monday reported about the budget after one call. */
export interface BudgetObservation {
  rateLimitHeader: string | null;
  complexity?: { after: number; query: number; reset_in_x_seconds: number } | null;
}

/** Notified of every monday request and every wait, for metrics. */
export interface MondayObserver {
  request(channel: 'graphql' | 'scim'): void;
  waited(ms: number): void;
}

export interface BudgetStats {
  /** Requests started. */
  requests: number;
  /** Times a request waited because the budget was paused (by us or by monday). */
  waits: number;
  waitedMs: number;
}

/**
 * Paces one monday account's requests: at most `maxConcurrency` in flight, and a pause for everyone when
 * monday says a limit is near (RateLimit header, complexity field) or was hit (retry_in_seconds).
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

  constructor(
    options: {
      maxConcurrency?: number;
      now?: () => number;
      /** How to wait; tests pass one that moves a fake clock. */
      sleep?: (ms: number) => Promise<unknown>;
      /** Requests kept free in the minute window so other tools of the account are not starved. */
      minuteReserve?: number;
      observer?: MondayObserver;
    } = {},
  ) {
    this.maxConcurrency = options.maxConcurrency ?? 4;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
    this.minuteReserve = options.minuteReserve ?? 2;
    this.observer = options.observer;
  }

  private readonly observer: MondayObserver | undefined;

  /** Waits for a slot and for any pause to pass; call `release` afterwards. */
  async acquire(channel: 'graphql' | 'scim' = 'graphql'): Promise<void> {
    if (this.inFlight >= this.maxConcurrency) {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    this.inFlight++;
    // Another request may extend the pause while this one sleeps, so check again after waking.
    for (let wait = this.pausedUntil - this.now(); wait > 0; wait = this.pausedUntil - this.now()) {
      this.stats.waits++;
      this.stats.waitedMs += wait;
      this.observer?.waited(wait);
      await this.sleep(wait);
    }
    this.stats.requests++;
    this.observer?.request(channel);
  }

  release(): void {
    this.inFlight--;
    this.queue.shift()?.();
  }

  /** Pauses every request of this account for `ms` (monday's retry_in_seconds or Retry-After). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  /** Reads what monday said about remaining budget and pauses ahead of a limit instead of hitting it. */
  observe(observation: BudgetObservation): void {
    const entries = parseRateLimitHeader(observation.rateLimitHeader);
    const minute = entries.minuteRate;
    if (minute && minute.remaining <= this.minuteReserve && minute.resetSeconds !== null) {
      this.pauseFor(minute.resetSeconds * 1000);
    }
    const complexity = observation.complexity;
    if (complexity) {
      this.lastQueryCost = Math.max(this.lastQueryCost, complexity.query);
      if (complexity.after < this.lastQueryCost) this.pauseFor(complexity.reset_in_x_seconds * 1000);
    } else {
      const budget = entries.complexityMinute;
      if (
        budget &&
        this.lastQueryCost > 0 &&
        budget.remaining < this.lastQueryCost &&
        budget.resetSeconds !== null
      ) {
        this.pauseFor(budget.resetSeconds * 1000);
      }
    }
  }
}
