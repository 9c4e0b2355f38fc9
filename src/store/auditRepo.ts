import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { AuditEntriesTable, Database } from './schema.ts';

export type AuditRow = Omit<Selectable<AuditEntriesTable>, 'id'> & { id: number };

/** What completing an open entry may set: its outcome and what happened, never who, when or what was asked. */
export type AuditCompletion = Pick<
  Updateable<AuditEntriesTable>,
  'outcome' | 'plan' | 'results' | 'request_ids' | 'error_code' | 'error_message'
>;

/**
 * The audit log. An entry is appended finished, or opened as `running` before monday is called and completed
 * once with what happened; nothing here deletes an entry or changes a completed one.
 */
export class AuditRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async append(entry: Insertable<AuditEntriesTable>): Promise<number> {
    const row = await this.db
      .insertInto('audit_entries')
      .values(entry)
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** Completes an entry that is still running; false when it was already completed. */
  async complete(id: number, completion: AuditCompletion): Promise<boolean> {
    const result = await this.db
      .updateTable('audit_entries')
      .set(completion)
      .where('id', '=', id)
      .where('outcome', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async get(id: number): Promise<AuditRow | undefined> {
    const row = await this.db.selectFrom('audit_entries').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { ...row, id: Number(row.id) } : undefined;
  }

  async list(
    filters: {
      connectionId?: string;
      action?: string;
      keyPrefix?: string;
      dryRun?: boolean;
      actor?: string;
      /** Entries by any of these actors. */
      actors?: string[];
      /** ISO times: entries at or after `from`, and before `to`. */
      from?: string;
      to?: string;
      limit?: number;
    } = {},
  ): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_entries').selectAll();
    if (filters.connectionId) q = q.where('connection_id', '=', filters.connectionId);
    if (filters.action) q = q.where('action', '=', filters.action);
    if (filters.dryRun !== undefined) q = q.where('dry_run', '=', filters.dryRun ? 1 : 0);
    if (filters.actor) q = q.where('actor', '=', filters.actor);
    if (filters.actors) q = q.where('actor', 'in', filters.actors);
    if (filters.from) q = q.where('at', '>=', filters.from);
    if (filters.to) q = q.where('at', '<', filters.to);
    // Compared as a prefix, not with LIKE: `_` in an id is not a wildcard.
    if (filters.keyPrefix)
      q = q.where(
        sql<boolean>`substr(idempotency_key, 1, ${filters.keyPrefix.length}) = ${filters.keyPrefix}`,
      );
    const rows = await q
      .orderBy('id', 'desc')
      .limit(filters.limit ?? 100)
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }
}
