import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable, Transaction } from 'kysely';
import type { Database } from './schema.ts';

/** Rows per statement on PostgreSQL, and per turn of the event loop on SQLite. */
const BATCH = 500;
const prepared = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

/**
 * Inserts many rows into `table` inside the caller's transaction, a batch per turn of the event loop; rows whose
 * key is already there are skipped when `ignoreConflicts`. On SQLite one statement, prepared once per shape, runs
 * per row on the connection itself: the transaction holds the process's only connection, so nothing else lands
 * in between, and SQLite runs a prepared insert for a fraction of what compiling a multi-row one costs.
 * A column some rows lack is written as null.
 */
export async function insertRows<T extends keyof Database & string>(
  trx: Transaction<Database>,
  handle: BetterSqlite3.Database | undefined,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  options: { ignoreConflicts?: boolean } = {},
): Promise<void> {
  if (rows.length === 0) return;
  if (!handle) {
    for (let i = 0; i < rows.length; i += BATCH) {
      // biome-ignore lint/suspicious/noExplicitAny: Kysely cannot relate a generic table to its row type
      let insert = trx.insertInto(table).values(rows.slice(i, i + BATCH) as any);
      if (options.ignoreConflicts) insert = insert.onConflict((oc) => oc.doNothing());
      await insert.execute();
    }
    return;
  }
  // Every column any row has, without listing every row's keys at once (a first sync writes millions).
  const seen = new Set<string>();
  for (const row of rows) for (const column in row) seen.add(column);
  const columns = [...seen];
  const text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')})
    values (${columns.map(() => '?').join(', ')})${options.ignoreConflicts ? ' on conflict do nothing' : ''}`;
  let cache = prepared.get(handle);
  if (!cache) {
    cache = new Map();
    prepared.set(handle, cache);
  }
  let statement = cache.get(text);
  if (!statement) {
    statement = handle.prepare(text);
    cache.set(text, statement);
  }
  for (let i = 0; i < rows.length; i += BATCH) {
    for (const row of rows.slice(i, i + BATCH)) {
      const values = row as Record<string, unknown>;
      statement.run(columns.map((c) => values[c] ?? null));
    }
    await yieldToEventLoop();
  }
}
