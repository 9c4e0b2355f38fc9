import {
  type Expression,
  type Insertable,
  type Kysely,
  type Selectable,
  sql,
  type Transaction,
} from 'kysely';
import { inactivityCutoff } from '../domain/inactivity.ts';
import { type ActivityBucketKey, activityBuckets, type InsightGroup } from '../domain/insights.ts';
import { copyVersionOf } from './connectionsRepo.ts';
import type { ChangeEventsTable, Database, DirectoryUsersTable } from './schema.ts';
import { sortKey, type UserSortColumn } from './sortKeys.ts';

export type DirectoryUserRow = DirectoryUsersTable;
export type ChangeEventRow = Omit<Selectable<ChangeEventsTable>, 'id'> & {
  id: number;
  /** Who ran the action that made the change (its audit entry's actor), when an action did. */
  audit_actor?: string | null;
};

/** Filters for listing synced users. */
export interface UserFilters {
  connectionId?: string;
  role?: string;
  status?: string;
  /** A license, or `none` for users without one. */
  license?: string;
  /** Users with no activity in this many days (never active counts as inactive). */
  inactiveDays?: number;
  search?: string;
  /** Members of this monday team (as the last sync, or an action since, saw them). */
  team?: string;
  includeRemoved?: boolean;
  now?: Date;
}

const BATCH = 500;
const LOOKUP = 1000;
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

import type { UserSortKey } from '../domain/directory.ts';

export { type UserSortKey, userSortKeys } from '../domain/directory.ts';

const sortColumns: Record<UserSortKey, UserSortColumn> = {
  name: 'name',
  email: 'email',
  role: 'role',
  status: 'status',
  license: 'license',
  lastActivityAt: 'last_activity_at',
  createdAt: 'remote_created_at',
};

/** Where a page of a users list ends: the sort key, connection and user id of its last row. */
export type UserPosition = readonly [key: string, connectionId: string, remoteId: string];

/** How to order (and optionally page) a users query. */
export interface UserOrder {
  sort: UserSortKey;
  direction: 'asc' | 'desc';
  limit?: number;
  /** Rows strictly after this position in the order (keyset pagination). */
  after?: UserPosition;
}

/** Synced users and their change events. */
export class DirectoryRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  /** The stored users of a connection among these ids (removed ones too), looked up by key. */
  getMany(connectionId: string, remoteIds: readonly string[]): Promise<DirectoryUserRow[]> {
    return this.lookUp(connectionId, sql.ref('remote_id'), remoteIds);
  }

  /** Stored users of a connection by email (case-insensitive), removed ones too. */
  getByEmails(connectionId: string, emails: readonly string[]): Promise<DirectoryUserRow[]> {
    return this.lookUp(connectionId, sql`lower(${sql.ref('email')})`, [
      ...new Set(emails.map((e) => e.toLowerCase())),
    ]);
  }

  /** Users whose `key` is one of `values`, asked 1000 at a time on the key's index. */
  private async lookUp(
    connectionId: string,
    key: Expression<unknown>,
    values: readonly string[],
  ): Promise<DirectoryUserRow[]> {
    const out: DirectoryUserRow[] = [];
    for (let i = 0; i < values.length; i += LOOKUP) {
      // The values travel as one parameter, so the statement is the same whatever their number.
      const json = JSON.stringify(values.slice(i, i + LOOKUP));
      const list =
        this.dialect === 'postgres'
          ? sql`select value from jsonb_array_elements_text(${json}::jsonb)`
          : sql`select value from json_each(${json})`;
      out.push(
        ...(await this.db
          .selectFrom('directory_users')
          .selectAll()
          .where('connection_id', '=', connectionId)
          .where(sql<boolean>`${key} in (${list})`)
          .execute()),
      );
    }
    return out;
  }

  /** Whether the connection has any stored user (a first sync has nothing to compare with). */
  async hasAny(connectionId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('directory_users')
      .select('remote_id')
      .where('connection_id', '=', connectionId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
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

  /** The connection's copy version (`copyVersionOf`), read from its row. */
  async copyVersion(connectionId: string): Promise<string> {
    const row = await this.db
      .selectFrom('connections')
      .select(['copy_seq', 'last_synced_at', 'updated_at'])
      .where('id', '=', connectionId)
      .executeTakeFirst();
    return row ? copyVersionOf(row) : 'none';
  }

  /** monday's active member count for the connection, as last reported. */
  async activeMembersCount(connectionId: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('connections')
      .select('active_members_count')
      .where('id', '=', connectionId)
      .executeTakeFirst();
    return row?.active_members_count == null ? null : Number(row.active_members_count);
  }

  /** Users of a connection that an action wrote after `seq`. */
  async writtenByActionsSince(connectionId: string, seq: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('directory_users')
      .select('remote_id')
      .where('connection_id', '=', connectionId)
      .where('action_seq', '>', seq)
      // Implies the partial index's condition, so SQLite uses it.
      .where('action_seq', '>', 0)
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

  /**
   * Users matching the filters in the given order (byte order on both dialects), optionally one page of them
   * after a position: keyset pagination on the sort's index, so a deep page costs what the first one does.
   */
  async query(
    filters: UserFilters,
    order: UserOrder = { sort: 'name', direction: 'asc' },
  ): Promise<(DirectoryUserRow & { sort_key: string })[]> {
    if (filters.connectionId) return this.queryConnection(filters, order);
    // Across connections: each connection's page from its own index, merged in the same order.
    const connections = await this.db.selectFrom('connections').select('id').orderBy('id').execute();
    const pages = await Promise.all(
      connections.map((c) => this.queryConnection({ ...filters, connectionId: c.id }, order)),
    );
    const sign = order.direction === 'asc' ? 1 : -1;
    const merged = pages.flat().sort((a, b) => sign * compareRows(a, b));
    return order.limit === undefined ? merged : merged.slice(0, order.limit);
  }

  /** One connection's users in order, from the index of the sort. */
  private queryConnection(
    filters: UserFilters,
    order: UserOrder,
  ): Promise<(DirectoryUserRow & { sort_key: string })[]> {
    const key = this.sortKeyOf(order.sort);
    const comparison = order.direction === 'asc' ? sql`>` : sql`<`;
    let q = this.filtered(filters)
      .selectAll()
      .select(key.as('sort_key'))
      .orderBy(key, order.direction)
      .orderBy('remote_id', order.direction);
    if (order.after) {
      const [k, c, r] = order.after;
      q = q.where(
        sql<boolean>`(${key}, ${sql.ref('connection_id')}, ${sql.ref('remote_id')}) ${comparison} (${k}, ${c}, ${r})`,
      );
    }
    if (order.limit !== undefined) q = q.limit(order.limit);
    return q.execute() as Promise<(DirectoryUserRow & { sort_key: string })[]>;
  }

  /** Users matching the filters, read in pages of `pageSize` in the given order (for exports). */
  async *stream(
    filters: UserFilters,
    order: Omit<UserOrder, 'limit' | 'after'>,
    pageSize = 1000,
  ): AsyncGenerator<DirectoryUserRow[]> {
    let after: UserPosition | undefined;
    for (;;) {
      const rows = await this.query(filters, { ...order, limit: pageSize, after });
      if (rows.length > 0) yield rows;
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1]!;
      after = [last.sort_key, last.connection_id, last.remote_id];
    }
  }

  private sortKeyOf(sort: UserSortKey) {
    return sortKey(sortColumns[sort], this.dialect);
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
    if (filters.license) {
      const wanted = filters.license.split(',');
      const named = wanted.filter((l) => l !== 'none');
      q = q.where((eb) =>
        eb.or([
          ...(wanted.includes('none') ? [eb('license', 'is', null)] : []),
          ...(named.length ? [eb('license', 'in', named)] : []),
        ]),
      );
    }
    if (filters.inactiveDays !== undefined) {
      // isInactive: the last activity, or when they joined if never active, is before the cutoff.
      const cutoff = inactivityCutoff(filters.now ?? new Date(), filters.inactiveDays);
      q = q.where(
        sql<boolean>`coalesce(${sql.ref('last_activity_at')}, ${sql.ref('remote_created_at')}) < ${cutoff}`,
      );
    }
    if (filters.team) {
      const teamId = filters.team;
      q = q.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('directory_team_members as m')
            .select(sql.lit(1).as('one'))
            .whereRef('m.connection_id', '=', 'directory_users.connection_id')
            .whereRef('m.user_id', '=', 'directory_users.remote_id')
            .where('m.team_id', '=', teamId),
        ),
      );
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
    options: { runId?: string; remoteUserId?: string; afterId?: number; limit?: number } = {},
  ): Promise<ChangeEventRow[]> {
    let q = this.db
      .selectFrom('change_events')
      .leftJoin('audit_entries', 'audit_entries.id', 'change_events.audit_id')
      .selectAll('change_events')
      .select('audit_entries.actor as audit_actor')
      .where('change_events.connection_id', '=', connectionId);
    if (options.runId) q = q.where('change_events.run_id', '=', options.runId);
    if (options.remoteUserId) q = q.where('change_events.remote_user_id', '=', options.remoteUserId);
    if (options.afterId !== undefined) q = q.where('change_events.id', '>', options.afterId);
    q = q.orderBy('change_events.id');
    if (options.limit !== undefined) q = q.limit(options.limit);
    const rows = await q.execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** Counts of a connection's current users (not removed) by role, status and license, with idle counts. */
  /**
   * People (not deactivated) whose email is in more than one connection, with how many connections and paid
   * seats each holds: the most paid seats first.
   */
  async sharedEmails(limit: number): Promise<{ email: string; connections: number; paidSeats: number }[]> {
    const email = sql<string>`lower(${sql.ref('email')})`;
    const rows = await this.db
      .selectFrom('directory_users')
      .select([
        email.as('email'),
        sql<number>`count(distinct ${sql.ref('connection_id')})`.as('connections'),
        sql<number>`sum(case when ${sql.ref('license')} = 'member' then 1 else 0 end)`.as('paid'),
      ])
      .where('removed_at', 'is', null)
      .where('role', '!=', 'other')
      .where('status', '!=', 'deactivated')
      .groupBy(email)
      .having(sql`count(distinct ${sql.ref('connection_id')})`, '>', 1)
      .orderBy(sql`sum(case when ${sql.ref('license')} = 'member' then 1 else 0 end)`, 'desc')
      .orderBy(email)
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      email: r.email,
      connections: Number(r.connections),
      paidSeats: Number(r.paid),
    }));
  }

  /** Every stored user, in any connection, with one of these emails (any case). */
  usersByEmailAnywhere(emails: string[]): Promise<DirectoryUserRow[]> {
    if (emails.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('directory_users')
      .selectAll()
      .where('removed_at', 'is', null)
      .where(
        sql`lower(${sql.ref('email')})`,
        'in',
        emails.map((e) => e.toLowerCase()),
      )
      .orderBy('connection_id')
      .execute();
  }

  /** Active guests whose email is on one of these domains: people of the organisation let in as guests. */
  guestsOnDomains(domains: string[], limit: number): Promise<DirectoryUserRow[]> {
    if (domains.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('directory_users')
      .selectAll()
      .where('removed_at', 'is', null)
      .where('role', '=', 'guest')
      .where('status', '=', 'active')
      .where((eb) =>
        eb.or(domains.map((d) => eb(sql`lower(${sql.ref('email')})`, 'like', `%@${d.toLowerCase()}`))),
      )
      .orderBy('connection_id')
      .orderBy('email')
      .limit(limit)
      .execute();
  }

  /** Active people counted by how long ago they were last active (`activityBuckets`), in one scan. */
  async activityHistogram(connectionId: string, now: Date): Promise<Record<ActivityBucketKey, number>> {
    const ago = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
    const at = sql.ref('last_activity_at');
    const columns = activityBuckets.map((bucket) => {
      const within =
        bucket.key === 'never'
          ? sql`${at} is null`
          : bucket.toDays === null
            ? sql`${at} < ${ago(bucket.fromDays)}`
            : sql`${at} >= ${ago(bucket.toDays)} and ${at} < ${ago(bucket.fromDays)}`;
      return sql<number>`sum(case when ${within} then 1 else 0 end)`.as(bucket.key);
    });
    const row = await this.db
      .selectFrom('directory_users')
      .select(columns)
      .where('connection_id', '=', connectionId)
      .where('removed_at', 'is', null)
      .where('status', '=', 'active')
      .where('role', '!=', 'other')
      .executeTakeFirst();
    return Object.fromEntries(
      activityBuckets.map((b) => [b.key, Number((row as Record<string, unknown> | undefined)?.[b.key] ?? 0)]),
    ) as Record<ActivityBucketKey, number>;
  }

  /** Counts by role, status and license, with how many were never active or idle past `inactiveDays`. */
  async insightGroups(connectionId: string, now: Date, inactiveDays: number): Promise<InsightGroup[]> {
    const cutoff = inactivityCutoff(now, inactiveDays);
    const rows = await this.db
      .selectFrom('directory_users')
      .select([
        'role',
        'status',
        'license',
        // Users that are not people are told apart by kind (an unclassified one is held apart by name).
        sql<string | null>`case when ${sql.ref('role')} = 'other' then ${sql.ref('kind')} else null end`.as(
          'other_kind',
        ),
        (eb) => eb.fn.countAll<number>().as('count'),
        sql<number>`sum(case when ${sql.ref('last_activity_at')} is null and ${sql.ref('remote_created_at')} < ${cutoff} then 1 else 0 end)`.as(
          'never',
        ),
        sql<number>`sum(case when ${sql.ref('last_activity_at')} < ${cutoff} then 1 else 0 end)`.as('idle'),
      ])
      .where('connection_id', '=', connectionId)
      .where('removed_at', 'is', null)
      .groupBy([
        'role',
        'status',
        'license',
        sql`case when ${sql.ref('role')} = 'other' then ${sql.ref('kind')} else null end`,
      ])
      .execute();
    return rows.map((r) => ({
      role: r.role as InsightGroup['role'],
      kind: r.other_kind ?? null,
      status: r.status as InsightGroup['status'],
      license: r.license as InsightGroup['license'],
      count: Number(r.count),
      never: Number(r.never),
      idle: Number(r.idle),
    }));
  }

  /** The oldest pending invitation, and how many have waited over 30 days. */
  async pendingAges(connectionId: string, now: Date): Promise<{ oldest: string | null; over30Days: number }> {
    const cutoff = new Date(now.getTime() - 30 * 86_400_000).toISOString();
    const row = await this.db
      .selectFrom('directory_users')
      .select([
        (eb) => eb.fn.min('remote_created_at').as('oldest'),
        sql<number>`sum(case when ${sql.ref('remote_created_at')} < ${cutoff} then 1 else 0 end)`.as(
          'over30',
        ),
      ])
      .where('connection_id', '=', connectionId)
      .where('removed_at', 'is', null)
      .where('status', '=', 'pending')
      .where('role', '!=', 'other')
      .executeTakeFirst();
    return { oldest: (row?.oldest as string | null) ?? null, over30Days: Number(row?.over30 ?? 0) };
  }
}

/** Byte order of (sort key, connection, user id), as both databases sort them. */
function compareRows(
  a: { sort_key: string; connection_id: string; remote_id: string },
  b: { sort_key: string; connection_id: string; remote_id: string },
): number {
  return (
    Buffer.compare(Buffer.from(a.sort_key), Buffer.from(b.sort_key)) ||
    Buffer.compare(Buffer.from(a.connection_id), Buffer.from(b.connection_id)) ||
    Buffer.compare(Buffer.from(a.remote_id), Buffer.from(b.remote_id))
  );
}
