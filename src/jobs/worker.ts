import { hostname } from 'node:os';
import type { Seatwise } from '../compose.ts';
import { AppError } from '../domain/appError.ts';
import type { JobQueue, JobRow } from './jobQueue.ts';
import type { Scheduler } from './scheduler.ts';

export interface WorkerOptions {
  /** Jobs run at once by this worker (syncs of different connections). */
  concurrency?: number;
  /** How long a job stays this worker's without a heartbeat (it beats four times as often). */
  leaseMs?: number;
  /** How often an idle worker looks for due jobs and schedules. */
  pollMs?: number;
  /** Also turn due schedules into jobs (every worker may: a schedule is taken once). */
  scheduler?: Scheduler;
  onJob?: (job: JobRow, outcome: 'done' | 'failed' | 'retry') => void;
  /** The database or a schedule failed; the worker goes on at the next poll. */
  onError?: (error: Error) => void;
}

/**
 * Takes jobs from the queue and runs them until stopped: a sync job runs the connection's sync (its lease keeps
 * two syncs of a connection apart, whichever worker runs them). Stopping takes no new job and hands back the
 * ones not started; a sync in flight finishes.
 */
export class Worker {
  readonly holder = `worker pid ${process.pid} on ${hostname()}`;
  private stopping = false;
  private readonly running = new Set<Promise<void>>();
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly seatwise: Seatwise,
    private readonly queue: JobQueue,
    private readonly options: WorkerOptions = {},
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops taking jobs and waits for the ones in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await Promise.all(this.running);
  }

  /** Looks for work now rather than at the next poll. */
  poke(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    const concurrency = this.options.concurrency ?? 2;
    const leaseMs = this.options.leaseMs ?? 60_000;
    while (!this.stopping) {
      await this.options.scheduler?.tick().catch((error: Error) => this.options.onError?.(error));
      let claimed = false;
      while (!this.stopping && this.running.size < concurrency) {
        const job = await this.queue.claim(this.holder, leaseMs).catch((error: Error) => {
          this.options.onError?.(error);
          return null;
        });
        if (!job) break;
        claimed = true;
        const task = this.execute(job, leaseMs).finally(() => {
          this.running.delete(task);
          this.wake?.();
        });
        this.running.add(task);
      }
      if (this.stopping) break;
      if (!claimed || this.running.size >= concurrency) await this.sleep(this.options.pollMs ?? 1000);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // Not unref'd: a waiting worker is what keeps `seatwise worker` alive.
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async execute(job: JobRow, leaseMs: number): Promise<void> {
    const beat = setInterval(
      () => {
        void this.queue.heartbeat(job.id, this.holder, leaseMs).catch(() => {});
      },
      Math.max(50, Math.floor(leaseMs / 4)),
    );
    beat.unref();
    try {
      if (job.kind !== 'sync' || !job.connection_id) {
        await this.queue.fail(job, this.holder, `unknown job kind ${job.kind}`, { retryable: false });
        this.options.onJob?.(job, 'failed');
        return;
      }
      const result = await this.seatwise.sync.sync(job.connection_id, { trigger: 'job' });
      if (result.status === 'succeeded') {
        await this.queue.complete(job.id, this.holder, result);
        this.options.onJob?.(job, 'done');
      } else {
        // monday failed: retried later while it may pass (rate limits, outages); a refused token is final.
        const final = /unauthori[sz]ed|not.?authenticated|access.?denied/i.test(result.error?.code ?? '');
        await this.queue.fail(job, this.holder, result.error?.message ?? 'the sync failed', {
          retryable: !final,
          result,
        });
        this.options.onJob?.(job, final ? 'failed' : 'retry');
      }
    } catch (error) {
      if (error instanceof AppError && error.code === 'sync_in_progress') {
        // Another process syncs this connection now: run after its lease, not as a failure.
        const until = Date.parse(String(error.details?.until ?? '')) - Date.now();
        await this.queue.fail(job, this.holder, error.message, {
          retryable: true,
          retryAfterMs: Number.isFinite(until) ? Math.max(1000, until) : 5000,
        });
        this.options.onJob?.(job, 'retry');
      } else {
        const missing = error instanceof AppError && error.kind === 'not_found';
        await this.queue.fail(job, this.holder, (error as Error).message, { retryable: !missing });
        this.options.onJob?.(job, missing ? 'failed' : 'retry');
      }
    } finally {
      clearInterval(beat);
    }
  }
}
