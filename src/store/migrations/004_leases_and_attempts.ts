import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 004_leases_and_attempts. Released: never edit it; add the next number. */
export function migration004(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // One lease per connection: who may write its synced copy now, until when, and a fence that grows
      // with every new holder so a holder that lost the lease can tell.
      await db.schema
        .createTable('connection_leases')
        .addColumn('connection_id', 'text', (c) =>
          c.primaryKey().references('connections.id').onDelete('cascade'),
        )
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('fence', 'integer', (c) => c.notNull())
        .addColumn('acquired_at', 'text', (c) => c.notNull())
        .addColumn('heartbeat_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      // Every write an action makes to the copy takes the next number; a sync skips rows written after it
      // began reading, so it never overwrites an action's newer answer with an older page.
      await db.schema
        .alterTable('connections')
        .addColumn('copy_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('directory_users')
        .addColumn('action_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // monday's own kind as sent: agents, service and portal users are kept, shown as such, hold no seat.
      await db.schema.alterTable('directory_users').addColumn('kind', 'text').execute();
      await db.schema
        .alterTable('sync_runs')
        .addColumn('kept_for_actions', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // monday's request id of the answer a run failed on, for monday's support.
      await db.schema.alterTable('sync_runs').addColumn('error_request_id', 'text').execute();
      // A sync stages what it will write in small transactions, then publishes it in one.
      await db.schema
        .createTable('sync_staged_users')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('connection_id', 'text', (c) => c.notNull())
        .addColumn('remote_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('kind', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('license', 'text')
        .addColumn('last_activity_at', 'text')
        .addColumn('remote_created_at', 'text')
        .addColumn('scim_linked', 'integer', (c) => c.notNull())
        .addColumn('invitation_method', 'text')
        .addColumn('explanation', 'text', (c) => c.notNull())
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('removed_at', 'text')
        .addPrimaryKeyConstraint('sync_staged_users_pk', ['run_id', 'remote_id'])
        .execute();
      await db.schema
        .createTable('sync_staged_events')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('connection_id', 'text', (c) => c.notNull())
        .addColumn('remote_user_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('before_value', 'text')
        .addColumn('after_value', 'text')
        .addColumn('occurred_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sync_staged_events_pk', ['run_id', 'seq'])
        .execute();
      // An action's key is claimed by one execution at a time; a crashed one is retried once its lease ends.
      for (const [column, type] of [
        ['execution_id', 'text'],
        ['holder', 'text'],
        ['lease_expires_at', 'text'],
        ['audit_id', 'integer'],
        ['previous_audit_id', 'integer'],
      ] as const) {
        await db.schema.alterTable('action_requests').addColumn(column, type).execute();
      }
      await db.schema
        .alterTable('action_requests')
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      // Executions left running by an earlier version hold no lease: they may be retried at once.
      await sql`update action_requests set lease_expires_at = created_at where status = 'running'`.execute(
        db,
      );
    },
    async down(db: Kysely<unknown>) {
      await sql`drop table if exists sync_staged_events`.execute(db);
      await sql`drop table if exists sync_staged_users`.execute(db);
      await sql`drop table if exists connection_leases`.execute(db);
    },
  };
}
