import { type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import { newId } from '../domain/ids.ts';
import type { Database, JobsTable } from '../store/schema.ts';

export type JobRow = Selectable<JobsTable>;
/**
 * What workers do: sync a connection; run an action batch queued through the API or CLI; deliver a connection's
 * due webhook notifications; finish an offboarding whose process died. Syncs and deliveries are one per connection (asking again while one waits joins
 * it); action batches are queued without a connection and never joined.
 */
export type JobKind = 'sync' | 'action' | 'webhooks' | 'offboarding';
export const JOB_KINDS: readonly JobKind[] = ['sync', 'action', 'webhooks', 'offboarding'];

/** Waits before a failed job's next attempt, by attempt; past the last, the job has failed for good. */
export const JOB_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000];

/**
 * Jobs stored in the database, taken by any number of workers in any number of processes: a worker claims a
 * job with one conditional update (a job is held by one worker at a time), holds it with a lease it renews, and
 * completes or fails it. A job whose worker died is claimed again once its lease has run out. One job per kind
 * and connection waits at a time: asking again while one waits joins it (a sync asked for while one runs waits
 * to run after it).
 */
export class JobQueue {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Queues a job (due now or at `runAfter`), or joins the one of the same kind and connection already waiting,
   * bringing it forward when this one is due sooner; its id either way.
   */
  async enqueue(
    kind: JobKind,
    connectionId: string | null,
    payload: Record<string, unknown> = {},
    options: { runAfter?: Date } = {},
  ): Promise<string> {
    const at = this.now().toISOString();
    const runAfter =
      options.runAfter && options.runAfter.getTime() > this.now().getTime()
        ? options.runAfter.toISOString()
        : at;
    const id = newId('job');
    const inserted = await this.db
      .insertInto('jobs')
      .values({
        id,
        kind,
        connection_id: connectionId,
        payload: JSON.stringify(payload),
        status: 'queued',
        run_after: runAfter,
        attempts: 0,
        max_attempts: JOB_RETRY_DELAYS_MS.length + 1,
        holder: null,
        lease_until: null,
        last_error: null,
        result: null,
        created_at: at,
        finished_at: null,
      })
      // The partial index's own predicate, written out: SQLite matches a conflict target only without parameters.
      .onConflict((oc) =>
        oc.columns(['kind', 'connection_id']).where(sql<SqlBool>`status = 'queued'`).doNothing(),
      )
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return id;
    const waiting = await this.db
      .selectFrom('jobs')
      .select(['id', 'run_after'])
      .where('kind', '=', kind)
      .where('connection_id', connectionId === null ? 'is' : '=', connectionId)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    // It started between the two statements: queue again, behind it.
    if (!waiting) return this.enqueue(kind, connectionId, payload, options);
    if (waiting.run_after > runAfter) {
      await this.db
        .updateTable('jobs')
        .set({ run_after: runAfter })
        .where('id', '=', waiting.id)
        .where('status', '=', 'queued')
        .where('run_after', '>', runAfter)
        .execute();
    }
    return waiting.id;
  }

  /**
   * Takes the next due job for `holder`: a queued one whose time has come, or a running one whose lease ran out
   * (its worker died). Null when there is none. Two workers asking at once never get the same job.
   */
  async claim(holder: string, leaseMs: number): Promise<JobRow | null> {
    const now = this.now().toISOString();
    const leaseUntil = new Date(this.now().getTime() + leaseMs).toISOString();
    const due = this.db
      .selectFrom('jobs')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('run_after', '<=', now)]),
          eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)]),
        ]),
      )
      // A connection whose job of this kind is running waits: its syncs never overlap, whoever holds them.
      .where((eb) =>
        eb.or([
          eb('connection_id', 'is', null),
          eb.not(
            eb.exists(
              eb
                .selectFrom('jobs as other')
                .select('other.id')
                .whereRef('other.connection_id', '=', 'jobs.connection_id')
                .whereRef('other.kind', '=', 'jobs.kind')
                .whereRef('other.id', '!=', 'jobs.id')
                .where('other.status', '=', 'running')
                .where('other.lease_until', '>=', now),
            ),
          ),
        ]),
      )
      .orderBy('run_after')
      .orderBy('created_at')
      .limit(1);
    const row = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        holder,
        lease_until: leaseUntil,
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', (this.dialect === 'postgres' ? due.forUpdate().skipLocked() : due) as never)
      // Checked again in the update itself: between finding and taking, another worker may have taken it.
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('run_after', '<=', now)]),
          eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)]),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }

  /** Renews a held job's lease; false when another worker has taken it over. */
  async heartbeat(id: string, holder: string, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ lease_until: new Date(this.now().getTime() + leaseMs).toISOString() })
      .where('id', '=', id)
      .where('holder', '=', holder)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async complete(id: string, holder: string, result: unknown): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({
        status: 'done',
        result: JSON.stringify(result),
        finished_at: this.now().toISOString(),
        lease_until: null,
      })
      .where('id', '=', id)
      .where('holder', '=', holder)
      .execute();
  }

  /**
   * A failed attempt: tried again after a growing wait while attempts remain and the failure may pass, else
   * failed for good. `retryAfterMs` overrides the wait (a busy connection says when it is free).
   */
  async fail(
    job: JobRow,
    holder: string,
    error: string,
    options: { retryable: boolean; retryAfterMs?: number; result?: unknown },
  ): Promise<void> {
    const attempts = Number(job.attempts);
    const again = options.retryable && attempts < Number(job.max_attempts);
    const wait =
      options.retryAfterMs ?? JOB_RETRY_DELAYS_MS[Math.min(attempts - 1, JOB_RETRY_DELAYS_MS.length - 1)]!;
    await this.db
      .updateTable('jobs')
      .set({
        status: again ? 'queued' : 'failed',
        last_error: error,
        result: options.result === undefined ? null : JSON.stringify(options.result),
        run_after: again ? new Date(this.now().getTime() + wait).toISOString() : job.run_after,
        finished_at: again ? null : this.now().toISOString(),
        holder: null,
        lease_until: null,
      })
      .where('id', '=', job.id)
      .where('holder', '=', holder)
      .execute()
      .catch(async (e) => {
        // Requeuing would collide with a job of the same connection that waits already: that one runs instead.
        if (!again) throw e;
        await this.db
          .updateTable('jobs')
          .set({
            status: 'done',
            last_error: error,
            finished_at: this.now().toISOString(),
            result: JSON.stringify({ joined: true }),
          })
          .where('id', '=', job.id)
          .execute();
      });
  }

  /** Hands a held job back (a worker stopping): it waits for the next worker, with no attempt counted. */
  async release(job: JobRow, holder: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set((eb) => ({ status: 'queued', holder: null, lease_until: null, attempts: eb('attempts', '-', 1) }))
      .where('id', '=', job.id)
      .where('holder', '=', holder)
      .where('status', '=', 'running')
      .execute()
      .catch(() => {});
  }

  get(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The earliest time a queued job becomes due (for a worker to sleep until then). */
  async nextDue(): Promise<string | null> {
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.min('run_after').as('next'))
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return (row?.next as string | null) ?? null;
  }
}
