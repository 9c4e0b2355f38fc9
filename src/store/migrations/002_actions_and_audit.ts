import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 002_actions_and_audit. Released: never edit it; add the next number. */
export function migration002(dialect: Dialect): Migration {
  return {
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
  };
}
