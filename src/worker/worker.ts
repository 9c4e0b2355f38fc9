import { hostname } from 'node:os';
import type { ActionRequestInput } from '../actions/actionInput.ts';
import type { Seatwise } from '../compose.ts';
import { AppError } from '../domain/appError.ts';
import type { JobOutcome, Jobs, QueuedJob, Working } from '../jobs/jobs.ts';
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
      const tick = () => {
        void scheduler.tick().then(
          (enqueued) => {
            if (enqueued.length) this.working?.poke();
          },
          (error: Error) => this.options.onError?.(error),
        );
        // Access reviews: recurring campaigns, closes at the end date, reminders.
        void this.seatwise.reviewSchedule.tick().catch((error: Error) => this.options.onError?.(error));
        // Renewal reminders (30 and 7 days before), at most once a minute.
        void this.seatwise.economics.remindRenewals().catch((error: Error) => this.options.onError?.(error));
      };
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
    const outcome =
      job.kind === 'sync'
        ? await this.sync(job)
        : job.kind === 'action'
          ? await this.action(job)
          : job.kind === 'webhooks'
            ? await this.webhooks(job)
            : job.kind === 'offboarding'
              ? await this.offboarding(job)
              : { fail: `unknown job kind ${job.kind}` };
    this.options.onJob?.(job, 'done' in outcome ? 'done' : 'retry' in outcome ? 'retry' : 'failed');
    return outcome;
  }

  /**
   * An action batch queued through the API or CLI: run with the idempotency key it was queued with, so a retry
   * after a dead worker replays what monday already did instead of doing it again.
   */
  private async action(job: QueuedJob): Promise<JobOutcome> {
    const { request, actor } = job.payload as { request?: ActionRequestInput; actor?: string };
    if (!request || !actor) return { fail: 'the queued action has no request' };
    try {
      return { done: await this.seatwise.actions.run(request, actor) };
    } catch (error) {
      if (error instanceof AppError && error.code === 'action_in_progress') {
        return retryOnceFree(error.message, error.details?.retryAfter);
      }
      // Refused or invalid: the same request would be refused again.
      if (error instanceof AppError) return { fail: error.message };
      return { retry: (error as Error).message };
    }
  }

  /**
   * Finishes an offboarding whose process died (its lease lapsed). While a live process still holds it, looks
   * again once that lease could have lapsed.
   */
  private async offboarding(job: QueuedJob): Promise<JobOutcome> {
    const id = job.payload.offboardingId;
    if (typeof id !== 'string') return { fail: 'the offboarding job names no offboarding' };
    try {
      const outcome = await this.seatwise.offboardings.continueAbandoned(id);
      if ('finished' in outcome) return { done: { offboardingId: id, status: outcome.finished.status } };
      await this.jobs.enqueue(
        'offboarding',
        null,
        { offboardingId: id },
        { runAfter: new Date(outcome.heldUntil.getTime() + 1_000) },
      );
      return { done: { offboardingId: id, heldUntil: outcome.heldUntil.toISOString() } };
    } catch (error) {
      if (error instanceof AppError && error.kind === 'not_found') return { fail: error.message };
      return { retry: (error as Error).message };
    }
  }

  /** Sends a connection's due webhook notifications. */
  private async webhooks(job: QueuedJob): Promise<JobOutcome> {
    if (!job.connectionId) return { fail: 'the webhooks job names no connection' };
    try {
      return { done: await this.seatwise.notifier.deliverDue(job.connectionId) };
    } catch (error) {
      return { retry: (error as Error).message };
    }
  }

  private async sync(job: QueuedJob): Promise<JobOutcome> {
    if (!job.connectionId) return { fail: 'the sync job names no connection' };
    try {
      const payload = job.payload as { confirmRemovals?: unknown; trigger?: unknown } | null;
      const confirmRemovals = payload?.confirmRemovals === true;
      // A scheduled sync says so: it is the one a day short of monday calls leaves for later.
      const trigger = payload?.trigger === 'schedule' ? 'schedule' : 'job';
      const result = await this.seatwise.sync.sync(job.connectionId, { trigger, confirmRemovals });
      if (result.status === 'succeeded') return { done: result };
      // monday failed: tried again later while it may pass (rate limits, outages); a refused token is final.
      const final = /unauthori[sz]ed|not.?authenticated|access.?denied/i.test(result.error?.code ?? '');
      const why = result.error?.message ?? 'the sync failed';
      return final ? { fail: why, result } : { retry: why, result };
    } catch (error) {
      // Left for the next scheduled run: not a failure, and no retry that would spend more of the day's calls.
      if (error instanceof AppError && error.code === 'sync_deferred')
        return { done: { deferred: error.message } };
      if (error instanceof AppError && error.code === 'sync_in_progress') {
        // Another process syncs this connection now: run after its lease, not as a failure.
        return retryOnceFree(error.message, error.details?.until);
      }
      if (error instanceof AppError && error.kind === 'not_found') return { fail: error.message };
      return { retry: (error as Error).message };
    }
  }
}

/** Another process holds what the job needs until `until`: try again then (in 5 s when it does not say). */
function retryOnceFree(why: string, until: unknown): JobOutcome {
  const wait = Date.parse(String(until ?? '')) - Date.now();
  return { retry: why, afterMs: Number.isFinite(wait) ? Math.max(1000, wait) : 5000 };
}
