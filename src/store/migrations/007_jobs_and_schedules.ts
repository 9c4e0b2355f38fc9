import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 007_jobs_and_schedules. Released: never edit it; add the next number. */
export function migration007(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Work for workers (syncs now; more kinds later), stored so it survives a restart or a dead worker.
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('connection_id', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('run_after', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(5))
        .addColumn('holder', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('result', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      // One waiting job per kind and connection: asking again while one waits joins it.
      await sql`create unique index jobs_waiting_once on jobs (kind, connection_id) where status = 'queued'`.execute(
        db,
      );
      await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_after']).execute();
      // Each connection syncs on a schedule (cron syntax, UTC); the next run is kept so a restart resumes it.
      await db.schema
        .alterTable('connections')
        .addColumn('sync_schedule', 'text', (c) => c.notNull().defaultTo('0 */6 * * *'))
        .execute();
      await db.schema.alterTable('connections').addColumn('next_sync_at', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`drop table if exists jobs`.execute(db);
    },
  };
}
