import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 012_people. Released: never edit it; add the next number. */
export function migration012(_dialect: Dialect): Migration {
  return {
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
  };
}
