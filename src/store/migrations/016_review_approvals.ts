import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 016_review_approvals. Released: never edit it; add the next number. */
export function migration016(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // A review decision that raises access waits for an operator or admin, who is named here.
      await db.schema.alterTable('review_items').addColumn('approved_by', 'text').execute();
      await db.schema.alterTable('review_items').addColumn('approved_at', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('review_items').dropColumn('approved_at').execute();
      await db.schema.alterTable('review_items').dropColumn('approved_by').execute();
    },
  };
}
