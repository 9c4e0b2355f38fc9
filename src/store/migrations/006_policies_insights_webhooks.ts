import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 006_policies_insights_webhooks. Released: never edit it; add the next number. */
export function migration006(dialect: Dialect): Migration {
  return {
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
  };
}
