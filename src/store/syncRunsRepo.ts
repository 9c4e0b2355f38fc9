import type { Insertable, Kysely, Transaction, Updateable } from 'kysely';
import type { Database, SyncRunsTable } from './schema.ts';

export type SyncRunRow = SyncRunsTable;

/** Sync run history. */
export class SyncRunsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<SyncRunsTable>): Promise<void> {
    await this.db.insertInto('sync_runs').values(row).execute();
  }

  async update(
    id: string,
    changes: Updateable<SyncRunsTable>,
    trx: Kysely<Database> | Transaction<Database> = this.db,
  ): Promise<void> {
    await trx.updateTable('sync_runs').set(changes).where('id', '=', id).execute();
  }

  get(id: string): Promise<SyncRunRow | undefined> {
    return this.db.selectFrom('sync_runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(connectionId?: string, limit = 50): Promise<SyncRunRow[]> {
    let query = this.db.selectFrom('sync_runs').selectAll();
    if (connectionId) query = query.where('connection_id', '=', connectionId);
    return query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /** A run of this connection still marked running (another process may hold it). */
  running(connectionId: string): Promise<SyncRunRow | undefined> {
    return this.db
      .selectFrom('sync_runs')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'running')
      .executeTakeFirst();
  }
}
