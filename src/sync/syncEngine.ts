import type { Insertable } from 'kysely';
import { newId } from '../domain/ids.ts';
import type { MondayApi } from '../monday/mondayApi.ts';
import { MondayError } from '../monday/mondayError.ts';
import type { ScimClient } from '../monday/scimClient.ts';
import { ConnectionsRepo } from '../store/connectionsRepo.ts';
import type { Store } from '../store/database.ts';
import { DirectoryRepo } from '../store/directoryRepo.ts';
import { HeldRemovalsRepo } from '../store/heldRemovalsRepo.ts';
import { describeHolder, LeaseLostError, LeaseRepo } from '../store/leaseRepo.ts';
import type { SyncRunsTable } from '../store/schema.ts';
import { SyncRunsRepo } from '../store/syncRunsRepo.ts';
import { SyncStagingRepo } from '../store/syncStagingRepo.ts';
import { TeamsRepo } from '../store/teamsRepo.ts';
import { confirmRemovals } from './confirmRemovals.ts';
import { publishRun } from './publishRun.ts';
import { readTeams } from './readTeams.ts';
import { readUsers, type SyncProgress, stillHeld } from './readUsers.ts';
import type { HeldLease, SyncRepos, SyncRun } from './syncRun.ts';

export { PAGE_LIMIT, READ_AHEAD, type SyncProgress } from './readUsers.ts';
/** A sync that has not heartbeaten for this long is taken for dead, and the next one may take over. */
export const DEFAULT_LEASE_MS = 60_000;

export interface SyncResult {
  runId: string;
  connectionId: string;
  /** What started it (manual, api, job, schedule, …), as the run records it. */
  trigger?: string;
  status: 'succeeded' | 'failed';
  complete: boolean;
  usersSeen: number;
  changes: number;
  removed: number;
  /** Users monday confirmed gone whom this run did not remove: too many at once, held until an admin confirms. */
  removalsHeld: number;
  /** Users left as an action wrote them after this run began reading (the action's answer is newer). */
  keptForActions: number;
  requests: number;
  /** Of the requests, those that read the account's teams (after its users). */
  teamRequests: number;
  retries: number;
  durationMs: number;
  /** Where the time went: reading and staging the users, confirming removals, reading the teams, publishing. */
  phases: SyncPhases;
  error: { code: string; message: string; requestId: string | null } | null;
  /** What went wrong after the sync itself finished (policies, notifications); the sync's outcome stands. */
  followUpErrors?: string[];
}

export interface SyncPhases {
  readMs: number;
  confirmMs: number;
  teamsMs: number;
  publishMs: number;
}

export interface SyncOptions {
  trigger?: string;
  /** Called after each page is staged; a returned promise is awaited (lets tests look at staging). */
  onProgress?: (p: SyncProgress) => void | Promise<void>;
  /** Called once the run is recorded, before any page is read. */
  onStarted?: (runId: string) => void;
  /** Awaited once the changes are worked out and before anything is written (lets tests interleave). */
  beforeCommit?: () => Promise<void>;
  /** An admin confirmed the removals the connection's last run held: this run applies those still gone. */
  confirmRemovals?: boolean;
  /** The connection's SCIM client, when it has a token: it tells which teams an identity provider manages. */
  scim?: ScimClient | null;
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
    purpose = 'sync',
  ) {
    super(
      !holder
        ? `a sync of connection ${connectionId} is already running in this process`
        : purpose === 'sync'
          ? `a sync of connection ${connectionId} is already running: ${holder} holds the connection until ${until} and keeps extending it while it works; if that process has stopped, the next sync can start after then`
          : `connection ${connectionId} is busy with an ${purpose}: ${holder} holds it until ${until} and keeps extending it while it works; the sync can start once it is done`,
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
  private readonly repos: SyncRepos;
  private readonly active = new Set<string>();
  private readonly timing: LeaseTiming;

  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
    timing: Partial<LeaseTiming> = {},
  ) {
    this.repos = {
      runs: new SyncRunsRepo(store.db),
      directory: new DirectoryRepo(store.db, store.dialect),
      leases: new LeaseRepo(store.db),
      staging: new SyncStagingRepo(store.db, store.dialect, store.sqlite),
      held: new HeldRemovalsRepo(store.db),
      connections: new ConnectionsRepo(store.db, store.dialect),
      teams: new TeamsRepo(store.db, store.sqlite),
    };
    const leaseMs = timing.leaseMs ?? DEFAULT_LEASE_MS;
    this.timing = { leaseMs, heartbeatMs: timing.heartbeatMs ?? Math.max(50, Math.floor(leaseMs / 4)) };
  }

  private readonly pending = new Set<Promise<unknown>>();

  private afterwards(work: Promise<unknown>): void {
    const tracked = work.catch(() => {});
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Waits for clean-up still running after syncs answered. */
  async drain(): Promise<void> {
    await Promise.all([...this.pending]);
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
        await lease.stop();
        await this.repos.leases.release(connectionId, lease.fence).catch(() => {});
      }
    } finally {
      this.active.delete(connectionId);
    }
  }

  private async takeLease(connectionId: string, runId: string): Promise<HeldLease> {
    const { leaseMs, heartbeatMs } = this.timing;
    const taken = await this.repos.leases.acquire({
      connectionId,
      holder: describeHolder(`sync ${runId}`),
      purpose: 'sync',
      runId,
      now: this.now(),
      ttlMs: leaseMs,
    });
    if (!taken.acquired)
      throw new SyncConflictError(
        connectionId,
        taken.current.holder,
        taken.current.expires_at,
        taken.current.purpose,
      );
    const lease: HeldLease = {
      fence: taken.fence,
      lost: false,
      previousHolder: taken.previous
        ? `${taken.previous.holder}, whose last heartbeat was at ${taken.previous.heartbeat_at}`
        : null,
      // A beat still in flight could land after the release and hold the lease again: it is waited for.
      stop: async () => {
        clearInterval(timer);
        await beating;
      },
    };
    let beating: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      beating = this.repos.leases.heartbeat(connectionId, lease.fence, this.now(), leaseMs).then(
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
    const abandoned = await this.repos.runs.abandonRunning(
      connectionId,
      `the process running this sync stopped before it finished${previousHolder ? ` (${previousHolder})` : ''}; run ${runId} took over`,
      at,
    );
    for (const id of abandoned) await this.repos.staging.clear(id);
    await this.repos.staging.clearLeftovers();
    await this.repos.runs.insert(newRun({ id: runId, connectionId, trigger, at }));
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
    let pagesRead = 0;
    let usersSeen = 0;
    let teamRequests = 0;
    const phases: SyncPhases = { readMs: 0, confirmMs: 0, teamsMs: 0, publishMs: 0 };
    let phaseStarted = performance.now();
    const phaseEnds = (name: keyof SyncPhases) => {
      const at = performance.now();
      phases[name] = Math.round(at - phaseStarted);
      phaseStarted = at;
    };
    const finish = (outcome: {
      complete: boolean;
      changes: number;
      removed: number;
      removalsHeld: number;
      keptForActions: number;
      error: SyncResult['error'];
    }): SyncResult => ({
      runId,
      connectionId,
      status: outcome.error ? 'failed' : 'succeeded',
      complete: outcome.complete,
      usersSeen,
      changes: outcome.changes,
      removed: outcome.removed,
      removalsHeld: outcome.removalsHeld,
      keptForActions: outcome.keptForActions,
      requests: api.client.stats.requests - requestsBefore,
      teamRequests,
      retries: api.client.stats.retries - retriesBefore,
      durationMs: this.now().getTime() - started.getTime(),
      phases: { ...phases },
      error: outcome.error,
    });
    const run: SyncRun = {
      store: this.store,
      repos: this.repos,
      connectionId,
      runId,
      api,
      lease,
      leaseMs: this.timing.leaseMs,
      now: this.now,
    };
    try {
      const read = await readUsers(run, async (p) => {
        pagesRead = p.pagesRead;
        usersSeen = p.usersSeen;
        await options.onProgress?.(p);
      });
      phaseEnds('readMs');
      const at = this.now().toISOString();
      const removals = await confirmRemovals(run, read, options.confirmRemovals ?? false, at);
      phaseEnds('confirmMs');
      // Teams are read after the users, so a membership never names a user the run has not seen.
      const teamsFrom = api.client.stats.requests;
      const teamsRead = await readTeams(
        api,
        options.scim ?? null,
        await this.repos.teams.load(connectionId),
        removals.removed,
      );
      teamRequests = api.client.stats.requests - teamsFrom;
      const counts = await this.repos.staging.counts(runId);
      usersSeen = counts.seen;
      phaseEnds('teamsMs');
      await options.beforeCommit?.();
      stillHeld(run);
      phaseStarted = performance.now();
      const { changes, keptForActions } = await publishRun(run, {
        guardSeq: read.guardSeq,
        removals,
        teamsRead,
        stagedEvents: counts.events,
        at,
        runRow: {
          status: 'succeeded',
          finished_at: at,
          complete: 1,
          pages_read: pagesRead,
          users_seen: usersSeen,
          requests: api.client.stats.requests - requestsBefore,
          retries: api.client.stats.retries - retriesBefore,
          removals_held: removals.heldIds.length,
        },
      });
      phaseEnds('publishMs');
      // The copy is published: scratch is dropped after the answer (drain() waits for it on shutdown).
      this.afterwards(this.repos.staging.clear(runId));
      return finish({
        complete: true,
        changes,
        removed: removals.removed.length,
        removalsHeld: removals.heldIds.length,
        keptForActions,
        error: null,
      });
    } catch (error) {
      const failure = describeFailure(error);
      const result = finish({
        complete: false,
        changes: 0,
        removed: 0,
        removalsHeld: 0,
        keptForActions: 0,
        error: failure,
      });
      const at = this.now().toISOString();
      await this.repos.staging.clear(runId).catch(() => {});
      const recorded = await this.repos.runs.update(runId, {
        status: 'failed',
        finished_at: at,
        complete: 0,
        pages_read: pagesRead,
        users_seen: usersSeen,
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

/** A run as it starts: running, nothing read yet. */
function newRun(input: {
  id: string;
  connectionId: string;
  trigger: string;
  at: string;
}): Insertable<SyncRunsTable> {
  return {
    id: input.id,
    connection_id: input.connectionId,
    trigger: input.trigger,
    status: 'running',
    started_at: input.at,
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
    removals_held: 0,
  };
}

/**
 * Records a sync that was refused before it could start (the connection's endpoint is not allowed, its token
 * cannot be read): a failed run in history with the reason, and the connection no longer shown as connected.
 * A sync another process is running keeps the connection's status.
 */
export async function recordRefusedSync(
  store: Store,
  runs: SyncRunsRepo,
  input: { connectionId: string; trigger: string; code: string; message: string; at: string },
): Promise<string> {
  const runId = newId('run');
  await runs.insert({
    ...newRun({ id: runId, connectionId: input.connectionId, trigger: input.trigger, at: input.at }),
    status: 'failed',
    finished_at: input.at,
    error_code: input.code,
    error_message: input.message,
  });
  await store.db
    .updateTable('connections')
    .set({ status: 'error', status_reason: `sync refused: ${input.message}`, updated_at: input.at })
    .where('id', '=', input.connectionId)
    .where('status', '!=', 'syncing')
    .execute();
  return runId;
}

function describeFailure(error: unknown): { code: string; message: string; requestId: string | null } {
  if (error instanceof MondayError) {
    const hint =
      error.code === 'Unauthorized' ? ' (the API token was rejected: give the connection a new token)' : '';
    return { code: error.code, message: `${error.message}${hint}`, requestId: error.requestId };
  }
  if (error instanceof LeaseLostError) return { code: 'lease_lost', message: error.message, requestId: null };
  return { code: 'internal_error', message: (error as Error).message ?? String(error), requestId: null };
}
