import { hostname } from 'node:os';
import type { Seatwise } from '../compose.ts';
import { AppError } from '../domain/appError.ts';
import type { JobOutcome, Jobs, QueuedJob, Working } from './jobs.ts';
import type { Scheduler } from './scheduler.ts';

export interface WorkerOptions {
  /** Jobs run at once by this worker (syncs of different connections). */
  concurrency?: number;
  /** How long a job stays this worker's without a heartbeat. */
  leaseMs?: number;
  /** How often an idle worker looks for due jobs, and schedules turn into jobs. */
  pollMs?: number;
  /** Also turn due schedules into jobs (every worker may: a schedule is taken once). */
  scheduler?: Scheduler;
  onJob?: (job: QueuedJob, outcome: 'done' | 'failed' | 'retry') => void;
  /** The database or a schedule failed; the worker goes on. */
  onError?: (error: Error) => void;
}

/**
 * Runs jobs until stopped: a sync job runs the connection's sync (its lease keeps two syncs of a connection
 * apart, whichever worker runs them). Stopping takes no new job; a sync in flight finishes.
 */
export class Worker {
  readonly holder = `worker pid ${process.pid} on ${hostname()}`;
  private working: Working | null = null;
  private ticker: NodeJS.Timeout | null = null;

  constructor(
    private readonly seatwise: Seatwise,
    private readonly jobs: Jobs,
    private readonly options: WorkerOptions = {},
  ) {}

  /** Starts taking jobs; settles once the worker can take them. */
  start(): Promise<void> {
    if (this.working) return this.working.ready;
    const pollMs = this.options.pollMs ?? 1000;
    const scheduler = this.options.scheduler;
    if (scheduler) {
      const tick = () =>
        void scheduler.tick().then(
          (enqueued) => {
            if (enqueued.length) this.working?.poke();
          },
          (error: Error) => this.options.onError?.(error),
        );
      tick();
      this.ticker = setInterval(tick, Math.max(pollMs, 1000));
      this.ticker.unref();
    }
    this.working = this.jobs.work(
      this.holder,
      {
        concurrency: this.options.concurrency ?? 2,
        leaseMs: this.options.leaseMs ?? 60_000,
        pollMs,
        onError: this.options.onError,
      },
      (job) => this.run(job),
    );
    return this.working.ready;
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    await this.working?.stop();
  }

  private async run(job: QueuedJob): Promise<JobOutcome> {
    const outcome = await this.sync(job);
    this.options.onJob?.(job, 'done' in outcome ? 'done' : 'retry' in outcome ? 'retry' : 'failed');
    return outcome;
  }

  private async sync(job: QueuedJob): Promise<JobOutcome> {
    if (job.kind !== 'sync' || !job.connectionId) return { fail: `unknown job kind ${job.kind}` };
    try {
      const result = await this.seatwise.sync.sync(job.connectionId, { trigger: 'job' });
      if (result.status === 'succeeded') return { done: result };
      // monday failed: tried again later while it may pass (rate limits, outages); a refused token is final.
      const final = /unauthori[sz]ed|not.?authenticated|access.?denied/i.test(result.error?.code ?? '');
      const why = result.error?.message ?? 'the sync failed';
      return final ? { fail: why, result } : { retry: why, result };
    } catch (error) {
      if (error instanceof AppError && error.code === 'sync_in_progress') {
        // Another process syncs this connection now: run after its lease, not as a failure.
        const until = Date.parse(String(error.details?.until ?? '')) - Date.now();
        return { retry: error.message, afterMs: Number.isFinite(until) ? Math.max(1000, until) : 5000 };
      }
      if (error instanceof AppError && error.kind === 'not_found') return { fail: error.message };
      return { retry: (error as Error).message };
    }
  }
}
