import { type Kysely, type Migration, sql } from 'kysely';
import { sortKey, userSortColumns } from '../sortKeys.ts';
import type { Dialect } from './dialect.ts';

/** Migration 005_streamed_sync_and_read_indexes. Released: never edit it; add the next number. */
export function migration005(dialect: Dialect): Migration {
  return {
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
  };
}
