import { randomUUID } from 'node:crypto';
import { type CompiledQuery, type Kysely, sql, type Updateable } from 'kysely';
import { BUDGET_BOUNDS, type BudgetFacts, decayedCost, type SharedBudget } from '../monday/requestBudget.ts';
import type { Store } from './database.ts';
import type { Database, MondayBudgetsTable } from './schema.ts';

const WINDOW_MS = 60_000;
/** The database's clock in epoch milliseconds. */
const SQLITE_NOW = `select cast(round((julianday('now') - 2440587.5) * 86400000.0) as integer)`;
const POSTGRES_NOW = 'select round(extract(epoch from clock_timestamp()) * 1000)::bigint as now';
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
  // A pause stored out of bounds (by an earlier version, or a clock since corrected) lasts at most the bound.
  const pausedUntil = Math.min(row.paused_until, now + BUDGET_BOUNDS.pauseMs.max);
  if (pausedUntil > now) return { result: { waitMs: pausedUntil - now } };
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
      const resetInMs = Math.min(row.complexity_reset_at - now, BUDGET_BOUNDS.resetMs.max);
      return { result: { waitMs: resetInMs + WINDOW_MARGIN_MS } };
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

/**
 * Folds what monday said into the account's row, at `now` on the budget's clock: a longer pause, its limits,
 * the complexity left, and the cost estimate of the next query (raised at once, decaying after).
 */
export function mergeFacts(row: BudgetRow, given: BudgetFacts, now: number): Updateable<MondayBudgetsTable> {
  const facts = wholeMilliseconds(given);
  const changes: Updateable<MondayBudgetsTable> = {};
  if (facts.pauseMs !== undefined && now + facts.pauseMs > row.paused_until)
    changes.paused_until = now + facts.pauseMs;
  if (facts.minuteLimit && facts.minuteLimit !== row.minute_limit) changes.minute_limit = facts.minuteLimit;
  if (facts.concurrencyLimit && facts.concurrencyLimit !== row.concurrency_limit)
    changes.concurrency_limit = facts.concurrencyLimit;
  const complexity = facts.complexity;
  if (complexity) {
    const resetAt = now + complexity.resetInMs;
    const sameWindow =
      row.complexity_reset_at !== null &&
      row.complexity_reset_at > now &&
      Math.abs(row.complexity_reset_at - resetAt) <= 2_000;
    // Answers arrive out of order: within one window the least left is the truth.
    const remaining =
      sameWindow && row.complexity_remaining !== null
        ? Math.min(row.complexity_remaining, complexity.remaining)
        : complexity.remaining;
    if (remaining !== row.complexity_remaining) changes.complexity_remaining = remaining;
    if (!sameWindow) changes.complexity_reset_at = resetAt;
    const cost = sameWindow ? decayedCost(row.query_cost, complexity.queryCost) : complexity.queryCost;
    if (cost !== row.query_cost) changes.query_cost = cost;
  }
  return changes;
}

/** Durations rounded to whole milliseconds (the row keeps instants as integers). */
function wholeMilliseconds(facts: BudgetFacts): BudgetFacts {
  return {
    ...facts,
    ...(facts.pauseMs !== undefined ? { pauseMs: Math.ceil(facts.pauseMs) } : {}),
    ...(facts.complexity
      ? { complexity: { ...facts.complexity, resetInMs: Math.ceil(facts.complexity.resetInMs) } }
      : {}),
  };
}

/**
 * One monday account's request budget in the database, so every process that talks to the account (servers,
 * workers, the CLI) together stays within monday's minute, concurrency and complexity limits. Each decision is
 * one short transaction holding the account's row: on SQLite a synchronous immediate transaction on a database
 * file of its own (`budget.db`, so a request never waits on a sync publishing into the main file), on
 * PostgreSQL a row lock. Instants come from one clock, the database's, unless a clock is given (tests).
 */
export class DbSharedBudget implements SharedBudget {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly store: Store,
    readonly key: string,
    private readonly options: {
      reserve?: { minute: number; concurrency: number };
      /** The budget's clock; the database's when not given. */
      now?: () => number;
    } = {},
  ) {
    this.db = store.db;
  }

  take(holdMs: number): Promise<{ ticket: string } | { waitMs: number }> {
    const reserve = this.options.reserve ?? { minute: 2, concurrency: 0 };
    return this.atomically((row, inFlight, now) => decideTake(row, inFlight, now, holdMs, reserve));
  }

  async give(ticket: string): Promise<void> {
    await onBudgetStore(
      this.store,
      this.db.deleteFrom('monday_budget_leases').where('id', '=', ticket).compile(),
    );
  }

  async record(facts: BudgetFacts): Promise<void> {
    await this.atomically((row, _inFlight, now) => ({ result: null, changes: mergeFacts(row, facts, now) }));
  }

  /** Reads the clock, the account's row and its requests in flight, decides and writes, as one transaction. */
  private async atomically<T>(
    decide: (row: BudgetRow, inFlight: number, now: number) => Decision<T>,
  ): Promise<T> {
    const given = this.options.now;
    const sqlite = this.store.budgetSqlite;
    if (sqlite) {
      const all = (query: CompiledQuery) => sqlite.prepare(query.sql).all(...(query.parameters as unknown[]));
      const run = (query: CompiledQuery) => sqlite.prepare(query.sql).run(...(query.parameters as unknown[]));
      return sqlite
        .transaction(() => {
          const now = given ? given() : Number(sqlite.prepare(SQLITE_NOW).pluck().get());
          const q = this.queries(now);
          run(q.create);
          run(q.purge);
          const decision = decide(
            toRow(all(q.read)[0]),
            Number((all(q.inFlight)[0] as { n: unknown }).n),
            now,
          );
          for (const query of q.write(decision)) run(query);
          return decision.result;
        })
        .immediate();
    }
    return this.db.transaction().execute(async (trx) => {
      const now = given
        ? given()
        : Number((await sql<{ now: string | number }>`${sql.raw(POSTGRES_NOW)}`.execute(trx)).rows[0]?.now);
      const q = this.queries(now);
      await trx.executeQuery(q.create);
      const locked = await trx.executeQuery(q.lock);
      await trx.executeQuery(q.purge);
      const inFlight = await trx.executeQuery(q.inFlight);
      const decision = decide(toRow(locked.rows[0]), Number((inFlight.rows[0] as { n: unknown }).n), now);
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

/** Every account's budget row and the requests in flight, wherever the store keeps them. */
export async function readBudgets(
  store: Store,
): Promise<{ budgets: (BudgetRow & { key: string })[]; leases: { id: string; key: string }[] }> {
  const rows = store.db.selectFrom('monday_budgets').selectAll().compile();
  const leases = store.db.selectFrom('monday_budget_leases').select(['id', 'key']).compile();
  return {
    budgets: (await onBudgetStore(store, rows)).map((raw) => ({
      ...toRow(raw),
      key: (raw as { key: string }).key,
    })),
    leases: (await onBudgetStore(store, leases)) as { id: string; key: string }[],
  };
}

/** Forgets every account's budget (limits learned, pauses, requests in flight): monday's are learned anew. */
export async function forgetBudgets(store: Store): Promise<void> {
  for (const table of ['monday_budget_leases', 'monday_budgets'] as const)
    await onBudgetStore(store, store.db.deleteFrom(table).compile());
}

/**
 * Runs a query on the budgets wherever the store keeps them: their own SQLite file, or the main database
 * (PostgreSQL). Returns the rows it reads (none for a write).
 */
export async function onBudgetStore(store: Store, query: CompiledQuery): Promise<unknown[]> {
  if (!store.budgetSqlite) return (await store.db.executeQuery(query)).rows;
  const statement = store.budgetSqlite.prepare(query.sql);
  const parameters = query.parameters as unknown[];
  if (statement.reader) return statement.all(...parameters);
  statement.run(...parameters);
  return [];
}
