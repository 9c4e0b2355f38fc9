import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 017_api_calendar_usage_service_users. Released: never edit it; add the next number. */
export function migration017(_dialect: Dialect): Migration {
  return {
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
  };
}
