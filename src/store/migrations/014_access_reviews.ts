import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 014_access_reviews. Released: never edit it; add the next number. */
export function migration014(_dialect: Dialect): Migration {
  return {
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
  };
}
