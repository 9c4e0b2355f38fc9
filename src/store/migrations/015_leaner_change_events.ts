import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 015_leaner_change_events. Released: never edit it; add the next number. */
export function migration015(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // change_events_run_id (run_id, id) answers every question change_events_run (run_id) did: one index
      // less for every event a sync writes.
      await sql`drop index if exists change_events_run`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.createIndex('change_events_run').on('change_events').columns(['run_id']).execute();
    },
  };
}
