import { newId } from '../domain/ids.ts';
import type { MondayApi } from '../monday/mondayApi.ts';
import { MondayError } from '../monday/mondayError.ts';
import type { Store } from '../store/database.ts';
import { DirectoryRepo } from '../store/directoryRepo.ts';
import { describeHolder, LeaseLostError, LeaseRepo } from '../store/leaseRepo.ts';
import { SyncRunsRepo } from '../store/syncRunsRepo.ts';
import { SyncStagingRepo } from '../store/syncStagingRepo.ts';
import { diffUsers, type IncomingUser } from './diff.ts';
import { toDirectoryUser } from './toDirectoryUser.ts';

export const PAGE_LIMIT = 1000;
/** A sync that has not heartbeaten for this long is taken for dead, and the next one may take over. */
export const DEFAULT_LEASE_MS = 60_000;

export interface SyncProgress {
  pagesRead: number;
  usersSeen: number;
}

export interface SyncResult {
  runId: string;
  connectionId: string;
  status: 'succeeded' | 'failed';
  complete: boolean;
  usersSeen: number;
  changes: number;
  removed: number;
  /** Users left as an action wrote them after this run began reading (the action's answer is newer). */
  keptForActions: number;
  requests: number;
  retries: number;
  durationMs: number;
  error: { code: string; message: string; requestId: string | null } | null;
}

export interface SyncOptions {
  trigger?: string;
  onProgress?: (p: SyncProgress) => void;
  /** Called once the run is recorded, before any page is read. */
  onStarted?: (runId: string) => void;
  /** Awaited once the changes are worked out and before anything is written (lets tests interleave). */
  beforeCommit?: () => Promise<void>;
}

/** How long a sync's lease lasts without a heartbeat, and how often it heartbeats. */
export interface LeaseTiming {
  leaseMs: number;
  heartbeatMs: number;
}

export class SyncConflictError extends Error {
  constructor(
    readonly connectionId: string,
    readonly holder: string | null = null,
    readonly until: string | null = null,
  ) {
    super(
      holder
        ? `a sync of connection ${connectionId} is already running: ${holder} holds the connection until ${until} and keeps extending it while it works; if that process has stopped, the next sync can start after then`
        : `a sync of connection ${connectionId} is already running in this process`,
    );
  }
}

/**
 * Reads every user of one account (every status, explicit limit and page), diffs against the stored copy and
 * publishes users, change events and the run in one fenced transaction. It holds the connection's lease the
 * whole time and heartbeats it; a failed run leaves the stored users as they were; users are marked removed
 * only after every page was read and monday confirms they are gone; users an action wrote after the run
 * began reading are read again, or left as the action wrote them.
 */
export class SyncEngine {
  private readonly runs: SyncRunsRepo;
  private readonly directory: DirectoryRepo;
  private readonly leases: LeaseRepo;
  private readonly staging: SyncStagingRepo;
  private readonly active = new Set<string>();
  private readonly timing: LeaseTiming;

  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
    timing: Partial<LeaseTiming> = {},
  ) {
    this.runs = new SyncRunsRepo(store.db);
    this.directory = new DirectoryRepo(store.db);
    this.leases = new LeaseRepo(store.db);
    this.staging = new SyncStagingRepo(store.db);
    const leaseMs = timing.leaseMs ?? DEFAULT_LEASE_MS;
    this.timing = { leaseMs, heartbeatMs: timing.heartbeatMs ?? Math.max(50, Math.floor(leaseMs / 4)) };
  }

  async run(connectionId: string, api: MondayApi, options: SyncOptions = {}): Promise<SyncResult> {
    if (this.active.has(connectionId)) throw new SyncConflictError(connectionId);
    this.active.add(connectionId);
    try {
      const runId = newId('run');
      const lease = await this.takeLease(connectionId, runId);
      try {
        await this.startRun(connectionId, runId, options.trigger ?? 'manual', lease.previousHolder);
        options.onStarted?.(runId);
        return await this.execute(connectionId, runId, api, lease, options);
      } finally {
        lease.stop();
        await this.leases.release(connectionId, lease.fence).catch(() => {});
      }
    } finally {
      this.active.delete(connectionId);
    }
  }

  private async takeLease(connectionId: string, runId: string): Promise<HeldLease> {
    const { leaseMs, heartbeatMs } = this.timing;
    const taken = await this.leases.acquire({
      connectionId,
      holder: describeHolder(`sync ${runId}`),
      purpose: 'sync',
      runId,
      now: this.now(),
      ttlMs: leaseMs,
    });
    if (!taken.acquired)
      throw new SyncConflictError(connectionId, taken.current.holder, taken.current.expires_at);
    const lease: HeldLease = {
      fence: taken.fence,
      lost: false,
      previousHolder: taken.previous
        ? `${taken.previous.holder}, whose last heartbeat was at ${taken.previous.heartbeat_at}`
        : null,
      stop: () => clearInterval(timer),
    };
    const timer = setInterval(() => {
      this.leases.heartbeat(connectionId, lease.fence, this.now(), leaseMs).then(
        (held) => {
          if (!held) lease.lost = true;
        },
        // A busy database skips one beat; the lease outlasts several.
        () => {},
      );
    }, heartbeatMs);
    timer.unref();
    return lease;
  }

  private async startRun(
    connectionId: string,
    runId: string,
    trigger: string,
    previousHolder: string | null,
  ): Promise<void> {
    const at = this.now().toISOString();
    // Holding the lease, any run still shown as running belongs to a process that stopped.
    const abandoned = await this.runs.abandonRunning(
      connectionId,
      `the process running this sync stopped before it finished${previousHolder ? ` (${previousHolder})` : ''}; run ${runId} took over`,
      at,
    );
    for (const id of abandoned) await this.staging.clear(id);
    await this.runs.insert({
      id: runId,
      connection_id: connectionId,
      trigger,
      status: 'running',
      started_at: at,
      finished_at: null,
      complete: 0,
      pages_read: 0,
      users_seen: 0,
      changes: 0,
      requests: 0,
      retries: 0,
      error_code: null,
      error_message: null,
      error_request_id: null,
      kept_for_actions: 0,
    });
    await this.store.db
      .updateTable('connections')
      .set({ status: 'syncing', status_reason: null })
      .where('id', '=', connectionId)
      .execute();
  }

  private async execute(
    connectionId: string,
    runId: string,
    api: MondayApi,
    lease: HeldLease,
    options: SyncOptions,
  ): Promise<SyncResult> {
    const started = this.now();
    const requestsBefore = api.client.stats.requests;
    const retriesBefore = api.client.stats.retries;
    const seen = new Map<string, IncomingUser>();
    let pagesRead = 0;
    const finish = (outcome: {
      complete: boolean;
      changes: number;
      removed: number;
      keptForActions: number;
      error: SyncResult['error'];
    }): SyncResult => ({
      runId,
      connectionId,
      status: outcome.error ? 'failed' : 'succeeded',
      complete: outcome.complete,
      usersSeen: seen.size,
      changes: outcome.changes,
      removed: outcome.removed,
      keptForActions: outcome.keptForActions,
      requests: api.client.stats.requests - requestsBefore,
      retries: api.client.stats.retries - retriesBefore,
      durationMs: this.now().getTime() - started.getTime(),
      error: outcome.error,
    });
    const stillHeld = () => {
      if (lease.lost) throw new LeaseLostError(connectionId);
    };

    try {
      const readFromSeq = await this.directory.copySeq(connectionId);
      for (let page = 1; ; page++) {
        const users = await api.usersPage(page, PAGE_LIMIT);
        pagesRead++;
        for (const remote of users) seen.set(remote.id, toDirectoryUser(remote));
        options.onProgress?.({ pagesRead, usersSeen: seen.size });
        stillHeld();
        if (isLastPage(users.length)) break;
      }
      const guardSeq = await this.directory.copySeq(connectionId);
      const storedRows = await this.directory.loadAll(connectionId);
      const stored = new Map(storedRows.map((r) => [r.remote_id, r]));
      // Users an action wrote while the pages were read: the pages may predate the action, so ask again.
      const touched = storedRows.filter((r) => Number(r.action_seq) > readFromSeq).map((r) => r.remote_id);
      const gone = new Set(touched);
      for (const remote of await api.usersByIds(touched)) {
        seen.set(remote.id, toDirectoryUser(remote));
        gone.delete(remote.id);
      }
      for (const id of gone) seen.delete(id);
      // Pages can shift while users are added or removed mid-read; ask monday about anyone who seems gone.
      const candidates = storedRows
        .filter((r) => r.removed_at === null && !seen.has(r.remote_id) && !gone.has(r.remote_id))
        .map((r) => r.remote_id);
      const stillThere = await api.usersByIds(candidates);
      for (const remote of stillThere) seen.set(remote.id, toDirectoryUser(remote));
      const removed = [
        ...candidates.filter((id) => !seen.has(id)),
        ...[...gone].filter((id) => stored.get(id)?.removed_at === null),
      ];
      const at = this.now().toISOString();
      const diff = diffUsers(connectionId, runId, stored, seen.values(), at, removed);
      await options.beforeCommit?.();
      stillHeld();
      await this.staging.stage(runId, diff.upserts, diff.events);
      const published = await this.store.db.transaction().execute(async (trx) => {
        await this.leases.fence(trx, connectionId, lease.fence, this.now(), this.timing.leaseMs);
        const { keptForActions } = await this.staging.publish(
          trx,
          runId,
          connectionId,
          guardSeq,
          removed,
          at,
        );
        const result = finish({
          complete: true,
          changes: diff.events.length,
          removed: removed.length,
          keptForActions,
          error: null,
        });
        await this.runs.update(
          runId,
          {
            status: 'succeeded',
            finished_at: at,
            complete: 1,
            pages_read: pagesRead,
            users_seen: seen.size,
            changes: result.changes,
            requests: result.requests,
            retries: result.retries,
            kept_for_actions: keptForActions,
          },
          trx,
        );
        await trx
          .updateTable('connections')
          .set({ status: 'connected', status_reason: null, last_synced_at: at, updated_at: at })
          .where('id', '=', connectionId)
          .execute();
        return result;
      });
      return published;
    } catch (error) {
      const failure = describeFailure(error);
      const result = finish({ complete: false, changes: 0, removed: 0, keptForActions: 0, error: failure });
      const at = this.now().toISOString();
      await this.staging.clear(runId).catch(() => {});
      const recorded = await this.runs.update(runId, {
        status: 'failed',
        finished_at: at,
        complete: 0,
        pages_read: pagesRead,
        users_seen: seen.size,
        changes: 0,
        requests: result.requests,
        retries: result.retries,
        error_code: failure.code,
        error_message: failure.message,
        error_request_id: failure.requestId,
      });
      // A run that lost its lease leaves the connection's status to the run that took over.
      if (recorded && !(error instanceof LeaseLostError)) {
        await this.store.db
          .updateTable('connections')
          .set({ status: 'error', status_reason: `sync failed: ${failure.message}`, updated_at: at })
          .where('id', '=', connectionId)
          .execute();
      }
      return result;
    }
  }
}

/** Page sizes monday applies on its own: 200 is its default, used when it does not take the limit asked for. */
const KNOWN_PAGE_CAPS = new Set([200]);

/**
 * Whether a page ends the read. A short page normally does; but a short page of a size monday caps pages at
 * may be that cap rather than the end, so one more page is read to be sure.
 */
export function isLastPage(rows: number): boolean {
  if (rows === 0) return true;
  return rows < PAGE_LIMIT && !KNOWN_PAGE_CAPS.has(rows);
}

function describeFailure(error: unknown): { code: string; message: string; requestId: string | null } {
  if (error instanceof MondayError) {
    const hint =
      error.code === 'Unauthorized'
        ? ' (the API token was rejected: update it with `seatwise connections update`)'
        : '';
    return { code: error.code, message: `${error.message}${hint}`, requestId: error.requestId };
  }
  if (error instanceof LeaseLostError) return { code: 'lease_lost', message: error.message, requestId: null };
  return { code: 'internal_error', message: (error as Error).message ?? String(error), requestId: null };
}

interface HeldLease {
  fence: number;
  /** Set when a heartbeat found the lease taken over: the run must stop and write nothing. */
  lost: boolean;
  previousHolder: string | null;
  stop(): void;
}
