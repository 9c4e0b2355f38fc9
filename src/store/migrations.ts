import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { sortKey, userSortColumns } from './sortKeys.ts';

/** Numbered migrations, applied in order on start. Never edit a released one; add the next number. */
export function migrationsFor(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '001_initial': {
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
    },
    '002_actions_and_audit': {
      async up(db: Kysely<unknown>) {
        // Audit entries outlive their connection, so no foreign key: they are append-only history.
        await db.schema
          .createTable('audit_entries')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('connection_id', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('via', 'text', (c) => c.notNull())
          .addColumn('dry_run', 'integer', (c) => c.notNull())
          .addColumn('idempotency_key', 'text')
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('targets', 'text', (c) => c.notNull())
          .addColumn('plan', 'text', (c) => c.notNull())
          .addColumn('results', 'text', (c) => c.notNull())
          .addColumn('request_ids', 'text', (c) => c.notNull())
          .addColumn('error_code', 'text')
          .addColumn('error_message', 'text')
          .execute();
        await db.schema
          .createIndex('audit_entries_connection')
          .on('audit_entries')
          .columns(['connection_id', 'id'])
          .execute();

        await db.schema
          .createTable('action_requests')
          .addColumn('connection_id', 'text', (c) => c.notNull())
          .addColumn('idempotency_key', 'text', (c) => c.notNull())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('result', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('action_requests_pk', ['connection_id', 'idempotency_key'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists action_requests`.execute(db);
        await sql`drop table if exists audit_entries`.execute(db);
      },
    },
    '003_api_keys_and_sessions': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('api_keys')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('key_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_used_at', 'text')
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema
          .createTable('sessions')
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id').onDelete('cascade'))
          .addColumn('csrf_token', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists sessions`.execute(db);
        await sql`drop table if exists api_keys`.execute(db);
      },
    },
    '004_leases_and_attempts': {
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
    },
    '005_streamed_sync_and_read_indexes': {
      async up(db: Kysely<unknown>) {
        // A streamed sync stages each page as it arrives: every user it saw (for removals, found in SQL),
        // the rows that changed in page order (published in slices) and their events (once per user and kind).
        await db.schema
          .alterTable('sync_staged_users')
          .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createIndex('sync_staged_users_seq')
          .on('sync_staged_users')
          .columns(['run_id', 'seq'])
          .execute();
        await db.schema
          .createIndex('sync_staged_events_once')
          .on('sync_staged_events')
          .columns(['run_id', 'remote_user_id', 'kind'])
          .unique()
          .execute();
        await db.schema
          .createTable('sync_seen')
          .addColumn('run_id', 'text', (c) => c.notNull())
          .addColumn('remote_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('sync_seen_pk', ['run_id', 'remote_id'])
          .execute();
        // The users list pages by keyset in every sort it offers, per connection (a list across connections
        // merges theirs); each sort has its index.
        for (const column of userSortColumns) {
          await sql`create index ${sql.id(`directory_users_by_${column}`)} on directory_users
            (connection_id, ${sortKey(column, dialect)}, remote_id) where removed_at is null`.execute(db);
        }
        // What monday reported as active members when connecting: a first sync knows that many pages exist.
        await db.schema.alterTable('connections').addColumn('active_members_count', 'integer').execute();
        // Invitations and offboarding find users by email, whatever its case (this replaces the exact-case index).
        await sql`create index directory_users_email_lower on directory_users (connection_id, lower(email))`.execute(
          db,
        );
        await sql`drop index directory_users_email`.execute(db);
        // Users an action wrote after a sync began reading: few, so the index holds only them.
        await sql`create index directory_users_action_seq on directory_users (connection_id, action_seq)
          where action_seq > 0`.execute(db);
        // Staging is scratch: on PostgreSQL it skips the write-ahead log (SQLite stages in temporary tables).
        if (dialect === 'postgres')
          for (const table of ['sync_seen', 'sync_staged_users', 'sync_staged_events'])
            await sql`alter table ${sql.table(table)} set unlogged`.execute(db);
        // A run's change events, paged by id.
        await db.schema
          .createIndex('change_events_run_id')
          .on('change_events')
          .columns(['run_id', 'id'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists sync_seen`.execute(db);
      },
    },
    '006_policies_insights_webhooks': {
      async up(db: Kysely<unknown>) {
        const id = (table: ReturnType<typeof db.schema.createTable>) =>
          table.addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          );
        // Per connection: how long without activity makes a paid seat inactive, what a seat costs, where to notify.
        await db.schema
          .alterTable('connections')
          .addColumn('inactive_days', 'integer', (c) => c.notNull().defaultTo(90))
          .execute();
        await db.schema.alterTable('connections').addColumn('seat_price', 'real').execute();
        await db.schema.alterTable('connections').addColumn('currency', 'text').execute();
        await db.schema.alterTable('connections').addColumn('webhook_ciphertext', 'text').execute();
        // Organisation-wide settings (the organisation's own email domains).
        await db.schema
          .createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        // What a complete sync counted (licenses, active users), for trends.
        await db.schema.alterTable('sync_runs').addColumn('snapshot', 'text').execute();
        await db.schema
          .createTable('policies')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('connection_id', 'text', (c) =>
            c.notNull().references('connections.id').onDelete('cascade'),
          )
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('params', 'text', (c) => c.notNull())
          .addColumn('exceptions', 'text', (c) => c.notNull())
          .addColumn('auto_apply', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('max_per_run', 'integer', (c) => c.notNull().defaultTo(10))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('proposals')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('policy_id', 'text', (c) => c.notNull().references('policies.id').onDelete('cascade'))
          .addColumn('connection_id', 'text', (c) => c.notNull())
          .addColumn('run_id', 'text')
          .addColumn('remote_user_id', 'text', (c) => c.notNull())
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('params', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('decided_at', 'text')
          .addColumn('decided_by', 'text')
          .addColumn('audit_id', 'integer')
          .addColumn('outcome', 'text')
          .execute();
        // One open proposal per policy and user: a sync that finds the same user again does not repeat it.
        await sql`create unique index proposals_open_once on proposals (policy_id, remote_user_id)
          where status = 'open'`.execute(db);
        await db.schema
          .createIndex('proposals_by_status')
          .on('proposals')
          .columns(['status', 'created_at'])
          .execute();
        await id(db.schema.createTable('webhook_deliveries'))
          .addColumn('connection_id', 'text')
          .addColumn('event', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('webhook_deliveries_due')
          .on('webhook_deliveries')
          .columns(['status', 'next_attempt_at'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of ['webhook_deliveries', 'proposals', 'policies', 'settings'])
          await sql`drop table if exists ${sql.table(table)}`.execute(db);
      },
    },
    '007_jobs_and_schedules': {
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
    },
    '008_shared_monday_budgets': {
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
    },
    '009_offboardings': {
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
        await db.schema
          .createIndex('offboardings_recent')
          .on('offboardings')
          .column('requested_at')
          .execute();
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
    },
    '010_removal_holds': {
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
    },
    '011_teams': {
      async up(db: Kysely<unknown>) {
        // monday's teams as the last complete sync read them; a team monday no longer has keeps its row, removed.
        await db.schema
          .createTable('directory_teams')
          .addColumn('connection_id', 'text', (c) =>
            c.notNull().references('connections.id').onDelete('cascade'),
          )
          .addColumn('team_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('is_guest', 'integer', (c) => c.notNull())
          .addColumn('picture_url', 'text')
          // 1: an identity provider manages it through SCIM; 0: not; null: unknown (no SCIM token).
          .addColumn('scim_managed', 'integer')
          .addColumn('first_seen_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('removed_at', 'text')
          .addPrimaryKeyConstraint('directory_teams_pk', ['connection_id', 'team_id'])
          .execute();
        for (const table of ['directory_team_members', 'directory_team_owners']) {
          await db.schema
            .createTable(table)
            .addColumn('connection_id', 'text', (c) =>
              c.notNull().references('connections.id').onDelete('cascade'),
            )
            .addColumn('team_id', 'text', (c) => c.notNull())
            .addColumn('user_id', 'text', (c) => c.notNull())
            .addColumn('since', 'text', (c) => c.notNull())
            .addPrimaryKeyConstraint(`${table}_pk`, ['connection_id', 'team_id', 'user_id'])
            .execute();
          await db.schema
            .createIndex(`${table}_user`)
            .on(table)
            .columns(['connection_id', 'user_id'])
            .execute();
        }
        // Team events name the team; events about a team as a whole name no user ('').
        await db.schema.alterTable('change_events').addColumn('team_id', 'text').execute();
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists directory_team_owners`.execute(db);
        await sql`drop table if exists directory_team_members`.execute(db);
        await sql`drop table if exists directory_teams`.execute(db);
      },
    },
    '012_people': {
      async up(db: Kysely<unknown>) {
        // People who sign in to Seatwise (invited by an admin, or created on their first sign-in).
        await db.schema
          .createTable('people')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text')
          // The role given in Seatwise, and the one the identity provider's groups map to (null: none).
          .addColumn('assigned_role', 'text')
          .addColumn('provider_role', 'text')
          .addColumn('invited_by', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_sign_in_at', 'text')
          .addColumn('disabled_at', 'text')
          .execute();
        // Keys have an owner: the person who created them (null for the initial key and the CLI's).
        await db.schema.alterTable('api_keys').addColumn('owner_person_id', 'text').execute();
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists people`.execute(db);
      },
    },
    '013_sign_in': {
      async up(db: Kysely<unknown>) {
        // A person's browser sessions after signing in with the identity provider; their role is read from
        // `people` on every request, so disabling a person ends them at once.
        await db.schema
          .createTable('person_sessions')
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('person_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
          .addColumn('csrf_token', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('person_sessions_person')
          .on('person_sessions')
          .column('person_id')
          .execute();
        // Sign-ins on their way through the provider: state (hashed), PKCE verifier and nonce, used once.
        await db.schema
          .createTable('oidc_logins')
          .addColumn('state_hash', 'text', (c) => c.primaryKey())
          .addColumn('code_verifier', 'text', (c) => c.notNull())
          .addColumn('nonce', 'text', (c) => c.notNull())
          .addColumn('return_to', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        // The provider's subject a person signed in as: another account with the same email is refused.
        await db.schema.alterTable('people').addColumn('oidc_subject', 'text').execute();
        // Sign-ins, keys and people changes concern Seatwise itself, not a connection.
        if (dialect === 'postgres') {
          await sql`alter table audit_entries alter column connection_id drop not null`.execute(db);
        } else {
          await sql`create table audit_entries_new (
            id integer primary key autoincrement,
            at text not null,
            actor text not null,
            connection_id text,
            action text not null,
            via text not null,
            dry_run integer not null,
            idempotency_key text,
            outcome text not null,
            targets text not null,
            plan text not null,
            results text not null,
            request_ids text not null,
            error_code text,
            error_message text
          )`.execute(db);
          await sql`insert into audit_entries_new select id, at, actor, connection_id, action, via, dry_run,
            idempotency_key, outcome, targets, plan, results, request_ids, error_code, error_message
            from audit_entries`.execute(db);
          await sql`drop table audit_entries`.execute(db);
          await sql`alter table audit_entries_new rename to audit_entries`.execute(db);
          await db.schema
            .createIndex('audit_entries_connection')
            .on('audit_entries')
            .columns(['connection_id', 'id'])
            .execute();
        }
        await db.schema
          .createIndex('audit_entries_actor')
          .on('audit_entries')
          .columns(['actor', 'id'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists oidc_logins`.execute(db);
        await sql`drop table if exists person_sessions`.execute(db);
      },
    },
    '014_access_reviews': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('review_campaigns')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('config', 'text', (c) => c.notNull())
          .addColumn('due_at', 'text', (c) => c.notNull())
          .addColumn('ends_at', 'text')
          .addColumn('recurrence', 'text', (c) => c.notNull())
          .addColumn('next_launch_at', 'text')
          .addColumn('series_of', 'text')
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('closed_by', 'text')
          .addColumn('closed_at', 'text')
          .addColumn('holder', 'text')
          .addColumn('lease_until', 'text')
          .execute();
        await db.schema
          .createTable('review_items')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('campaign_id', 'text', (c) =>
            c.notNull().references('review_campaigns.id').onDelete('cascade'),
          )
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('connection_id', 'text', (c) => c.notNull())
          .addColumn('account_name', 'text', (c) => c.notNull())
          .addColumn('remote_user_id', 'text', (c) => c.notNull())
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('snapshot', 'text', (c) => c.notNull())
          .addColumn('recommendations', 'text', (c) => c.notNull())
          .addColumn('reviewer_id', 'text', (c) => c.notNull())
          .addColumn('decision', 'text')
          .addColumn('decision_role', 'text')
          .addColumn('comment', 'text')
          .addColumn('decided_by', 'text')
          .addColumn('decided_at', 'text')
          .addColumn('submitted_at', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('holder', 'text')
          .addColumn('lease_until', 'text')
          .addColumn('result', 'text')
          .addColumn('after', 'text')
          .addColumn('after_at', 'text')
          .addColumn('audit_ids', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('review_items_user', ['campaign_id', 'connection_id', 'remote_user_id'])
          .execute();
        await db.schema
          .createIndex('review_items_campaign')
          .on('review_items')
          .columns(['campaign_id', 'seq'])
          .execute();
        await db.schema
          .createIndex('review_items_reviewer')
          .on('review_items')
          .columns(['reviewer_id', 'status'])
          .execute();
        await db.schema
          .createTable('review_reminders')
          .addColumn('campaign_id', 'text', (c) =>
            c.notNull().references('review_campaigns.id').onDelete('cascade'),
          )
          .addColumn('person_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text')
          .addPrimaryKeyConstraint('review_reminders_pk', ['campaign_id', 'person_id', 'kind'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists review_reminders`.execute(db);
        await sql`drop table if exists review_items`.execute(db);
        await sql`drop table if exists review_campaigns`.execute(db);
      },
    },
    '015_leaner_change_events': {
      async up(db: Kysely<unknown>) {
        // change_events_run_id (run_id, id) answers every question change_events_run (run_id) did: one index
        // less for every event a sync writes.
        await sql`drop index if exists change_events_run`.execute(db);
      },
      async down(db: Kysely<unknown>) {
        await db.schema.createIndex('change_events_run').on('change_events').columns(['run_id']).execute();
      },
    },
    '016_review_approvals': {
      async up(db: Kysely<unknown>) {
        // A review decision that raises access waits for an operator or admin, who is named here.
        await db.schema.alterTable('review_items').addColumn('approved_by', 'text').execute();
        await db.schema.alterTable('review_items').addColumn('approved_at', 'text').execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable('review_items').dropColumn('approved_at').execute();
        await db.schema.alterTable('review_items').dropColumn('approved_by').execute();
      },
    },
    '017_api_calendar_usage_service_users': {
      async up(db: Kysely<unknown>) {
        // The version monday says it served, its calendar as last read, and when a pin was first seen
        // deprecated or served as another version.
        await db.schema.alterTable('connections').addColumn('served_api_version', 'text').execute();
        await db.schema.alterTable('connections').addColumn('api_versions_json', 'text').execute();
        await db.schema.alterTable('connections').addColumn('api_version_notice_since', 'text').execute();
        // The account's daily calls as monday last reported them, and a scheduled sync left for later.
        await db.schema.alterTable('connections').addColumn('daily_usage_json', 'text').execute();
        await db.schema.alterTable('connections').addColumn('sync_deferred', 'text').execute();
        // Service users as last read, and why they could not be (null: read).
        await db.schema.alterTable('connections').addColumn('service_users_read_at', 'text').execute();
        await db.schema.alterTable('connections').addColumn('service_users_error', 'text').execute();
        await db.schema
          .createTable('service_users')
          .addColumn('connection_id', 'text', (c) =>
            c.notNull().references('connections.id').onDelete('cascade'),
          )
          .addColumn('remote_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('title', 'text')
          .addColumn('enabled', 'integer')
          .addColumn('invited_by_id', 'text')
          .addColumn('remote_created_at', 'text')
          .addColumn('last_token_activity', 'text')
          .addColumn('has_token', 'integer')
          .addColumn('synced_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('service_users_pk', ['connection_id', 'remote_id'])
          .execute();
        // The old default pinned every connection to 2026-07; they now follow monday's current version.
        await db
          .withTables<{ connections: { api_version: string } }>()
          .updateTable('connections')
          .set({ api_version: 'current' })
          .where('api_version', '=', '2026-07')
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists service_users`.execute(db);
        for (const column of [
          'service_users_error',
          'service_users_read_at',
          'sync_deferred',
          'daily_usage_json',
          'api_version_notice_since',
          'api_versions_json',
          'served_api_version',
        ])
          await db.schema.alterTable('connections').dropColumn(column).execute();
      },
    },
  };
  return { getMigrations: async () => migrations };
}
