import { type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { Database, PoliciesTable, ProposalsTable } from './schema.ts';

export type PolicyRow = Selectable<PoliciesTable>;
export type ProposalRow = Selectable<ProposalsTable>;

/** Policies and the proposals they make. */
export class PoliciesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  insert(row: PolicyRow): Promise<unknown> {
    return this.db.insertInto('policies').values(row).execute();
  }

  /** Inserts the row unless one with its id exists; true when this call inserted it. */
  async insertIfAbsent(row: PolicyRow): Promise<boolean> {
    const result = await this.db
      .insertInto('policies')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  list(connectionId?: string): Promise<PolicyRow[]> {
    let q = this.db.selectFrom('policies').selectAll().orderBy('created_at').orderBy('id');
    if (connectionId) q = q.where('connection_id', '=', connectionId);
    return q.execute();
  }

  get(id: string): Promise<PolicyRow | undefined> {
    return this.db.selectFrom('policies').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('policies').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Adds a proposal unless the policy already has an open one for that user; true when added. */
  async propose(row: ProposalRow): Promise<boolean> {
    const result = await this.db
      .insertInto('proposals')
      .values(row)
      // The partial index's own predicate, written out: SQLite matches a conflict target only without parameters.
      .onConflict((oc) =>
        oc.columns(['policy_id', 'remote_user_id']).where(sql<SqlBool>`status = 'open'`).doNothing(),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  openFor(policyId: string): Promise<ProposalRow[]> {
    return this.db
      .selectFrom('proposals')
      .selectAll()
      .where('policy_id', '=', policyId)
      .where('status', '=', 'open')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  proposals(filters: { connectionId?: string; status?: string; limit?: number }): Promise<ProposalRow[]> {
    let q = this.db.selectFrom('proposals').selectAll();
    if (filters.connectionId) q = q.where('connection_id', '=', filters.connectionId);
    if (filters.status) q = q.where('status', '=', filters.status as ProposalRow['status']);
    return q
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(filters.limit ?? 500)
      .execute();
  }

  getProposal(id: string): Promise<ProposalRow | undefined> {
    return this.db.selectFrom('proposals').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Moves a proposal from one of `from` to `to`, only if it is still in one of them: two reviewers deciding at
   * once cannot both act. True when this call moved it.
   */
  async transition(
    id: string,
    from: ProposalRow['status'][],
    changes: Partial<Pick<ProposalRow, 'status' | 'decided_at' | 'decided_by' | 'audit_id' | 'outcome'>>,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('proposals')
      .set(changes)
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
