import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type Insertable, type Kysely, sql, type Transaction } from 'kysely';
import { upsertColumns } from './directoryRepo.ts';
import type { ChangeEventsTable, Database, DirectoryUsersTable } from './schema.ts';

const CHUNK = 500;
const stagedUserColumns = ['connection_id', 'remote_id', 'first_seen_at', ...upsertColumns] as const;
const eventColumns = [
  'connection_id',
  'run_id',
  'remote_user_id',
  'kind',
  'before_value',
  'after_value',
  'occurred_at',
] as const;

/**
 * What a sync will write, staged by run in small statements (so other processes and this event loop keep
 * running), then published to the copy in one short transaction of set-based statements.
 */
export class SyncStagingRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async stage(
    runId: string,
    users: Insertable<DirectoryUsersTable>[],
    events: Insertable<ChangeEventsTable>[],
  ): Promise<void> {
    for (let i = 0; i < users.length; i += CHUNK) {
      const chunk = users.slice(i, i + CHUNK).map((u) => {
        const { action_seq: _seq, ...row } = u;
        return { ...row, run_id: runId };
      });
      await this.db.insertInto('sync_staged_users').values(chunk).execute();
      await yieldToEventLoop();
    }
    for (let i = 0; i < events.length; i += CHUNK) {
      const chunk = events.slice(i, i + CHUNK).map((e, j) => ({
        run_id: runId,
        seq: i + j,
        connection_id: e.connection_id,
        remote_user_id: e.remote_user_id,
        kind: e.kind,
        before_value: e.before_value ?? null,
        after_value: e.after_value ?? null,
        occurred_at: e.occurred_at,
      }));
      await this.db.insertInto('sync_staged_events').values(chunk).execute();
      await yieldToEventLoop();
    }
  }

  /**
   * Inside the run's fenced transaction: applies the staged rows, events and removals, except for users an
   * action wrote after `guardSeq` (the action's newer answer wins). Returns how many users were so kept.
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
    const removedKept = removed.length
      ? await trx
          .selectFrom('directory_users')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('connection_id', '=', connectionId)
          .where('remote_id', 'in', removed)
          .where('action_seq', '>', guardSeq)
          .executeTakeFirst()
      : { n: 0 };
    const columns = (names: readonly string[]) => sql.join(names.map((c) => sql.ref(c)));
    await sql`insert into change_events (${columns(eventColumns)})
      select ${columns(eventColumns.map((c) => (c === 'run_id' ? 'e.run_id' : `e.${c}`)))}
      from sync_staged_events e
      where e.run_id = ${runId} and not exists (select 1 from directory_users d
        where d.connection_id = e.connection_id and d.remote_id = e.remote_user_id and d.action_seq > ${guardSeq})
      order by e.seq`.execute(trx);
    await sql`insert into directory_users (${columns(stagedUserColumns)})
      select ${columns(stagedUserColumns.map((c) => `s.${c}`))} from sync_staged_users s where s.run_id = ${runId}
      on conflict (connection_id, remote_id) do update set ${sql.join(
        upsertColumns.map((c) => sql`${sql.ref(c)} = ${sql.ref(`excluded.${c}`)}`),
      )}
      where directory_users.action_seq <= ${guardSeq}`.execute(trx);
    for (let i = 0; i < removed.length; i += CHUNK) {
      await trx
        .updateTable('directory_users')
        .set({ removed_at: at, updated_at: at, license: null })
        .where('connection_id', '=', connectionId)
        .where('remote_id', 'in', removed.slice(i, i + CHUNK))
        .where('action_seq', '<=', guardSeq)
        .execute();
    }
    await this.clear(runId, trx);
    return { keptForActions: Number(kept.rows[0]?.n ?? 0) + Number(removedKept?.n ?? 0) };
  }

  /** Drops what a run staged (after it published, failed, or was abandoned). */
  async clear(runId: string, db: Kysely<Database> = this.db): Promise<void> {
    await db.deleteFrom('sync_staged_events').where('run_id', '=', runId).execute();
    await db.deleteFrom('sync_staged_users').where('run_id', '=', runId).execute();
  }
}
