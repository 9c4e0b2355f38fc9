import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import { type Insertable, type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { upsertColumns } from './directoryRepo.ts';
import type { ChangeEventsTable, Database, DirectoryUsersTable } from './schema.ts';

/** Ids per statement when forgetting or confirming users (kept under the bound-parameter limits). */
const CHUNK = 500;
/** Staged rows applied per statement when publishing; the event loop runs between statements. */
const PUBLISH_CHUNK = 1000;
/** Below this many rows a publish keeps the indexes up to date as it goes (see `setIndexesAside`). */
const BULK_MIN_ROWS = 10_000;
const stagedUserColumns = ['connection_id', 'remote_id', 'first_seen_at', ...upsertColumns] as const;
const stagedColumns = ['run_id', 'seq', ...stagedUserColumns] as const;
const eventColumns = [
  'connection_id',
  'run_id',
  'remote_user_id',
  'kind',
  'before_value',
  'after_value',
  'occurred_at',
] as const;
const stagedEventColumns = ['seq', ...eventColumns] as const;

type Db = Kysely<Database> | Transaction<Database>;

/** The scratch tables of one run. */
interface Scratch {
  /** SQLite: what the run's temporary tables' names end with. */
  suffix: string;
  seen: RawBuilder<unknown>;
  users: RawBuilder<unknown>;
  events: RawBuilder<unknown>;
}

/**
 * What a streamed sync will write, staged by run page by page as it is read: the ids it saw, the rows that
 * changed and their events. Nothing here touches the copy until `publish`, which applies the staged rows in
 * one fenced transaction of set-based statements; a run that fails only leaves its scratch to `clear`.
 *
 * On SQLite each run stages into temporary tables of its own, on this process's connection: never written to
 * the database file or its log, dropped whole when the run ends, gone with the process if it dies. On
 * PostgreSQL runs share unlogged tables, keyed by run.
 */
export class SyncStagingRepo {
  private readonly seq = new Map<string, { users: number; events: number }>();
  private readonly created = new Map<string, Promise<void>>();

  /** SQLite: each run's prepared staging statements, dropped with its tables. */
  private readonly prepared = new Map<string, StagingStatements>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
    /** SQLite: the connection itself, for the prepared statements a page is staged with. */
    private readonly handle?: BetterSqlite3.Database,
  ) {}

  private tables(runId: string): Scratch {
    if (this.dialect === 'postgres')
      return {
        suffix: '',
        seen: sql.table('sync_seen'),
        users: sql.table('sync_staged_users'),
        events: sql.table('sync_staged_events'),
      };
    const suffix = runId.replace(/[^A-Za-z0-9_]/g, '_');
    return {
      suffix,
      seen: sql.table(`temp.sync_seen_${suffix}`),
      users: sql.table(`temp.sync_staged_users_${suffix}`),
      events: sql.table(`temp.sync_staged_events_${suffix}`),
    };
  }

  /** Creates the run's scratch tables (SQLite) the first time the run stages anything. */
  private async scratch(runId: string): Promise<Scratch> {
    const t = this.tables(runId);
    if (this.dialect === 'sqlite') {
      let ready = this.created.get(runId);
      if (!ready) {
        const suffix = runId.replace(/[^A-Za-z0-9_]/g, '_');
        const index = (name: string) => sql.id(`temp`, `${name}_${suffix}`);
        ready = (async () => {
          await sql`pragma temp.journal_mode = memory`.execute(this.db);
          await sql`pragma temp.cache_size = -16384`.execute(this.db);
          await sql`create temp table if not exists ${t.seen} as select * from main.sync_seen where 0`.execute(
            this.db,
          );
          await sql`create temp table if not exists ${t.users} as select * from main.sync_staged_users where 0`.execute(
            this.db,
          );
          await sql`create temp table if not exists ${t.events} as select * from main.sync_staged_events where 0`.execute(
            this.db,
          );
          await sql`create unique index if not exists ${index('seen_pk')} on ${sql.table(`sync_seen_${suffix}`)} (remote_id)`.execute(
            this.db,
          );
          await sql`create unique index if not exists ${index('users_pk')} on ${sql.table(`sync_staged_users_${suffix}`)} (remote_id)`.execute(
            this.db,
          );
          await sql`create index if not exists ${index('users_seq')} on ${sql.table(`sync_staged_users_${suffix}`)} (seq)`.execute(
            this.db,
          );
          await sql`create unique index if not exists ${index('events_seq')} on ${sql.table(`sync_staged_events_${suffix}`)} (seq)`.execute(
            this.db,
          );
          await sql`create unique index if not exists ${index('events_once')} on ${sql.table(`sync_staged_events_${suffix}`)} (remote_user_id, kind)`.execute(
            this.db,
          );
        })();
        this.created.set(runId, ready);
      }
      await ready;
    }
    return t;
  }

  /** Stages one page: every id it holds (seen), the rows that changed and their change events. */
  async stagePage(
    runId: string,
    seenIds: readonly string[],
    users: Insertable<DirectoryUsersTable>[],
    events: Insertable<ChangeEventsTable>[],
  ): Promise<void> {
    const t = await this.scratch(runId);
    if (this.dialect === 'sqlite') {
      if (!this.handle) throw new Error('staging on SQLite needs the connection itself');
      return this.stagePrepared(runId, this.handle, seenIds, users, events);
    }
    const counters = this.counters(runId);
    // PostgreSQL from here: runs share the staging tables, keyed by run.
    await this.db.transaction().execute(async (trx) => {
      // Scratch rows need no durability: PostgreSQL does not wait for the log to reach disk.
      await sql`set local synchronous_commit to off`.execute(trx);
      if (seenIds.length > 0)
        await this.insertJson(
          trx,
          t.seen,
          'sync_seen',
          ['run_id', 'remote_id'],
          seenIds.map((remote_id) => ({ run_id: runId, remote_id })),
          sql`on conflict do nothing`,
        );
      await yieldToEventLoop();
      if (users.length > 0) {
        const rows = users.map((u) => {
          const { action_seq: _seq, ...row } = u;
          return { ...row, run_id: runId, seq: counters.users++ };
        });
        // A user monday showed twice (pages shift while users are added) is staged once, as last shown.
        await this.insertJson(
          trx,
          t.users,
          'sync_staged_users',
          stagedColumns,
          rows,
          sql`on conflict (run_id, remote_id) do update set ${sql.join(
            ['seq', ...upsertColumns].map((c) => sql`${sql.ref(c)} = ${sql.ref(`excluded.${c}`)}`),
          )}`,
        );
      }
      if (events.length > 0) {
        const rows = events.map((e) => ({
          run_id: runId,
          seq: counters.events++,
          connection_id: e.connection_id,
          remote_user_id: e.remote_user_id,
          kind: e.kind,
          before_value: e.before_value ?? null,
          after_value: e.after_value ?? null,
          occurred_at: e.occurred_at,
        }));
        await this.insertJson(
          trx,
          t.events,
          'sync_staged_events',
          stagedEventColumns,
          rows,
          sql`on conflict do nothing`,
        );
      }
    });
  }

  /**
   * SQLite: stages one page with statements prepared once per run, in one transaction on the run's temporary
   * tables that runs start to end without an await (a page takes a few milliseconds). It holds this process's
   * connection meanwhile, so no other statement of the process lands inside it.
   */
  private async stagePrepared(
    runId: string,
    handle: BetterSqlite3.Database,
    seenIds: readonly string[],
    users: Insertable<DirectoryUsersTable>[],
    events: Insertable<ChangeEventsTable>[],
  ): Promise<void> {
    const counters = this.counters(runId);
    let statements = this.prepared.get(runId);
    if (!statements) {
      statements = prepareStaging(handle, this.tables(runId).suffix);
      this.prepared.set(runId, statements);
    }
    const st = statements;
    await this.db.connection().execute(async () => {
      handle.transaction(() => {
        for (const id of seenIds) st.seen.run(runId, id);
        for (const u of users) {
          const row = u as Record<string, unknown>;
          st.user.run(runId, counters.users++, ...stagedUserColumns.map((c) => row[c] ?? null));
        }
        for (const e of events)
          st.event.run(
            counters.events++,
            e.connection_id,
            runId,
            e.remote_user_id,
            e.kind,
            e.before_value ?? null,
            e.after_value ?? null,
            e.occurred_at,
          );
      })();
    });
  }

  /**
   * A transaction on the scratch tables only. On SQLite it begins deferred and writes only this connection's
   * temporary tables, so staging never takes (nor waits for) the main file's write lock: another process
   * publishing a sync or writing an action does not hold it up, and it holds up nobody.
   */
  private async scratchTransaction(work: (db: Kysely<Database>) => Promise<void>): Promise<void> {
    if (this.dialect === 'postgres') return this.db.transaction().execute(work);
    await this.db.connection().execute(async (connection) => {
      await sql`begin`.execute(connection);
      try {
        await work(connection);
      } catch (error) {
        await sql`rollback`.execute(connection).catch(() => {});
        throw error;
      }
      await sql`commit`.execute(connection);
    });
  }

  /** PostgreSQL: inserts one page of rows, which travel as one JSON parameter unpacked by the database. */
  private async insertJson(
    trx: Kysely<Database>,
    table: RawBuilder<unknown>,
    shape: 'sync_seen' | 'sync_staged_users' | 'sync_staged_events',
    columns: readonly string[],
    rows: Record<string, unknown>[],
    conflict: RawBuilder<unknown>,
  ): Promise<void> {
    const names = sql.join(columns.map((c) => sql.ref(c)));
    await sql`insert into ${table} (${names})
      select ${names} from json_populate_recordset(null::${sql.table(shape)}, ${JSON.stringify(rows)}::json) ${conflict}`.execute(
      trx,
    );
  }

  /** Forgets what was staged for these users (they are read again and staged anew). */
  async unstage(runId: string, remoteIds: readonly string[]): Promise<void> {
    const t = await this.scratch(runId);
    for (let i = 0; i < remoteIds.length; i += CHUNK) {
      const ids = sql.join(remoteIds.slice(i, i + CHUNK));
      await this.scratchTransaction(async (trx) => {
        await sql`delete from ${t.seen} where run_id = ${runId} and remote_id in (${ids})`.execute(trx);
        await sql`delete from ${t.users} where run_id = ${runId} and remote_id in (${ids})`.execute(trx);
        await sql`delete from ${t.events} where run_id = ${runId} and remote_user_id in (${ids})`.execute(
          trx,
        );
      });
    }
  }

  /**
   * Stored users of the connection, not removed, that this run did not see: removal candidates. Read in
   * slices of the connection's ids, so no single statement scans a large account.
   */
  async unseen(runId: string, connectionId: string): Promise<string[]> {
    const t = await this.scratch(runId);
    const out: string[] = [];
    let after = '';
    for (;;) {
      // Where this slice of ids ends (by the primary key), then the unseen users within it.
      const { rows: bounds } = await sql<{ remote_id: string }>`select remote_id from directory_users
        where connection_id = ${connectionId} and remote_id > ${after}
        order by remote_id limit 1 offset ${PUBLISH_CHUNK * 5 - 1}`.execute(this.db);
      const until = bounds[0]?.remote_id;
      const { rows } = await sql<{ remote_id: string }>`select d.remote_id from directory_users d
        where d.connection_id = ${connectionId} and d.remote_id > ${after}
          ${until === undefined ? sql`` : sql`and d.remote_id <= ${until}`}
          and d.removed_at is null
          and not exists (select 1 from ${t.seen} s where s.run_id = ${runId} and s.remote_id = d.remote_id)`.execute(
        this.db,
      );
      out.push(...rows.map((r) => r.remote_id));
      if (until === undefined) return out;
      after = until;
      await yieldToEventLoop();
    }
  }

  /** How many distinct users this run saw, and how many change events it staged. */
  async counts(runId: string): Promise<{ seen: number; events: number }> {
    const t = await this.scratch(runId);
    const count = async (table: RawBuilder<unknown>) => {
      const { rows } = await sql<{
        n: number | string;
      }>`select count(*) as n from ${table} where run_id = ${runId}`.execute(this.db);
      return Number(rows[0]?.n ?? 0);
    };
    return { seen: await count(t.seen), events: await count(t.events) };
  }

  /**
   * Inside the run's fenced transaction, first: waits for (on PostgreSQL: locks out) an action writing the
   * connection's copy, so no action commits mid-publish.
   */
  async lockCopy(trx: Transaction<Database>, connectionId: string): Promise<void> {
    await trx
      .updateTable('connections')
      .set((eb) => ({ copy_seq: eb.ref('copy_seq') }))
      .where('id', '=', connectionId)
      .execute();
  }

  /**
   * Inside the run's fenced transaction: applies the staged rows, events and removals, except for users an
   * action wrote after `guardSeq` (the action's newer answer wins). Returns how many users were so kept.
   * Statements cover a bounded slice of the staged rows each, so the event loop keeps running between them.
   */
  async publish(
    trx: Transaction<Database>,
    runId: string,
    connectionId: string,
    guardSeq: number,
    removed: readonly string[],
    at: string,
  ): Promise<{ keptForActions: number }> {
    const t = await this.scratch(runId);
    const newer = sql`exists (select 1 from directory_users d where d.connection_id = ${connectionId}
      and d.remote_id = s.remote_id and d.action_seq > ${guardSeq})`;
    const kept = await sql<{ n: number | string }>`select count(*) as n from ${t.users} s
      where s.run_id = ${runId} and ${newer}`.execute(trx);
    let removedKept = 0;
    for (let i = 0; i < removed.length; i += CHUNK) {
      const row = await trx
        .selectFrom('directory_users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('connection_id', '=', connectionId)
        .where('remote_id', 'in', removed.slice(i, i + CHUNK))
        .where('action_seq', '>', guardSeq)
        .executeTakeFirst();
      removedKept += Number(row?.n ?? 0);
    }
    const columns = (names: readonly string[]) => sql.join(names.map((c) => sql.ref(c)));
    const lastEvent = await this.lastSeq(trx, t.events, runId);
    const lastUser = await this.lastSeq(trx, t.users, runId);
    for (let from = 0; from <= lastEvent; from += PUBLISH_CHUNK) {
      await sql`insert into change_events (${columns(eventColumns)})
        select ${columns(eventColumns.map((c) => `e.${c}`))}
        from ${t.events} e
        where e.run_id = ${runId} and e.seq >= ${from} and e.seq < ${from + PUBLISH_CHUNK}
          and not exists (select 1 from directory_users d where d.connection_id = e.connection_id
            and d.remote_id = e.remote_user_id and d.action_seq > ${guardSeq})
        order by e.seq`.execute(trx);
      await yieldToEventLoop();
    }
    for (let from = 0; from <= lastUser; from += PUBLISH_CHUNK) {
      await sql`insert into directory_users (${columns(stagedUserColumns)})
        select ${columns(stagedUserColumns.map((c) => `s.${c}`))} from ${t.users} s
        where s.run_id = ${runId} and s.seq >= ${from} and s.seq < ${from + PUBLISH_CHUNK}
        on conflict (connection_id, remote_id) do update set ${sql.join(
          upsertColumns.map((c) => sql`${sql.ref(c)} = ${sql.ref(`excluded.${c}`)}`),
        )}
        where directory_users.action_seq <= ${guardSeq}`.execute(trx);
      await yieldToEventLoop();
    }
    for (let i = 0; i < removed.length; i += CHUNK) {
      await trx
        .updateTable('directory_users')
        .set({ removed_at: at, updated_at: at, license: null })
        .where('connection_id', '=', connectionId)
        .where('remote_id', 'in', removed.slice(i, i + CHUNK))
        .where('action_seq', '<=', guardSeq)
        .execute();
    }
    return { keptForActions: Number(kept.rows[0]?.n ?? 0) + removedKept };
  }

  /**
   * Inside the run's fenced transaction, before `publish`: on SQLite, when the publish will write at least as
   * many rows into a table as it holds (a first sync, above all), that table's secondary indexes are dropped
   * and `rebuild` builds them again once everything is written, in the same transaction: one sorted build costs
   * a fraction of keeping each index up to date row by row. Readers in other processes keep using the indexes
   * as they were until the transaction commits; if it fails, the indexes were never gone. Elsewhere (PostgreSQL
   * would lock readers out) the indexes stay. `moreEvents`: change events written besides the staged ones.
   */
  async setIndexesAside(
    trx: Transaction<Database>,
    runId: string,
    moreEvents: number,
  ): Promise<{ rebuild: () => Promise<void> }> {
    if (this.dialect !== 'sqlite') return { rebuild: async () => {} };
    const t = await this.scratch(runId);
    const incoming = {
      directory_users: (await this.lastSeq(trx, t.users, runId)) + 1,
      change_events: (await this.lastSeq(trx, t.events, runId)) + 1 + moreEvents,
    };
    const dropped: { name: string; sql: string }[] = [];
    for (const [table, rows] of Object.entries(incoming)) {
      if (rows < BULK_MIN_ROWS) continue;
      const { rows: held } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(
        trx,
      );
      if (Number(held[0]?.n ?? 0) > rows) continue;
      // The indexes Seatwise made (SQLite's own, for keys, have no SQL and cannot be dropped).
      const { rows: indexes } = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master
        where type = 'index' and tbl_name = ${table} and sql is not null`.execute(trx);
      for (const index of indexes) await sql`drop index ${sql.id(index.name)}`.execute(trx);
      dropped.push(...indexes);
    }
    return {
      rebuild: async () => {
        for (const index of dropped) {
          await sql.raw(index.sql).execute(trx);
          await yieldToEventLoop();
        }
      },
    };
  }

  private async lastSeq(trx: Db, table: RawBuilder<unknown>, runId: string): Promise<number> {
    const { rows } = await sql<{ n: number | string | null }>`select max(seq) as n from ${table}
      where run_id = ${runId}`.execute(trx);
    const n = rows[0]?.n;
    return n === null || n === undefined ? -1 : Number(n);
  }

  /**
   * Drops what a run staged (after it published, failed, or was abandoned). On SQLite its tables are dropped
   * whole; on PostgreSQL its rows go a slice per statement, so a large run never holds the database long.
   */
  async clear(runId: string): Promise<void> {
    this.seq.delete(runId);
    this.prepared.delete(runId);
    const t = this.tables(runId);
    if (this.dialect === 'sqlite') {
      const created = this.created.get(runId);
      this.created.delete(runId);
      if (!created) return;
      await created.catch(() => {});
      for (const table of [t.seen, t.users, t.events])
        await sql`drop table if exists ${table}`.execute(this.db);
      return;
    }
    for (const [table, key] of [
      [t.seen, 'remote_id'],
      [t.users, 'remote_id'],
      [t.events, 'seq'],
    ] as const) {
      for (;;) {
        const result = await sql`delete from ${table} where run_id = ${runId} and ${sql.ref(key)} in
          (select ${sql.ref(key)} from ${table} where run_id = ${runId} limit ${PUBLISH_CHUNK * 5})`.execute(
          this.db,
        );
        if (Number(result.numAffectedRows ?? 0) < PUBLISH_CHUNK * 5) break;
        await yieldToEventLoop();
      }
    }
  }

  /** Drops scratch left by runs that are no longer running (a process that stopped before it cleared). */
  async clearLeftovers(): Promise<void> {
    // SQLite's scratch dies with the process that staged it.
    if (this.dialect === 'sqlite') return;
    for (const table of ['sync_seen', 'sync_staged_users', 'sync_staged_events'] as const) {
      const runs = await this.db
        .selectFrom(table)
        .select('run_id')
        .distinct()
        .where('run_id', 'not in', (eb) =>
          eb.selectFrom('sync_runs').select('id').where('status', '=', 'running'),
        )
        .execute();
      for (const { run_id } of runs) await this.clear(run_id);
    }
  }

  private counters(runId: string): { users: number; events: number } {
    let counters = this.seq.get(runId);
    if (!counters) {
      counters = { users: 0, events: 0 };
      this.seq.set(runId, counters);
    }
    return counters;
  }
}

interface StagingStatements {
  seen: BetterSqlite3.Statement;
  user: BetterSqlite3.Statement;
  event: BetterSqlite3.Statement;
}

/** The statements a run stages with on SQLite: the same upserts `stagePage` builds on PostgreSQL. */
function prepareStaging(handle: BetterSqlite3.Database, suffix: string): StagingStatements {
  const list = (names: readonly string[]) => names.map((c) => `"${c}"`).join(', ');
  const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  const userColumns = ['run_id', 'seq', ...stagedUserColumns];
  const eventColumns = stagedEventColumns;
  return {
    seen: handle.prepare(
      `insert into temp."sync_seen_${suffix}" (run_id, remote_id) values (?, ?) on conflict do nothing`,
    ),
    // A user monday showed twice (pages shift while users are added) is staged once, as last shown.
    user: handle.prepare(
      `insert into temp."sync_staged_users_${suffix}" (${list(userColumns)}) values (${marks(userColumns.length)})
        on conflict (remote_id) do update set ${['seq', ...upsertColumns].map((c) => `"${c}" = excluded."${c}"`).join(', ')}`,
    ),
    event: handle.prepare(
      `insert into temp."sync_staged_events_${suffix}" (${list(eventColumns)}) values (${marks(eventColumns.length)})
        on conflict do nothing`,
    ),
  };
}
