import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 018_review_overrides_change_authors. Released: never edit it; add the next number. */
export function migration018(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // An admin deciding an item assigned to someone else overrides them: whose item it was.
      await db.schema.alterTable('review_items').addColumn('override_of', 'text').execute();
      // The audit entry of the action that made a change in the copy (null: a sync saw it).
      await db.schema.alterTable('change_events').addColumn('audit_id', 'integer').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('change_events').dropColumn('audit_id').execute();
      await db.schema.alterTable('review_items').dropColumn('override_of').execute();
    },
  };
}
