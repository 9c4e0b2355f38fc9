import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 011_teams. Released: never edit it; add the next number. */
export function migration011(_dialect: Dialect): Migration {
  return {
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
  };
}
