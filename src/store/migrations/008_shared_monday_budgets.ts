import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 008_shared_monday_budgets. Released: never edit it; add the next number. */
export function migration008(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // One request budget per monday account, shared by every process (times in epoch milliseconds).
      await db.schema
        .createTable('monday_budgets')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_started_at', 'bigint', (c) => c.notNull())
        .addColumn('window_used', 'integer', (c) => c.notNull())
        .addColumn('minute_limit', 'integer', (c) => c.notNull())
        .addColumn('concurrency_limit', 'integer', (c) => c.notNull())
        .addColumn('complexity_remaining', 'bigint')
        .addColumn('complexity_reset_at', 'bigint')
        .addColumn('query_cost', 'bigint', (c) => c.notNull())
        .addColumn('paused_until', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('monday_budget_leases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('monday_budget_leases_by_key')
        .on('monday_budget_leases')
        .columns(['key', 'expires_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`drop table if exists monday_budget_leases`.execute(db);
      await sql`drop table if exists monday_budgets`.execute(db);
    },
  };
}
