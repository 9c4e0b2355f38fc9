import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.ts';

/** Migration 013_sign_in. Released: never edit it; add the next number. */
export function migration013(dialect: Dialect): Migration {
  return {
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
  };
}
