import type { Kysely, Transaction } from 'kysely';
import type { HeldRemoval } from '../domain/removals.ts';
import type { Database } from './schema.ts';

const CHUNK = 500;

export type { HeldRemoval } from '../domain/removals.ts';

/** Removals a sync held for review, per connection: the latest run's set replaces the one before. */
export class HeldRemovalsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** The connection's held removals (ids only), the set a confirming run may apply. */
  async ids(connectionId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('held_removals')
      .select('remote_id')
      .where('connection_id', '=', connectionId)
      .execute();
    return new Set(rows.map((r) => r.remote_id));
  }

  /** Inside a run's publish: the connection's held set becomes exactly `ids`, held by `runId`. */
  async replace(
    trx: Transaction<Database>,
    connectionId: string,
    runId: string,
    ids: readonly string[],
    at: string,
  ): Promise<void> {
    await trx.deleteFrom('held_removals').where('connection_id', '=', connectionId).execute();
    for (let i = 0; i < ids.length; i += CHUNK) {
      await trx
        .insertInto('held_removals')
        .values(
          ids
            .slice(i, i + CHUNK)
            .map((remote_id) => ({ connection_id: connectionId, remote_id, run_id: runId, held_at: at })),
        )
        .execute();
    }
  }

  /** Who is held, with their stored name and email; the connection's set, or only what one run held. */
  async list(filter: { connectionId?: string; runId?: string }, limit = 1000): Promise<HeldRemoval[]> {
    let query = this.db
      .selectFrom('held_removals as h')
      .leftJoin('directory_users as d', (join) =>
        join.onRef('d.connection_id', '=', 'h.connection_id').onRef('d.remote_id', '=', 'h.remote_id'),
      )
      .select(['h.remote_id', 'h.run_id', 'h.held_at', 'd.name', 'd.email']);
    if (filter.connectionId) query = query.where('h.connection_id', '=', filter.connectionId);
    if (filter.runId) query = query.where('h.run_id', '=', filter.runId);
    const rows = await query.orderBy('d.email').orderBy('h.remote_id').limit(limit).execute();
    return rows.map((r) => ({
      userId: r.remote_id,
      name: r.name ?? null,
      email: r.email ?? null,
      runId: r.run_id,
      heldAt: r.held_at,
    }));
  }
}
