import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_BOUNDS, type BudgetBound, RequestBudget } from '../src/monday/requestBudget.ts';
import { DbSharedBudget, mergeFacts, onBudgetStore, readBudgets } from '../src/store/budgetRepo.ts';
import { openStore, type Store } from '../src/store/database.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';

const DAY_MS = 86_400_000;

/** An observer that records what was clamped. */
function clampLog() {
  const clamped: { what: BudgetBound; asked: number; used: number }[] = [];
  return {
    clamped,
    observer: {
      request: () => {},
      waited: () => {},
      clamped: (what: BudgetBound, asked: number, used: number) => clamped.push({ what, asked, used }),
    },
  };
}

describe('the budget trusts monday within bounds', () => {
  it('a RateLimit header naming a day-long reset pauses at most the bound, and says it clamped', async () => {
    const log = clampLog();
    const t = 1_000_000;
    const budget = new RequestBudget({ now: () => t, observer: log.observer });
    await budget.observe({ rateLimitHeader: '"minuteRate";r=0;t=86400' });
    // The pause stays within two minutes: acquire waits exactly the bound, not a day.
    const waits: number[] = [];
    const sleeper = new RequestBudget({
      now: () => t,
      sleep: async (ms) => {
        waits.push(ms);
        throw new Error('stop');
      },
    });
    await sleeper.observe({ rateLimitHeader: '"minuteRate";r=0;t=86400' });
    await expect(sleeper.acquire()).rejects.toThrow('stop');
    expect(waits).toEqual([BUDGET_BOUNDS.resetMs.max]);
    expect(log.clamped).toEqual([{ what: 'resetMs', asked: DAY_MS, used: BUDGET_BOUNDS.resetMs.max }]);
  });

  it('limits, complexity and retry waits out of range are clamped; in range they are taken as said', async () => {
    const log = clampLog();
    const budget = new RequestBudget({ now: () => 0, observer: log.observer });
    await budget.observe({
      rateLimitHeader: null,
      rateLimitPolicyHeader: '"minuteRate";q=99999999;w=60, "concurrency";q=250',
      complexity: { after: -5, query: 9_000_000_000, reset_in_x_seconds: 30 },
    });
    budget.pauseFor(DAY_MS);
    budget.pauseFor(Number.NaN);
    expect(log.clamped).toEqual([
      { what: 'minuteLimit', asked: 99_999_999, used: BUDGET_BOUNDS.minuteLimit.max },
      { what: 'queryCost', asked: 9_000_000_000, used: BUDGET_BOUNDS.queryCost.max },
      { what: 'complexityRemaining', asked: -5, used: 0 },
      { what: 'pauseMs', asked: DAY_MS, used: BUDGET_BOUNDS.pauseMs.max },
      { what: 'pauseMs', asked: Number.NaN, used: BUDGET_BOUNDS.pauseMs.max },
    ]);
  });

  it("the cost estimate of the next query follows monday's answers down after one costly query", () => {
    const row = {
      window_started_at: 0,
      window_used: 0,
      minute_limit: 5000,
      concurrency_limit: 250,
      complexity_remaining: 5_000_000,
      complexity_reset_at: 60_000,
      query_cost: 0,
      paused_until: 0,
    };
    let cost = 0;
    const answer = (queryCost: number) => {
      const changes = mergeFacts(
        { ...row, query_cost: cost },
        { complexity: { remaining: 4_000_000, resetInMs: 59_000, queryCost } },
        1_000,
      );
      cost = Number(changes.query_cost ?? cost);
    };
    answer(1_000_000);
    expect(cost).toBe(1_000_000);
    const seen: number[] = [];
    for (let i = 0; i < 30; i++) {
      answer(1_000);
      seen.push(cost);
    }
    // Falling every answer, never below what monday last said, and back to it within a window's worth.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeLessThanOrEqual(seen[i - 1]!);
    expect(Math.min(...seen)).toBe(1_000);
    expect(seen[0]!).toBeLessThan(1_000_000);
    // A new window starts from monday's figure.
    const fresh = mergeFacts(
      { ...row, query_cost: 1_000_000 },
      { complexity: { remaining: 5_000_000, resetInMs: 60_000, queryCost: 2_000 } },
      90_000,
    );
    expect(fresh.query_cost).toBe(2_000);
  });
});

describeEachDialect('the shared budget keeps one clock, the database’s (%s)', (dialect) => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    store = await openStore({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
  });
  afterAll(async () => {
    await store?.close();
    await db?.cleanup();
  });

  it("a pause recorded by a host whose clock is an hour ahead holds every process for monday's wait, not an hour more", async () => {
    const key = `clock-${dialect}`;
    // Two processes on two hosts: one clock an hour ahead, one right. Neither clock reaches the shared record.
    const ahead = new RequestBudget({
      now: () => Date.now() + 3_600_000,
      shared: new DbSharedBudget(store, key),
    });
    const right = new DbSharedBudget(store, key);
    ahead.pauseFor(5_000);
    let wait = 0;
    for (let i = 0; i < 100 && wait === 0; i++) {
      const taken = await right.take(30_000);
      if ('waitMs' in taken) wait = taken.waitMs;
      else await right.give(taken.ticket);
    }
    expect(wait).toBeGreaterThan(3_000);
    expect(wait).toBeLessThanOrEqual(5_000);
  });

  it('a pause stored out of bounds (an earlier version, a clock since corrected) lasts at most the bound', async () => {
    const key = `stored-${dialect}`;
    const shared = new DbSharedBudget(store, key);
    const first = await shared.take(30_000);
    if ('ticket' in first) await shared.give(first.ticket);
    await onBudgetStore(
      store,
      store.db
        .updateTable('monday_budgets')
        .set({ paused_until: Date.now() + DAY_MS })
        .where('key', '=', key)
        .compile(),
    );
    expect((await readBudgets(store)).budgets.find((b) => b.key === key)?.paused_until).toBeGreaterThan(
      Date.now() + DAY_MS - 60_000,
    );
    const taken = await shared.take(30_000);
    expect('waitMs' in taken && taken.waitMs).toBeGreaterThan(0);
    expect('waitMs' in taken && taken.waitMs).toBeLessThanOrEqual(BUDGET_BOUNDS.pauseMs.max);
  });

  it.runIf(dialect === 'sqlite')(
    'on SQLite the budgets live in a file of their own, so a request never waits on the main file’s write lock',
    async () => {
      const shared = new DbSharedBudget(store, 'own-file');
      // Another process holds the main file's write lock (a sync publishing): the budget still answers.
      const Database = (await import('better-sqlite3')).default;
      const other = new Database(store.location);
      other.exec('begin immediate');
      try {
        const taken = await shared.take(30_000);
        expect('ticket' in taken).toBe(true);
        if ('ticket' in taken) await shared.give(taken.ticket);
      } finally {
        other.exec('rollback');
        other.close();
      }
    },
  );
});
