import type { Insertable, Kysely, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { RemovalHold } from '../domain/removals.ts';
import type { ConnectionsTable, Database } from './schema.ts';

export type ConnectionRow = ConnectionsTable;

/**
 * A mark that changes whenever the connection's synced copy does: an action wrote (copy_seq) or a sync
 * published (last_synced_at, updated_at). Figures computed from the copy stay valid while it is the same.
 */
export function copyVersionOf(
  row: Pick<ConnectionRow, 'copy_seq' | 'last_synced_at' | 'updated_at'>,
): string {
  return `${row.copy_seq}|${row.last_synced_at}|${row.updated_at}`;
}

/** Connections as stored (tokens stay sealed here; only app/ opens them). */
export class ConnectionsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres' = 'postgres',
  ) {}

  async insert(row: Insertable<ConnectionsTable>): Promise<void> {
    await this.db.insertInto('connections').values(row).execute();
  }

  list(): Promise<ConnectionRow[]> {
    return this.db.selectFrom('connections').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async get(id: string): Promise<ConnectionRow | undefined> {
    return this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByAccount(apiUrl: string, accountId: string): Promise<ConnectionRow | undefined> {
    return this.db
      .selectFrom('connections')
      .selectAll()
      .where('api_url', '=', apiUrl)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
  }

  async update(id: string, changes: Updateable<ConnectionsTable>): Promise<void> {
    await this.db.updateTable('connections').set(changes).where('id', '=', id).execute();
  }

  /** Removes the connection and, in the same transaction, everything synced for it. */
  /** Every sealed token, for re-sealing under a new key. */
  sealedTokens(): Promise<
    Pick<ConnectionRow, 'id' | 'token_ciphertext' | 'scim_token_ciphertext' | 'webhook_ciphertext'>[]
  > {
    return this.db
      .selectFrom('connections')
      .select(['id', 'token_ciphertext', 'scim_token_ciphertext', 'webhook_ciphertext'])
      .orderBy('id')
      .execute();
  }

  /**
   * Replaces one sealed token only if it is still the value that was read: a token changed meanwhile (by an
   * update) is left to that change. True when replaced.
   */
  async replaceSealed(
    id: string,
    column: 'token_ciphertext' | 'scim_token_ciphertext' | 'webhook_ciphertext',
    expected: string,
    replacement: string,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('connections')
      .set({ [column]: replacement })
      .where('id', '=', id)
      .where(column, '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('change_events').where('connection_id', '=', id).execute();
      await trx.deleteFrom('directory_users').where('connection_id', '=', id).execute();
      await trx.deleteFrom('held_removals').where('connection_id', '=', id).execute();
      await trx.deleteFrom('sync_runs').where('connection_id', '=', id).execute();
      await trx.deleteFrom('action_requests').where('connection_id', '=', id).execute();
      const result = await trx.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  /** Current (not removed) users per connection; only `connectionId`'s when given. */
  async userCounts(connectionId?: string): Promise<Map<string, number>> {
    if (this.dialect === 'sqlite') {
      // SQLite would count through an index that makes it read every row (200 ms at 100,000 users, holding the
      // thread); a sort index holds only current users, so it answers from the index alone.
      const { rows } = await sql<{ connection_id: string; n: number }>`select connection_id, count(*) as n
        from directory_users indexed by directory_users_by_status
        where removed_at is null ${connectionId === undefined ? sql`` : sql`and connection_id = ${connectionId}`}
        group by connection_id`.execute(this.db);
      return new Map(rows.map((r) => [r.connection_id, Number(r.n)]));
    }
    let query = this.db
      .selectFrom('directory_users')
      .select(['connection_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('removed_at', 'is', null);
    if (connectionId) query = query.where('connection_id', '=', connectionId);
    const rows = await query.groupBy('connection_id').execute();
    return new Map(rows.map((r) => [r.connection_id, Number(r.n)]));
  }

  /** How many removals the connection's last sync held for review. */
  async heldRemovals(connectionId: string): Promise<number> {
    const row = await this.db
      .selectFrom('held_removals')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** When the connection's syncs hold removals for review. */
  async removalHold(connectionId: string): Promise<RemovalHold> {
    const row = await this.db
      .selectFrom('connections')
      .select(['removal_hold_percent', 'removal_hold_min'])
      .where('id', '=', connectionId)
      .executeTakeFirst();
    return { percent: Number(row?.removal_hold_percent ?? 10), min: Number(row?.removal_hold_min ?? 20) };
  }
}
