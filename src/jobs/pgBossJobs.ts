import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import { JOB_KINDS, type JobKind } from './jobQueue.ts';
import {
  type JobOutcome,
  type JobState,
  type Jobs,
  type QueuedJob,
  type Working,
  type WorkOptions,
  workLoop,
} from './jobs.ts';

interface JobData {
  connectionId: string | null;
  payload: Record<string, unknown>;
}

/** Kinds one per connection: at most one waits and one runs for each connection. */
const ONE_PER_CONNECTION = new Set<JobKind>(['sync', 'webhooks']);

/**
 * Jobs on pg-boss (PostgreSQL). Each kind is a `stately` queue keyed by connection: at most one job of a
 * connection waits and one runs, so a sync asked for while one runs waits to run after it, and asking again while
 * one waits joins it. pg-boss retries failed jobs with backoff, and a job whose worker died is expired and tried
 * again after `expireSeconds`.
 */
export class PgBossJobs implements Jobs {
  private readonly boss: PgBoss;
  private started: Promise<void> | null = null;

  constructor(
    databaseUrl: string,
    private readonly expireSeconds: number,
  ) {
    this.boss = new PgBoss({
      connectionString: databaseUrl,
      schema: 'pgboss',
      schedule: false,
      // Expired jobs (a dead worker's) are found and retried this often.
      maintenanceIntervalSeconds: Math.max(1, Math.min(60, expireSeconds)),
      max: 4,
    });
    this.boss.on('error', () => {});
  }

  /** Starts pg-boss and sets up the queues once; a failed start is tried again by the next caller. */
  private start(): Promise<void> {
    this.started ??= this.setUp().catch((error: Error) => {
      this.started = null;
      throw error;
    });
    return this.started;
  }

  private async setUp(): Promise<void> {
    await this.boss.start();
    for (const kind of JOB_KINDS) {
      const options = {
        name: kind,
        policy: ONE_PER_CONNECTION.has(kind) ? ('stately' as const) : ('standard' as const),
        retryLimit: 4,
        retryDelay: 5,
        retryBackoff: true,
        expireInSeconds: this.expireSeconds,
      };
      // Processes starting together race to create the queues (PostgreSQL may call it a deadlock): whoever
      // loses waits a moment and finds the queue made.
      for (let attempt = 1; ; attempt++) {
        try {
          if (!(await this.boss.getQueue(kind))) await this.boss.createQueue(kind, options);
          await this.boss.updateQueue(kind, options);
          break;
        } catch (error) {
          if (attempt >= 8) throw error;
          await sleep(50 + Math.random() * 200 * attempt);
        }
      }
    }
  }

  async enqueue(
    kind: JobKind,
    connectionId: string | null,
    payload: Record<string, unknown> = {},
    options: { runAfter?: Date } = {},
  ): Promise<string> {
    await this.start();
    const startAfter =
      options.runAfter && options.runAfter.getTime() > Date.now() ? options.runAfter : undefined;
    if (!ONE_PER_CONNECTION.has(kind)) {
      const id = await this.boss.send(kind, { connectionId, payload }, { startAfter });
      if (!id) throw new Error(`could not queue a ${kind} job`);
      return id;
    }
    const key = connectionId ?? 'none';
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = await this.boss.send(kind, { connectionId, payload }, { singletonKey: key, startAfter });
      if (id) return id;
      // One waits already: join it, bringing it forward when this one is due sooner.
      const waiting = await this.waiting(kind, key, startAfter ?? new Date());
      if (waiting) return waiting;
    }
    throw new Error(`could not queue a ${kind} job for ${key}`);
  }

  private async waiting(kind: JobKind, key: string, due: Date): Promise<string | null> {
    const db = this.boss.getDb();
    const result = (await db.executeSql(
      `update pgboss.job set start_after = least(start_after, $3)
         where id = (select id from pgboss.job where name = $1 and singleton_key = $2 and state in ('created', 'retry') limit 1)
         returning id`,
      [kind, key, due.toISOString()],
    )) as { rows: { id: string }[] };
    return result.rows[0]?.id ?? null;
  }

  async state(id: string): Promise<JobState | null> {
    // pg-boss ids are UUIDs; anything else names no job (and would be refused by PostgreSQL).
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    await this.start();
    for (const kind of JOB_KINDS) {
      const job = await this.boss.getJobById(kind, id, { includeArchive: true });
      if (!job) continue;
      const output = (job.output ?? null) as { result?: unknown; error?: string; failed?: boolean } | null;
      const status =
        job.state === 'completed'
          ? output?.failed
            ? 'failed'
            : 'done'
          : job.state === 'active'
            ? 'running'
            : job.state === 'failed' || job.state === 'cancelled'
              ? 'failed'
              : 'queued';
      return {
        status,
        result: output?.result ?? null,
        error:
          output?.error ??
          (job.state === 'failed' ? String((output as { message?: string })?.message ?? 'failed') : null),
        holder: null,
        attempts: Number(job.retryCount) + 1,
      };
    }
    return null;
  }

  /**
   * Works the queues with pg-boss's fetch and complete/fail, under a lease this worker renews: pg-boss expires a
   * job `expireSeconds` after it started, so each heartbeat moves its start forward, and only a dead worker's
   * job expires and is tried again; a long sync is never cut off.
   */
  work(_holder: string, options: WorkOptions, handle: (job: QueuedJob) => Promise<JobOutcome>): Working {
    type Fetched = { kind: JobKind; job: PgBoss.Job<JobData> };
    const working = workLoop<Fetched>(
      options,
      {
        claim: async () => {
          await this.start();
          for (const kind of JOB_KINDS) {
            const [job] = (await this.boss.fetch<JobData>(kind, { batchSize: 1 })) ?? [];
            if (job) return { kind, job };
          }
          return null;
        },
        heartbeat: async ({ kind, job }) => {
          await this.boss
            .getDb()
            .executeSql(
              `update pgboss.job set started_on = now() where name = $1 and id = $2 and state = 'active'`,
              [kind, job.id],
            );
        },
        settle: async ({ kind, job }, outcome) => {
          if ('done' in outcome) await this.boss.complete(kind, job.id, { result: outcome.done });
          // A final failure completes the job saying so (a failed one would be tried again).
          else if ('fail' in outcome)
            await this.boss.complete(kind, job.id, {
              failed: true,
              error: outcome.fail,
              result: outcome.result ?? null,
            });
          else {
            await this.boss.fail(kind, job.id, { message: outcome.retry });
            // A job told when to come back (another process holds what it needs until then) waits that long,
            // not pg-boss's backoff, which could use up its retries before the holder lets go.
            if (outcome.afterMs !== undefined)
              await this.boss.getDb().executeSql(
                `update pgboss.job set start_after = now() + $3 * interval '1 millisecond'
                    where name = $1 and id = $2 and state = 'retry'`,
                [kind, job.id, Math.round(outcome.afterMs)],
              );
          }
        },
        describe: ({ kind, job }) => ({
          id: job.id,
          kind,
          connectionId: job.data.connectionId,
          payload: job.data.payload ?? {},
        }),
      },
      handle,
    );
    return { ...working, ready: this.start() };
  }

  async close(): Promise<void> {
    if (this.started) await this.boss.stop({ graceful: true, wait: true });
  }
}
