import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 010_removal_holds. Released: never edit it; add the next number. */
export function migration010(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // A run that would remove many people at once holds them until an admin confirms (per connection).
      await db.schema
        .alterTable('connections')
        .addColumn('removal_hold_percent', 'integer', (c) => c.notNull().defaultTo(10))
        .execute();
      await db.schema
        .alterTable('connections')
        .addColumn('removal_hold_min', 'integer', (c) => c.notNull().defaultTo(20))
        .execute();
      await db.schema
        .alterTable('sync_runs')
        .addColumn('removals_held', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('held_removals')
        .addColumn('connection_id', 'text', (c) => c.notNull())
        .addColumn('remote_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('held_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('held_removals_pk', ['connection_id', 'remote_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`drop table if exists held_removals`.execute(db);
    },
  };
}
