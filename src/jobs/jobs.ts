import type { JobKind, JobQueue, JobRow } from './jobQueue.ts';

/** A job as a worker gets it. */
export interface QueuedJob {
  id: string;
  kind: JobKind;
  connectionId: string | null;
  payload: Record<string, unknown>;
}

/** What became of one attempt: done, to be tried again (after a wait), or failed for good. */
export type JobOutcome =
  | { done: unknown }
  | { retry: string; afterMs?: number; result?: unknown }
  | { fail: string; result?: unknown };

export interface JobState {
  status: 'queued' | 'running' | 'done' | 'failed';
  result: unknown;
  error: string | null;
  holder: string | null;
  attempts: number;
}

export interface WorkOptions {
  /** Jobs run at once. */
  concurrency: number;
  /** How long a taken job stays this worker's without a heartbeat. */
  leaseMs: number;
  /** How often an idle worker looks for due jobs. */
  pollMs: number;
  onError?: (error: Error) => void;
}

/** How a work loop takes, keeps and settles the jobs of one queue. */
export interface JobSource<J> {
  claim(): Promise<J | null>;
  /** Renews the lease of a job in hand. */
  heartbeat(job: J): Promise<void>;
  settle(job: J, outcome: JobOutcome): Promise<void>;
  describe(job: J): QueuedJob;
}

/**
 * Takes jobs up to the concurrency, heartbeats each while it runs (so a dead worker's jobs are taken over once
 * their lease lapses) and settles it with its outcome; idle, it looks again every `pollMs` or when poked.
 */
export function workLoop<J>(
  options: WorkOptions,
  source: JobSource<J>,
  handle: (job: QueuedJob) => Promise<JobOutcome>,
): Working {
  let stopping = false;
  let wake: (() => void) | null = null;
  const running = new Set<Promise<void>>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      // Not unref'd: a waiting worker is what keeps `seatwise worker` alive.
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const execute = async (job: J) => {
    const beat = setInterval(
      () => {
        void source.heartbeat(job).catch(() => {});
      },
      Math.max(50, Math.floor(options.leaseMs / 4)),
    );
    beat.unref();
    try {
      await source.settle(job, await handle(source.describe(job)));
    } catch (error) {
      options.onError?.(error as Error);
    } finally {
      clearInterval(beat);
    }
  };
  const loop = (async () => {
    while (!stopping) {
      let claimed = false;
      while (!stopping && running.size < options.concurrency) {
        const job = await source.claim().catch((error: Error) => {
          options.onError?.(error);
          return null;
        });
        if (!job) break;
        claimed = true;
        const task = execute(job).finally(() => {
          running.delete(task);
          wake?.();
        });
        running.add(task);
      }
      if (stopping) break;
      if (!claimed || running.size >= options.concurrency) await sleep(options.pollMs);
    }
  })();
  return {
    ready: Promise.resolve(),
    stop: async () => {
      stopping = true;
      wake?.();
      await loop;
      await Promise.all(running);
    },
    poke: () => wake?.(),
  };
}

/** Working a queue until stopped. */
export interface Working {
  /** Settles once the worker can take jobs (rejects when it cannot start). */
  ready: Promise<void>;
  /** Takes no new job, hands back the ones not started, and waits for those in flight. */
  stop(): Promise<void>;
  /** Looks for due jobs now. */
  poke(): void;
}

/**
 * Where jobs wait for workers. Two implementations: the database queue (`DbJobs`, the embedded default, also on
 * PostgreSQL without pg-boss) and pg-boss on PostgreSQL (`PgBossJobs`).
 */
export interface Jobs {
  /**
   * Queues a job (due now or at `runAfter`), or joins the one of the same kind and connection already waiting
   * (sync and webhooks; action batches are never joined); its id either way.
   */
  enqueue(
    kind: JobKind,
    connectionId: string | null,
    payload?: Record<string, unknown>,
    options?: { runAfter?: Date },
  ): Promise<string>;
  state(id: string): Promise<JobState | null>;
  work(holder: string, options: WorkOptions, handle: (job: QueuedJob) => Promise<JobOutcome>): Working;
  close(): Promise<void>;
}

/** Jobs on the database queue: claimed by a conditional update, held by a renewed lease. */
export class DbJobs implements Jobs {
  constructor(readonly queue: JobQueue) {}

  enqueue(
    kind: JobKind,
    connectionId: string | null,
    payload: Record<string, unknown> = {},
    options: { runAfter?: Date } = {},
  ): Promise<string> {
    return this.queue.enqueue(kind, connectionId, payload, options);
  }

  async state(id: string): Promise<JobState | null> {
    const row = await this.queue.get(id);
    if (!row) return null;
    return {
      status: row.status,
      result: row.result ? JSON.parse(row.result) : null,
      error: row.last_error,
      holder: row.holder,
      attempts: Number(row.attempts),
    };
  }

  work(holder: string, options: WorkOptions, handle: (job: QueuedJob) => Promise<JobOutcome>): Working {
    return workLoop<JobRow>(
      options,
      {
        claim: () => this.queue.claim(holder, options.leaseMs),
        heartbeat: (row) => this.queue.heartbeat(row.id, holder, options.leaseMs).then(() => {}),
        settle: async (row, outcome) => {
          if ('done' in outcome) await this.queue.complete(row.id, holder, outcome.done);
          else if ('retry' in outcome)
            await this.queue.fail(row, holder, outcome.retry, {
              retryable: true,
              retryAfterMs: outcome.afterMs,
              result: outcome.result,
            });
          else await this.queue.fail(row, holder, outcome.fail, { retryable: false, result: outcome.result });
        },
        describe: (row) => ({
          id: row.id,
          kind: row.kind as JobKind,
          connectionId: row.connection_id,
          payload: JSON.parse(row.payload),
        }),
      },
      handle,
    );
  }

  async close(): Promise<void> {}
}
