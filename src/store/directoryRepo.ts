import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { ChangeEventsTable, Database, DirectoryUsersTable } from './schema.ts';

export type DirectoryUserRow = DirectoryUsersTable;
export type ChangeEventRow = Omit<Selectable<ChangeEventsTable>, 'id'> & { id: number };

/** Filters for listing synced users. */
export interface UserFilters {
  connectionId?: string;
  role?: string;
  status?: string;
  license?: string;
  /** Users with no activity in this many days (never active counts as inactive). */
  inactiveDays?: number;
  search?: string;
  includeRemoved?: boolean;
  now?: Date;
}

const BATCH = 500;
export const upsertColumns = [
  'name',
  'email',
  'title',
  'role',
  'kind',
  'status',
  'license',
  'last_activity_at',
  'remote_created_at',
  'scim_linked',
  'invitation_method',
  'explanation',
  'updated_at',
  'removed_at',
] as const;

export const userSortKeys = [
  'name',
  'email',
  'role',
  'status',
  'license',
  'lastActivityAt',
  'createdAt',
] as const;
const sortColumns: Record<(typeof userSortKeys)[number], keyof DirectoryUsersTable> = {
  name: 'name',
  email: 'email',
  role: 'role',
  status: 'status',
  license: 'license',
  lastActivityAt: 'last_activity_at',
  createdAt: 'remote_created_at',
};

/** How to order (and optionally page) a users query. */
export interface UserOrder {
  sort: (typeof userSortKeys)[number];
  direction: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

/** Synced users and their change events. */
export class DirectoryRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres' = 'sqlite',
  ) {}

  /** Every stored user of a connection (removed ones too), for diffing a sync against. */
  loadAll(connectionId: string): Promise<DirectoryUserRow[]> {
    return this.db
      .selectFrom('directory_users')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .execute();
  }

  get(connectionId: string, remoteId: string): Promise<DirectoryUserRow | undefined> {
    return this.db
      .selectFrom('directory_users')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('remote_id', '=', remoteId)
      .executeTakeFirst();
  }

  /** Inserts or updates users keyed by (connection, remote id); re-applying the same rows changes nothing. */
  async upsert(
    trx: Transaction<Database>,
    rows: Insertable<DirectoryUsersTable>[],
    extraColumns: readonly 'action_seq'[] = [],
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) {
      await trx
        .insertInto('directory_users')
        .values(rows.slice(i, i + BATCH))
        .onConflict((oc) =>
          oc.columns(['connection_id', 'remote_id']).doUpdateSet((eb) => {
            const set: Record<string, unknown> = {};
            for (const column of [...upsertColumns, ...extraColumns])
              set[column] = eb.ref(`excluded.${column}`);
            return set;
          }),
        )
        .execute();
    }
  }

  /**
   * Writes what an action learnt from monday, with its events, in one transaction that first takes the
   * connection's next copy number: rows so marked are newer than any sync that began reading before.
   */
  async writeFromAction(
    connectionId: string,
    rows: Insertable<DirectoryUsersTable>[],
    events: Insertable<ChangeEventsTable>[],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const { copy_seq } = await trx
        .updateTable('connections')
        .set((eb) => ({ copy_seq: eb(eb.ref('copy_seq'), '+', 1) }))
        .where('id', '=', connectionId)
        .returning('copy_seq')
        .executeTakeFirstOrThrow();
      const seq = Number(copy_seq);
      await this.upsert(
        trx,
        rows.map((r) => ({ ...r, action_seq: seq })),
        ['action_seq'],
      );
      await this.insertEvents(trx, events);
    });
  }

  /** The connection's latest action write number (a sync reads it before its first page). */
  async copySeq(connectionId: string): Promise<number> {
    const row = await this.db
      .selectFrom('connections')
      .select('copy_seq')
      .where('id', '=', connectionId)
      .executeTakeFirst();
    return Number(row?.copy_seq ?? 0);
  }

  /** Users of a connection that an action wrote after `seq`. */
  async writtenByActionsSince(connectionId: string, seq: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('directory_users')
      .select('remote_id')
      .where('connection_id', '=', connectionId)
      .where('action_seq', '>', seq)
      .execute();
    return rows.map((r) => r.remote_id);
  }

  async insertEvents(trx: Transaction<Database>, events: Insertable<ChangeEventsTable>[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      await trx
        .insertInto('change_events')
        .values(events.slice(i, i + BATCH))
        .execute();
    }
  }

  /** Users matching the filters, sorted in SQL (byte order on both dialects) and optionally one page of them. */
  query(
    filters: UserFilters,
    order: UserOrder = { sort: 'name', direction: 'asc' },
  ): Promise<DirectoryUserRow[]> {
    const column = sql.ref(sortColumns[order.sort]);
    // Byte order, so SQLite and PostgreSQL (whose default collation is locale-aware) page identically.
    const key =
      this.dialect === 'postgres' ? sql`coalesce(${column}, '') collate "C"` : sql`coalesce(${column}, '')`;
    let q = this.filtered(filters)
      .selectAll()
      .orderBy(key, order.direction)
      .orderBy('connection_id', order.direction)
      .orderBy('remote_id', order.direction);
    if (order.limit !== undefined) q = q.limit(order.limit).offset(order.offset ?? 0);
    return q.execute();
  }

  async count(filters: UserFilters): Promise<number> {
    const row = await this.filtered(filters)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  private filtered(filters: UserFilters) {
    let q = this.db.selectFrom('directory_users');
    if (filters.connectionId) q = q.where('connection_id', '=', filters.connectionId);
    if (!filters.includeRemoved) q = q.where('removed_at', 'is', null);
    if (filters.role) q = q.where('role', '=', filters.role);
    if (filters.status) q = q.where('status', '=', filters.status);
    if (filters.license) q = q.where('license', '=', filters.license);
    if (filters.inactiveDays !== undefined) {
      const cutoff = new Date(
        (filters.now ?? new Date()).getTime() - filters.inactiveDays * 86_400_000,
      ).toISOString();
      q = q.where((eb) => eb.or([eb('last_activity_at', 'is', null), eb('last_activity_at', '<', cutoff)]));
    }
    if (filters.search) {
      const pattern = `%${filters.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) =>
        eb.or([
          eb(sql`lower(${sql.ref('name')})`, 'like', sql`${pattern} escape '\\'`),
          eb(sql`lower(${sql.ref('email')})`, 'like', sql`${pattern} escape '\\'`),
        ]),
      );
    }
    return q;
  }

  async events(
    connectionId: string,
    options: { runId?: string; remoteUserId?: string } = {},
  ): Promise<ChangeEventRow[]> {
    let q = this.db.selectFrom('change_events').selectAll().where('connection_id', '=', connectionId);
    if (options.runId) q = q.where('run_id', '=', options.runId);
    if (options.remoteUserId) q = q.where('remote_user_id', '=', options.remoteUserId);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }
}
