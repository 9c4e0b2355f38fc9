import { dailyLimitDeferral } from '../domain/apiVersions.ts';
import { AppError } from '../domain/appError.ts';
import type { MondayApi } from '../monday/mondayApi.ts';
import { MondayError } from '../monday/mondayError.ts';
import type { Store } from '../store/database.ts';
import { type HeldRemoval, HeldRemovalsRepo } from '../store/heldRemovalsRepo.ts';
import { type SyncRunRow, SyncRunsRepo } from '../store/syncRunsRepo.ts';
import {
  type LeaseTiming,
  recordRefusedSync,
  SyncConflictError,
  SyncEngine,
  type SyncOptions,
  type SyncResult,
} from '../sync/syncEngine.ts';
import type { ConnectionsService } from './connections.ts';

/** A sync run as interfaces show it. */
export interface SyncRunView {
  id: string;
  connectionId: string;
  trigger: string;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  complete: boolean;
  pagesRead: number;
  usersSeen: number;
  changes: number;
  requests: number;
  retries: number;
  /** Users left as an action wrote them after this run began reading. */
  keptForActions: number;
  /** Users monday confirmed gone that the run held for review instead of removing them. */
  removalsHeld: number;
  /** Why it failed; `requestId` is monday's id of the answer it failed on, for monday's support. */
  error: { code: string; message: string; requestId: string | null } | null;
}

/** Runs syncs (one at a time per connection) and reads their history. */
export class SyncService {
  private readonly engine: SyncEngine;
  private readonly runs: SyncRunsRepo;
  private readonly held: HeldRemovalsRepo;

  constructor(
    private readonly store: Store,
    private readonly connections: ConnectionsService,
    private readonly now?: () => Date,
    timing?: Partial<LeaseTiming>,
  ) {
    this.engine = new SyncEngine(store, now, timing);
    this.runs = new SyncRunsRepo(store.db);
    this.held = new HeldRemovalsRepo(store.db);
  }

  private readonly finishedListeners: ((result: SyncResult) => Promise<void>)[] = [];

  /**
   * Work that follows every finished sync in this process (a run's trend snapshot, policies, notifications).
   * It runs before the sync answers; its failure never turns a sync into a failed one.
   */
  onFinished(listener: (result: SyncResult) => Promise<void>): void {
    this.finishedListeners.push(listener);
  }

  async sync(connectionId: string, options: SyncOptions = {}): Promise<SyncResult> {
    let api: MondayApi;
    try {
      api = await this.connections.api(connectionId);
    } catch (error) {
      // A connection that does not exist has no history; any other refusal is a failed run with its reason.
      if (error instanceof AppError && error.kind !== 'not_found') {
        // The demo's emulator runs inside the server that started it: the refusal says so (demo_in_server).
        const refusal = error;
        const runId = await recordRefusedSync(this.store, this.runs, {
          connectionId,
          trigger: options.trigger ?? 'manual',
          code: refusal.code,
          message: refusal.message,
          at: (this.now?.() ?? new Date()).toISOString(),
        });
        options.onStarted?.(runId);
        throw refusal;
      }
      throw error;
    }
    if (options.trigger === 'schedule') await this.checkDailyCalls(connectionId);
    try {
      // With a SCIM token the sync can tell which teams an identity provider manages.
      const scim = (await this.connections.facts(connectionId)).hasScimToken
        ? await this.connections.scim(connectionId).catch(() => null)
        : null;
      const result = await this.engine.run(connectionId, api, { ...options, scim });
      result.trigger = options.trigger ?? 'manual';
      if (result.status === 'succeeded') await this.connections.setSyncDeferred(connectionId, null);
      for (const listener of this.finishedListeners) {
        await listener(result).catch((error) => {
          result.followUpErrors = [...(result.followUpErrors ?? []), (error as Error).message];
        });
      }
      return result;
    } catch (error) {
      if (error instanceof SyncConflictError) {
        throw new AppError('conflict', 'sync_in_progress', error.message, {
          connectionId,
          holder: error.holder,
          until: error.until,
        });
      }
      throw error;
    }
  }

  /**
   * Reads the account's daily calls (one call) before a scheduled sync: one the day's remaining calls cannot
   * finish is left for later, with the reason on the connection. On-demand syncs always run (and read the
   * calls after they finish).
   */
  private async checkDailyCalls(connectionId: string): Promise<void> {
    let reason: string | null;
    try {
      const usage = await this.connections.readDailyUsage(connectionId);
      reason = usage ? dailyLimitDeferral(usage) : null;
    } catch (error) {
      // Not knowing the day's calls never stops a sync; a used-up day stops a scheduled one.
      if (!(error instanceof MondayError && error.code === 'DAILY_LIMIT_EXCEEDED')) return;
      reason = `deferred: ${error.message}`;
    }
    if (!reason) return;
    await this.connections.setSyncDeferred(
      connectionId,
      `${reason} (${(this.now?.() ?? new Date()).toISOString()})`,
    );
    throw new AppError('precondition', 'sync_deferred', reason, { connectionId });
  }

  /** Starts a sync and answers as soon as its run is recorded; the sync goes on in the background. */
  async start(
    connectionId: string,
    trigger = 'api',
    onFinished?: (result: SyncResult) => void,
    confirmRemovals = false,
  ): Promise<SyncRunView> {
    let started: (runId: string) => void = () => {};
    const runId = new Promise<string>((resolve) => {
      started = resolve;
    });
    const running = this.sync(connectionId, { trigger, onStarted: started, confirmRemovals });
    const tracked = running.then(
      (result) => onFinished?.(result),
      () => {},
    );
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
    // Whichever comes first: the run is recorded, or the sync is refused before it starts.
    const id = await Promise.race([runId, running.then((r) => r.runId)]);
    return this.getRun(id);
  }

  /** Waits for background syncs to finish (used on shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.background]);
    await this.engine.drain();
  }

  private readonly background = new Set<Promise<unknown>>();

  async listRuns(connectionId?: string, limit = 50): Promise<SyncRunView[]> {
    if (connectionId) await this.connections.get(connectionId);
    return (await this.runs.list(connectionId, limit)).map(toRunView);
  }

  /** Who the connection's last run held for review (still held: no later run removed or saw them). */
  async heldRemovals(connectionId: string): Promise<HeldRemoval[]> {
    await this.connections.get(connectionId);
    return this.held.list({ connectionId });
  }

  /** Who one run held, while its hold is the connection's current one. */
  heldByRun(runId: string): Promise<HeldRemoval[]> {
    return this.held.list({ runId });
  }

  async getRun(id: string): Promise<SyncRunView> {
    const row = await this.runs.get(id);
    if (!row) throw new AppError('not_found', 'run_not_found', `no sync run with id ${id}`);
    return toRunView(row);
  }
}

function toRunView(row: SyncRunRow): SyncRunView {
  return {
    id: row.id,
    connectionId: row.connection_id,
    trigger: row.trigger,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    complete: Boolean(Number(row.complete)),
    pagesRead: Number(row.pages_read),
    usersSeen: Number(row.users_seen),
    changes: Number(row.changes),
    requests: Number(row.requests),
    retries: Number(row.retries),
    keptForActions: Number(row.kept_for_actions),
    removalsHeld: Number(row.removals_held ?? 0),
    error: row.error_code
      ? { code: row.error_code, message: row.error_message ?? '', requestId: row.error_request_id }
      : null,
  };
}
