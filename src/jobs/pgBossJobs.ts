import PgBoss from 'pg-boss';
import type { JobKind } from './jobQueue.ts';
import type { JobOutcome, JobState, Jobs, QueuedJob, Working } from './jobs.ts';

const KINDS: JobKind[] = ['sync'];

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

  private start(): Promise<void> {
    this.started ??= (async () => {
      await this.boss.start();
      for (const kind of KINDS) {
        const options = {
          name: kind,
          policy: 'stately' as const,
          retryLimit: 4,
          retryDelay: 5,
          retryBackoff: true,
          expireInSeconds: this.expireSeconds,
        };
        if (await this.boss.getQueue(kind)) await this.boss.updateQueue(kind, options);
        else await this.boss.createQueue(kind, options);
      }
    })();
    return this.started;
  }

  async enqueue(
    kind: JobKind,
    connectionId: string | null,
    payload: Record<string, unknown> = {},
  ): Promise<string> {
    await this.start();
    const key = connectionId ?? 'none';
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = await this.boss.send(kind, { connectionId, payload }, { singletonKey: key });
      if (id) return id;
      // One waits already: join it.
      const waiting = await this.waiting(kind, key);
      if (waiting) return waiting;
    }
    throw new Error(`could not queue a ${kind} job for ${key}`);
  }

  private async waiting(kind: JobKind, key: string): Promise<string | null> {
    const db = this.boss.getDb();
    const result = (await db.executeSql(
      `select id from pgboss.job where name = $1 and singleton_key = $2 and state in ('created', 'retry') limit 1`,
      [kind, key],
    )) as { rows: { id: string }[] };
    return result.rows[0]?.id ?? null;
  }

  async state(id: string): Promise<JobState | null> {
    await this.start();
    for (const kind of KINDS) {
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

  work(
    _holder: string,
    options: { concurrency: number; leaseMs: number; pollMs: number; onError?: (error: Error) => void },
    handle: (job: QueuedJob) => Promise<JobOutcome>,
  ): Working {
    const ids: Promise<string>[] = [];
    const started = this.start().then(
      () => {
        for (let i = 0; i < options.concurrency; i++) {
          for (const kind of KINDS) {
            ids.push(
              this.boss.work<{ connectionId: string | null; payload: Record<string, unknown> }>(
                kind,
                { batchSize: 1, pollingIntervalSeconds: Math.max(0.5, options.pollMs / 1000) },
                async ([job]) => {
                  if (!job) return null;
                  const outcome = await handle({
                    id: job.id,
                    kind,
                    connectionId: job.data.connectionId,
                    payload: job.data.payload ?? {},
                  });
                  if ('done' in outcome) return { result: outcome.done };
                  // A final failure completes the job saying so (pg-boss would retry a thrown one).
                  if ('fail' in outcome)
                    return { failed: true, error: outcome.fail, result: outcome.result ?? null };
                  throw new Error(outcome.retry);
                },
              ),
            );
          }
        }
      },
      (error: Error) => options.onError?.(error),
    );
    return {
      // Ready once pg-boss has started and every poller is registered.
      ready: this.start().then(async () => {
        await started;
        await Promise.all(ids);
      }),
      stop: async () => {
        await started;
        await Promise.all(ids);
        for (const kind of KINDS) await this.boss.offWork(kind).catch(() => {});
      },
      poke: () => {
        void started
          .then(() => Promise.all(ids))
          .then((workerIds) => {
            for (const id of workerIds) this.boss.notifyWorker(id);
          });
      },
    };
  }

  async close(): Promise<void> {
    if (this.started) await this.boss.stop({ graceful: true, wait: true });
  }
}
