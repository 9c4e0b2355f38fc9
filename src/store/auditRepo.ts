import type { Insertable, Kysely, Selectable } from 'kysely';
import type { AuditEntriesTable, Database } from './schema.ts';

export type AuditRow = Omit<Selectable<AuditEntriesTable>, 'id'> & { id: number };

/** The audit log: append and read only; nothing here updates or deletes an entry. */
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

  async list(filters: { connectionId?: string; action?: string; limit?: number } = {}): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_entries').selectAll();
    if (filters.connectionId) q = q.where('connection_id', '=', filters.connectionId);
    if (filters.action) q = q.where('action', '=', filters.action);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(filters.limit ?? 100)
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }
}
