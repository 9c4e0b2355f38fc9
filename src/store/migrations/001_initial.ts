import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 001_initial. Released: never edit it; add the next number. */
export function migration001(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('connections')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('account_name', 'text', (c) => c.notNull())
        .addColumn('account_slug', 'text', (c) => c.notNull())
        .addColumn('account_url', 'text')
        .addColumn('plan_tier', 'text')
        .addColumn('max_users', 'integer')
        .addColumn('api_url', 'text', (c) => c.notNull())
        .addColumn('api_version', 'text', (c) => c.notNull())
        .addColumn('scim_url', 'text')
        .addColumn('permission', 'text', (c) => c.notNull())
        .addColumn('token_ciphertext', 'text', (c) => c.notNull())
        .addColumn('scim_token_ciphertext', 'text')
        .addColumn('token_owner_id', 'text', (c) => c.notNull())
        .addColumn('token_owner_kind', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('last_synced_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('connections_account_unique', ['api_url', 'account_id'])
        .execute();

      await db.schema
        .createTable('directory_users')
        .addColumn('connection_id', 'text', (c) =>
          c.notNull().references('connections.id').onDelete('cascade'),
        )
        .addColumn('remote_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
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
        .addPrimaryKeyConstraint('directory_users_pk', ['connection_id', 'remote_id'])
        .execute();
      await db.schema
        .createIndex('directory_users_email')
        .on('directory_users')
        .columns(['connection_id', 'email'])
        .execute();

      await db.schema
        .createTable('sync_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('connection_id', 'text', (c) =>
          c.notNull().references('connections.id').onDelete('cascade'),
        )
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('complete', 'integer', (c) => c.notNull())
        .addColumn('pages_read', 'integer', (c) => c.notNull())
        .addColumn('users_seen', 'integer', (c) => c.notNull())
        .addColumn('changes', 'integer', (c) => c.notNull())
        .addColumn('requests', 'integer', (c) => c.notNull())
        .addColumn('retries', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .execute();
      await db.schema
        .createIndex('sync_runs_connection')
        .on('sync_runs')
        .columns(['connection_id', 'started_at'])
        .execute();
      // At most one running sync per connection, across processes.
      await db.schema
        .createIndex('sync_runs_one_running')
        .on('sync_runs')
        .column('connection_id')
        .unique()
        .where(sql.ref('status'), '=', 'running')
        .execute();

      await db.schema
        .createTable('change_events')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('connection_id', 'text', (c) =>
          c.notNull().references('connections.id').onDelete('cascade'),
        )
        .addColumn('run_id', 'text')
        .addColumn('remote_user_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('before_value', 'text')
        .addColumn('after_value', 'text')
        .addColumn('occurred_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('change_events_user')
        .on('change_events')
        .columns(['connection_id', 'remote_user_id'])
        .execute();
      await db.schema.createIndex('change_events_run').on('change_events').columns(['run_id']).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['change_events', 'sync_runs', 'directory_users', 'connections']) {
        await sql`drop table if exists ${sql.table(table)}`.execute(db);
      }
    },
  };
}
