import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 009_offboardings. Released: never edit it; add the next number. */
export function migration009(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Offboarding may use GraphQL deactivate_users on a connection only when the operator allowed it.
      await db.schema
        .alterTable('connections')
        .addColumn('graphql_offboarding', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('offboardings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('emails', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        // The process running it holds it with a lease it renews; a dead one's offboarding is resumed.
        .addColumn('holder', 'text')
        .addColumn('lease_until', 'text')
        .execute();
      await db.schema.createIndex('offboardings_recent').on('offboardings').column('requested_at').execute();
      await db.schema
        .createTable('offboarding_steps')
        .addColumn('offboarding_id', 'text', (c) => c.notNull())
        .addColumn('connection_id', 'text', (c) => c.notNull())
        .addColumn('account_name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('plan', 'text', (c) => c.notNull())
        .addColumn('before', 'text')
        .addColumn('after', 'text')
        .addColumn('request_ids', 'text', (c) => c.notNull())
        .addColumn('message', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('offboarding_steps_pk', ['offboarding_id', 'connection_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`drop table if exists offboarding_steps`.execute(db);
      await sql`drop table if exists offboardings`.execute(db);
    },
  };
}
