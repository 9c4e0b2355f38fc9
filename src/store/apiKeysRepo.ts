import type { ExpressionBuilder, Kysely } from 'kysely';
import type { SeatwiseRole } from '../domain/roles.ts';
import type { ApiKeysTable, Database, PersonSessionsTable, SessionsTable } from './schema.ts';

/** The key has no owner, or its owner is not disabled. */
function ownerNotDisabled(eb: ExpressionBuilder<Database, 'api_keys'>) {
  return eb.or([
    eb('api_keys.owner_person_id', 'is', null),
    eb.not(
      eb.exists(
        eb
          .selectFrom('people')
          .select('people.id')
          .whereRef('people.id', '=', 'api_keys.owner_person_id')
          .where('people.disabled_at', 'is not', null),
      ),
    ),
  ]);
}

export type ApiKeyRow = ApiKeysTable;

/** What a key owner's role is made of now (both null for a key nobody owns). */
export interface OwnerRoles {
  owner_assigned_role: SeatwiseRole | null;
  owner_provider_role: SeatwiseRole | null;
}

/** API keys (stored hashed) and the browser sessions opened with them. */
export class ApiKeysRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: ApiKeysTable): Promise<void> {
    await this.db.insertInto('api_keys').values(row).execute();
  }

  list(): Promise<ApiKeyRow[]> {
    return this.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  /**
   * An active key with what its owner's role is made of now (null without an owner); a key whose owner was
   * disabled stops working with them.
   */
  findActiveByHash(hash: string): Promise<(ApiKeyRow & OwnerRoles) | undefined> {
    return this.db
      .selectFrom('api_keys')
      .leftJoin('people', 'people.id', 'api_keys.owner_person_id')
      .selectAll('api_keys')
      .select(['people.assigned_role as owner_assigned_role', 'people.provider_role as owner_provider_role'])
      .where('key_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .where(ownerNotDisabled)
      .executeTakeFirst();
  }

  /** A person by email (to issue a key for them). */
  personByEmail(email: string) {
    return this.db
      .selectFrom('people')
      .selectAll()
      .where('email', '=', email.trim().toLowerCase())
      .executeTakeFirst();
  }

  person(id: string) {
    return this.db.selectFrom('people').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Key owners' emails by person id. */
  async owners(ids: string[]): Promise<Map<string, { id: string; email: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('people').select(['id', 'email']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  people(): Promise<{ id: string; email: string; name: string | null }[]> {
    return this.db.selectFrom('people').select(['id', 'email', 'name']).execute();
  }

  async insertPersonSession(row: PersonSessionsTable): Promise<void> {
    await this.db.insertInto('person_sessions').values(row).execute();
  }

  /** A live session of a person who is not disabled, with what their role is made of. */
  findPersonSession(idHash: string, now: string) {
    return this.db
      .selectFrom('person_sessions')
      .innerJoin('people', 'people.id', 'person_sessions.person_id')
      .select([
        'person_sessions.person_id',
        'person_sessions.csrf_token',
        'person_sessions.expires_at',
        'people.email',
        'people.name',
        'people.assigned_role',
        'people.provider_role',
      ])
      .where('person_sessions.id_hash', '=', idHash)
      .where('person_sessions.expires_at', '>', now)
      .where('people.disabled_at', 'is', null)
      .executeTakeFirst();
  }

  async touch(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  /**
   * Revokes a key unless it is the last active admin key (checked in the same statement); false when not
   * revoked. Its sessions end with it.
   */
  async revoke(id: string, at: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // Locks the active admin keys (PostgreSQL row locks; SQLite has one writer), so two revocations racing
      // for the last two admin keys run one after the other and the second sees the first.
      await trx
        .updateTable('api_keys')
        .set((eb) => ({ revoked_at: eb.ref('revoked_at') }))
        .where('role', '=', 'admin')
        .where('revoked_at', 'is', null)
        .execute();
      const result = await trx
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb('role', '!=', 'admin'),
            eb.exists(
              eb
                .selectFrom('api_keys as other')
                .select('other.id')
                .where('other.role', '=', 'admin')
                .where('other.revoked_at', 'is', null)
                .where('other.id', '!=', id),
            ),
          ]),
        )
        .executeTakeFirst();
      const revoked = Number(result.numUpdatedRows) > 0;
      if (revoked) await trx.deleteFrom('sessions').where('key_id', '=', id).execute();
      return revoked;
    });
  }

  async get(id: string): Promise<ApiKeyRow | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertSession(row: SessionsTable): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  /** A live session with its key (a revoked key ends its sessions). */
  async findSession(
    idHash: string,
    now: string,
  ): Promise<
    | (SessionsTable & Pick<ApiKeyRow, 'role' | 'owner_person_id'> & { key_name: string } & OwnerRoles)
    | undefined
  > {
    return this.db
      .selectFrom('sessions')
      .innerJoin('api_keys', 'api_keys.id', 'sessions.key_id')
      .leftJoin('people', 'people.id', 'api_keys.owner_person_id')
      .select([
        'sessions.id_hash',
        'sessions.key_id',
        'sessions.csrf_token',
        'sessions.created_at',
        'sessions.expires_at',
        'api_keys.role',
        'api_keys.name as key_name',
        'api_keys.owner_person_id',
        'people.assigned_role as owner_assigned_role',
        'people.provider_role as owner_provider_role',
      ])
      .where('sessions.id_hash', '=', idHash)
      .where('sessions.expires_at', '>', now)
      .where('api_keys.revoked_at', 'is', null)
      .where(ownerNotDisabled)
      .executeTakeFirst();
  }

  /** Deletes sessions that have expired; returns how many. */
  async deleteExpiredSessions(now: string): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    const personal = await this.db
      .deleteFrom('person_sessions')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows) + Number(personal.numDeletedRows);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    await this.db.deleteFrom('person_sessions').where('id_hash', '=', idHash).execute();
  }
}
