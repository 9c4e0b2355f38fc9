import type { Insertable, Kysely, Transaction, Updateable } from 'kysely';
import type { Database, SyncRunsTable } from './schema.ts';

export type SyncRunRow = SyncRunsTable;

/** Sync run history. */
export class SyncRunsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<SyncRunsTable>): Promise<void> {
    await this.db.insertInto('sync_runs').values(row).execute();
  }

  /** Updates a run that is still running (a run marked abandoned by a successor stays so). */
  async update(
    id: string,
    changes: Updateable<SyncRunsTable>,
    trx: Kysely<Database> | Transaction<Database> = this.db,
  ): Promise<boolean> {
    const result = await trx
      .updateTable('sync_runs')
      .set(changes)
      .where('id', '=', id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Marks every run of the connection still shown as running as failed; returns their ids. */
  async abandonRunning(connectionId: string, message: string, at: string): Promise<string[]> {
    const rows = await this.db
      .updateTable('sync_runs')
      .set({ status: 'failed', finished_at: at, error_code: 'abandoned', error_message: message })
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'running')
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  get(id: string): Promise<SyncRunRow | undefined> {
    return this.db.selectFrom('sync_runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(connectionId?: string, limit = 50): Promise<SyncRunRow[]> {
    let query = this.db.selectFrom('sync_runs').selectAll();
    if (connectionId) query = query.where('connection_id', '=', connectionId);
    return query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /** How many users the connection's last complete sync saw (a new sync's expected total), if any. */
  async lastUsersSeen(connectionId: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('sync_runs')
      .select('users_seen')
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'succeeded')
      .where('complete', '=', 1)
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? Number(row.users_seen) : null;
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

  async setSnapshot(id: string, snapshot: string): Promise<void> {
    await this.db.updateTable('sync_runs').set({ snapshot }).where('id', '=', id).execute();
  }

  /** The figures of the connection's latest complete runs, oldest first. */
  async snapshots(
    connectionId: string,
    limit: number,
  ): Promise<
    {
      runId: string;
      at: string;
      memberSeats: number;
      viewers: number;
      guests: number;
      activeUsers: number;
      pending: number;
    }[]
  > {
    const rows = await this.db
      .selectFrom('sync_runs')
      .select(['id', 'finished_at', 'snapshot'])
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'succeeded')
      .where('snapshot', 'is not', null)
      .orderBy('started_at', 'desc')
      .limit(limit)
      .execute();
    return rows
      .reverse()
      .map((r) => ({ runId: r.id, at: r.finished_at ?? '', ...JSON.parse(r.snapshot as string) }));
  }
}
