import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type Insertable, type Kysely, sql, type Transaction } from 'kysely';
import { upsertColumns } from './directoryRepo.ts';
import type { ChangeEventsTable, Database, DirectoryUsersTable } from './schema.ts';

/** Rows per statement when staging (kept under SQLite's and PostgreSQL's bound-parameter limits). */
const CHUNK = 500;
/** Staged rows applied per statement when publishing; the event loop runs between statements. */
const PUBLISH_CHUNK = 5000;
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

/**
 * What a streamed sync will write, staged by run page by page as it is read: the ids it saw, the rows that
 * changed and their events. Nothing here touches the copy until `publish`, which applies the staged rows in
 * one fenced transaction of set-based statements; a run that fails only leaves staging to `clear`.
 */
export class SyncStagingRepo {
  private seq = new Map<string, { users: number; events: number }>();

  private scratchReady: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  /**
   * On SQLite, staging lives in temporary tables of this process's connection (same names, so they shadow the
   * stored ones): never written to the database file or its log, gone with the process that staged them.
   */
  private scratch(): Promise<void> {
    if (this.dialect !== 'sqlite') return Promise.resolve();
    this.scratchReady ??= (async () => {
      // Scratch needs no rollback journal on disk either.
      await sql`pragma temp.journal_mode = memory`.execute(this.db);
      await sql`pragma temp.cache_size = -16384`.execute(this.db);
      for (const table of ['sync_seen', 'sync_staged_users', 'sync_staged_events'] as const) {
        await sql`create temp table if not exists ${sql.table(table)} as select * from main.${sql.table(table)} where 0`.execute(
          this.db,
        );
      }
      await sql`create unique index if not exists temp.sync_seen_pk on sync_seen (run_id, remote_id)`.execute(
        this.db,
      );
      await sql`create unique index if not exists temp.sync_staged_users_pk on sync_staged_users (run_id, remote_id)`.execute(
        this.db,
      );
      await sql`create index if not exists temp.sync_staged_users_seq on sync_staged_users (run_id, seq)`.execute(
        this.db,
      );
      await sql`create unique index if not exists temp.sync_staged_events_pk on sync_staged_events (run_id, seq)`.execute(
        this.db,
      );
      await sql`create unique index if not exists temp.sync_staged_events_once on sync_staged_events (run_id, remote_user_id, kind)`.execute(
        this.db,
      );
    })();
    return this.scratchReady;
  }

  /** Stages one page: every id it holds (seen), the rows that changed and their change events. */
  async stagePage(
    runId: string,
    seenIds: readonly string[],
    users: Insertable<DirectoryUsersTable>[],
    events: Insertable<ChangeEventsTable>[],
  ): Promise<void> {
    const counters = this.counters(runId);
    await this.scratch();
    await this.db.transaction().execute(async (trx) => {
      // Scratch rows need no durability: PostgreSQL does not wait for the log to reach disk.
      if (this.dialect === 'postgres') await sql`set local synchronous_commit to off`.execute(trx);
      if (seenIds.length > 0)
        await this.insertJson(
          trx,
          'sync_seen',
          ['run_id', 'remote_id'],
          seenIds.map((remote_id) => ({ run_id: runId, remote_id })),
          sql`on conflict do nothing`,
        );
      if (users.length > 0) {
        const rows = users.map((u) => {
          const { action_seq: _seq, ...row } = u;
          return { ...row, run_id: runId, seq: counters.users++ };
        });
        // A user monday showed twice (pages shift while users are added) is staged once, as last shown.
        await this.insertJson(
          trx,
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
          'sync_staged_events',
          stagedEventColumns,
          rows,
          sql`on conflict do nothing`,
        );
      }
    });
  }

  /**
   * Inserts rows sent as one JSON parameter and unpacked by the database: one short statement per page, rather
   * than thousands of bound values to compile and bind.
   */
  private async insertJson(
    trx: Transaction<Database>,
    table: 'sync_seen' | 'sync_staged_users' | 'sync_staged_events',
    columns: readonly string[],
    rows: Record<string, unknown>[],
    conflict: ReturnType<typeof sql>,
  ): Promise<void> {
    const json = JSON.stringify(rows);
    const names = sql.join(columns.map((c) => sql.ref(c)));
    if (this.dialect === 'postgres') {
      await sql`insert into ${sql.table(table)} (${names})
        select ${names} from json_populate_recordset(null::${sql.table(table)}, ${json}::json) ${conflict}`.execute(
        trx,
      );
      return;
    }
    const values = sql.join(columns.map((c) => sql`json_extract(value, ${`$.${c}`})`));
    // "where true" keeps SQLite from reading the upsert clause as part of the select.
    await sql`insert into ${sql.table(table)} (${names}) select ${values} from json_each(${json}) where true ${conflict}`.execute(
      trx,
    );
  }

  /** Forgets what was staged for these users (they are read again and staged anew). */
  async unstage(runId: string, remoteIds: readonly string[]): Promise<void> {
    await this.scratch();
    for (let i = 0; i < remoteIds.length; i += CHUNK) {
      const ids = remoteIds.slice(i, i + CHUNK);
      await this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('sync_seen').where('run_id', '=', runId).where('remote_id', 'in', ids).execute();
        await trx
          .deleteFrom('sync_staged_users')
          .where('run_id', '=', runId)
          .where('remote_id', 'in', ids)
          .execute();
        await trx
          .deleteFrom('sync_staged_events')
          .where('run_id', '=', runId)
          .where('remote_user_id', 'in', ids)
          .execute();
      });
    }
  }

  /** Stored users of the connection, not removed, that this run did not see: removal candidates. */
  async unseen(runId: string, connectionId: string): Promise<string[]> {
    await this.scratch();
    const rows = await sql<{ remote_id: string }>`select d.remote_id from directory_users d
      where d.connection_id = ${connectionId} and d.removed_at is null
        and not exists (select 1 from sync_seen s where s.run_id = ${runId} and s.remote_id = d.remote_id)`.execute(
      this.db,
    );
    return rows.rows.map((r) => r.remote_id);
  }

  /** How many distinct users this run saw, and how many change events it staged. */
  async counts(runId: string): Promise<{ seen: number; events: number }> {
    await this.scratch();
    const seen = await this.db
      .selectFrom('sync_seen')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('run_id', '=', runId)
      .executeTakeFirst();
    const events = await this.db
      .selectFrom('sync_staged_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return { seen: Number(seen?.n ?? 0), events: Number(events?.n ?? 0) };
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
    // Waits for (on PostgreSQL: locks out) an action writing this copy, so no action commits mid-publish.
    await trx
      .updateTable('connections')
      .set((eb) => ({ copy_seq: eb.ref('copy_seq') }))
      .where('id', '=', connectionId)
      .execute();
    const newer = sql`exists (select 1 from directory_users d where d.connection_id = ${connectionId}
      and d.remote_id = s.remote_id and d.action_seq > ${guardSeq})`;
    const kept = await sql<{ n: number | string }>`select count(*) as n from sync_staged_users s
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
    const lastEvent = await this.lastSeq(trx, 'sync_staged_events', runId);
    for (let from = 0; from <= lastEvent; from += PUBLISH_CHUNK) {
      await sql`insert into change_events (${columns(eventColumns)})
        select ${columns(eventColumns.map((c) => `e.${c}`))}
        from sync_staged_events e
        where e.run_id = ${runId} and e.seq >= ${from} and e.seq < ${from + PUBLISH_CHUNK}
          and not exists (select 1 from directory_users d where d.connection_id = e.connection_id
            and d.remote_id = e.remote_user_id and d.action_seq > ${guardSeq})
        order by e.seq`.execute(trx);
      await yieldToEventLoop();
    }
    const lastUser = await this.lastSeq(trx, 'sync_staged_users', runId);
    for (let from = 0; from <= lastUser; from += PUBLISH_CHUNK) {
      await sql`insert into directory_users (${columns(stagedUserColumns)})
        select ${columns(stagedUserColumns.map((c) => `s.${c}`))} from sync_staged_users s
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

  private async lastSeq(
    trx: Transaction<Database>,
    table: 'sync_staged_users' | 'sync_staged_events',
    runId: string,
  ): Promise<number> {
    const row = await trx
      .selectFrom(table)
      .select((eb) => eb.fn.max<number>('seq').as('n'))
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return row?.n === null || row?.n === undefined ? -1 : Number(row.n);
  }

  /**
   * Drops what a run staged (after it published, failed, or was abandoned), a slice per statement so a large
   * run's staging never holds the database or the event loop for long.
   */
  async clear(runId: string): Promise<void> {
    this.seq.delete(runId);
    await this.scratch();
    for (const [table, key] of [
      ['sync_seen', 'remote_id'],
      ['sync_staged_users', 'remote_id'],
      ['sync_staged_events', 'seq'],
    ] as const) {
      for (;;) {
        const result =
          await sql`delete from ${sql.table(table)} where run_id = ${runId} and ${sql.ref(key)} in
          (select ${sql.ref(key)} from ${sql.table(table)} where run_id = ${runId} limit ${PUBLISH_CHUNK})`.execute(
            this.db,
          );
        if (Number(result.numAffectedRows ?? 0) < PUBLISH_CHUNK) break;
        await yieldToEventLoop();
      }
    }
  }

  /** Drops staging left by runs that are no longer running (a process that stopped before it cleared). */
  async clearLeftovers(): Promise<void> {
    await this.scratch();
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
