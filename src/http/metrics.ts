import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import type { BudgetBound, MondayObserver } from '../monday/requestBudget.ts';

/** Prometheus metrics of this Seatwise process. */
export class Metrics implements MondayObserver {
  readonly registry = new Registry();
  readonly syncs = new Counter({
    name: 'seatwise_syncs_total',
    help: 'Sync runs by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly actions = new Counter({
    name: 'seatwise_actions_total',
    help: 'Actions by action and outcome',
    labelNames: ['action', 'outcome'],
    registers: [this.registry],
  });
  readonly mondayRequests = new Counter({
    name: 'seatwise_monday_requests_total',
    help: 'Requests sent to monday by channel',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  readonly rateLimitWaits = new Counter({
    name: 'seatwise_rate_limit_waits_total',
    help: 'Times a request waited for monday rate limits',
    registers: [this.registry],
  });
  readonly rateLimitWaitSeconds = new Counter({
    name: 'seatwise_rate_limit_wait_seconds_total',
    help: 'Seconds spent waiting for monday rate limits',
    registers: [this.registry],
  });

  readonly budgetClamped = new Counter({
    name: 'seatwise_budget_clamped_total',
    help: 'Waits and limits monday named outside sane bounds, by which; the bound was used instead',
    labelNames: ['what'],
    registers: [this.registry],
  });
  /** Where a clamped value is reported (the server's log). */
  onClamped: ((fields: { what: BudgetBound; asked: number; used: number }) => void) | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'seatwise_' });
  }

  request(channel: 'graphql' | 'scim'): void {
    this.mondayRequests.inc({ channel });
  }

  waited(ms: number): void {
    this.rateLimitWaits.inc();
    this.rateLimitWaitSeconds.inc(ms / 1000);
  }

  clamped(what: BudgetBound, asked: number, used: number): void {
    this.budgetClamped.inc({ what });
    this.onClamped?.({ what, asked, used });
  }
}
