import { randomUUID } from 'node:crypto';
import type { CompiledQuery, Kysely, Updateable } from 'kysely';
import type { BudgetFacts, SharedBudget } from '../monday/requestBudget.ts';
import type { Store } from './database.ts';
import type { Database, MondayBudgetsTable } from './schema.ts';

const WINDOW_MS = 60_000;
/** monday's window starts when its first request arrives, a moment after ours; ours ends a little later. */
const WINDOW_MARGIN_MS = 1_000;
/** How often a request waiting for a free slot in flight looks again. */
const SLOT_POLL_MS = 100;

/** Limits assumed until monday announces the account's own: those of its smallest plans. */
export const DEFAULT_BUDGET_LIMITS = { minuteLimit: 1_000, concurrencyLimit: 40 };

/** An account's budget row as numbers (PostgreSQL returns bigints as strings). */
export interface BudgetRow {
  window_started_at: number;
  window_used: number;
  minute_limit: number;
  concurrency_limit: number;
  complexity_remaining: number | null;
  complexity_reset_at: number | null;
  query_cost: number;
  paused_until: number;
}

/** What one decision does to the account's row and its requests in flight. */
interface Decision<T> {
  result: T;
  changes?: Updateable<MondayBudgetsTable>;
  lease?: { id: string; expires_at: number };
}

/**
 * Whether one more request may go to monday now: not while paused, not past the minute limit (our requests in
 * monday's window, less a reserve), not when the complexity left is below the last query's cost, and not with
 * as many in flight as monday allows at once.
 */
export function decideTake(
  row: BudgetRow,
  inFlight: number,
  now: number,
  holdMs: number,
  reserve: { minute: number; concurrency: number },
): Decision<{ ticket: string } | { waitMs: number }> {
  if (row.paused_until > now) return { result: { waitMs: row.paused_until - now } };
  let windowStartedAt = row.window_started_at;
  let windowUsed = row.window_used;
  if (windowUsed === 0 || now - windowStartedAt >= WINDOW_MS + WINDOW_MARGIN_MS) {
    windowStartedAt = now;
    windowUsed = 0;
  }
  if (windowUsed >= Math.max(1, row.minute_limit - reserve.minute)) {
    return { result: { waitMs: windowStartedAt + WINDOW_MS + WINDOW_MARGIN_MS - now } };
  }
  let complexityRemaining = row.complexity_remaining;
  if (row.complexity_reset_at !== null && row.complexity_reset_at > now && complexityRemaining !== null) {
    if (complexityRemaining < row.query_cost) {
      return { result: { waitMs: row.complexity_reset_at - now + WINDOW_MARGIN_MS } };
    }
    complexityRemaining -= row.query_cost;
  }
  if (inFlight >= Math.max(1, row.concurrency_limit - reserve.concurrency)) {
    return { result: { waitMs: SLOT_POLL_MS } };
  }
  const ticket = randomUUID();
  return {
    result: { ticket },
    changes: {
      window_started_at: windowStartedAt,
      window_used: windowUsed + 1,
      complexity_remaining: complexityRemaining,
    },
    lease: { id: ticket, expires_at: now + holdMs },
  };
}

/** Folds what monday said into the account's row: a longer pause, its limits, the complexity left. */
export function mergeFacts(row: BudgetRow, facts: BudgetFacts, now: number): Updateable<MondayBudgetsTable> {
  const changes: Updateable<MondayBudgetsTable> = {};
  if (facts.pauseUntil !== undefined && facts.pauseUntil > row.paused_until)
    changes.paused_until = facts.pauseUntil;
  if (facts.minuteLimit && facts.minuteLimit !== row.minute_limit) changes.minute_limit = facts.minuteLimit;
  if (facts.concurrencyLimit && facts.concurrencyLimit !== row.concurrency_limit)
    changes.concurrency_limit = facts.concurrencyLimit;
  const complexity = facts.complexity;
  if (complexity) {
    const sameWindow =
      row.complexity_reset_at !== null &&
      row.complexity_reset_at > now &&
      Math.abs(row.complexity_reset_at - complexity.resetAt) <= 2_000;
    // Answers arrive out of order: within one window the least left is the truth.
    const remaining =
      sameWindow && row.complexity_remaining !== null
        ? Math.min(row.complexity_remaining, complexity.remaining)
        : complexity.remaining;
    if (remaining !== row.complexity_remaining) changes.complexity_remaining = remaining;
    if (!sameWindow) changes.complexity_reset_at = complexity.resetAt;
    if (complexity.queryCost > row.query_cost) changes.query_cost = complexity.queryCost;
  }
  return changes;
}

/**
 * One monday account's request budget in the database, so every process that talks to the account (servers,
 * workers, the CLI) together stays within monday's minute, concurrency and complexity limits. Each decision is
 * one short transaction holding the account's row: an immediate SQLite transaction that never spans an await,
 * or a PostgreSQL row lock.
 */
export class DbSharedBudget implements SharedBudget {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly store: Store,
    readonly key: string,
    private readonly reserve: { minute: number; concurrency: number } = { minute: 2, concurrency: 0 },
  ) {
    this.db = store.db;
  }

  take(now: number, holdMs: number): Promise<{ ticket: string } | { waitMs: number }> {
    return this.atomically(now, (row, inFlight) => decideTake(row, inFlight, now, holdMs, this.reserve));
  }

  async give(ticket: string): Promise<void> {
    await this.db.deleteFrom('monday_budget_leases').where('id', '=', ticket).execute();
  }

  async record(facts: BudgetFacts, now: number): Promise<void> {
    await this.atomically(now, (row) => ({ result: null, changes: mergeFacts(row, facts, now) }));
  }

  /** Reads the account's row and its requests in flight, decides, and writes the decision, as one transaction. */
  private async atomically<T>(
    now: number,
    decide: (row: BudgetRow, inFlight: number) => Decision<T>,
  ): Promise<T> {
    const q = this.queries(now);
    const sqlite = this.store.sqlite;
    if (sqlite) {
      const all = (query: CompiledQuery) => sqlite.prepare(query.sql).all(...(query.parameters as unknown[]));
      const run = (query: CompiledQuery) => sqlite.prepare(query.sql).run(...(query.parameters as unknown[]));
      return sqlite
        .transaction(() => {
          run(q.create);
          run(q.purge);
          const decision = decide(toRow(all(q.read)[0]), Number((all(q.inFlight)[0] as { n: unknown }).n));
          for (const query of q.write(decision)) run(query);
          return decision.result;
        })
        .immediate();
    }
    return this.db.transaction().execute(async (trx) => {
      await trx.executeQuery(q.create);
      const locked = await trx.executeQuery(q.lock);
      await trx.executeQuery(q.purge);
      const inFlight = await trx.executeQuery(q.inFlight);
      const decision = decide(toRow(locked.rows[0]), Number((inFlight.rows[0] as { n: unknown }).n));
      for (const query of q.write(decision)) await trx.executeQuery(query);
      return decision.result;
    });
  }

  private queries(now: number) {
    const { db, key } = this;
    return {
      create: db
        .insertInto('monday_budgets')
        .values({
          key,
          window_started_at: now,
          window_used: 0,
          minute_limit: DEFAULT_BUDGET_LIMITS.minuteLimit,
          concurrency_limit: DEFAULT_BUDGET_LIMITS.concurrencyLimit,
          complexity_remaining: null,
          complexity_reset_at: null,
          query_cost: 0,
          paused_until: 0,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .compile(),
      read: db.selectFrom('monday_budgets').selectAll().where('key', '=', key).compile(),
      lock: db.selectFrom('monday_budgets').selectAll().where('key', '=', key).forUpdate().compile(),
      purge: db
        .deleteFrom('monday_budget_leases')
        .where('key', '=', key)
        .where('expires_at', '<=', now)
        .compile(),
      inFlight: db
        .selectFrom('monday_budget_leases')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('key', '=', key)
        .compile(),
      write: (decision: Decision<unknown>): CompiledQuery[] => [
        ...(decision.lease
          ? [
              db
                .insertInto('monday_budget_leases')
                .values({ key, ...decision.lease })
                .compile(),
            ]
          : []),
        ...(decision.changes && Object.keys(decision.changes).length > 0
          ? [
              db
                .updateTable('monday_budgets')
                .set({ ...decision.changes, updated_at: now })
                .where('key', '=', key)
                .compile(),
            ]
          : []),
      ],
    };
  }
}

function toRow(raw: unknown): BudgetRow {
  const row = raw as Record<keyof BudgetRow, unknown>;
  const maybe = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    window_started_at: Number(row.window_started_at),
    window_used: Number(row.window_used),
    minute_limit: Number(row.minute_limit),
    concurrency_limit: Number(row.concurrency_limit),
    complexity_remaining: maybe(row.complexity_remaining),
    complexity_reset_at: maybe(row.complexity_reset_at),
    query_cost: Number(row.query_cost),
    paused_until: Number(row.paused_until),
  };
}
