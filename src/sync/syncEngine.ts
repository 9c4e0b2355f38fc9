import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Insertable } from 'kysely';
import { newId } from '../domain/ids.ts';
import { mustHoldRemovals } from '../domain/removals.ts';
import type { MondayApi, RemoteUser } from '../monday/mondayApi.ts';
import { MondayError } from '../monday/mondayError.ts';
import { readAllPages } from '../monday/pageReader.ts';
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
import { diffUsers } from './diff.ts';
import { readTeams } from './readTeams.ts';
import { diffTeams } from './teamsDiff.ts';
import { toDirectoryUser } from './toDirectoryUser.ts';

export const PAGE_LIMIT = 1000;
/** How often a running sync records its progress on its run. */
const PROGRESS_WRITE_MS = 1000;
/** Pages fetched at once while earlier ones are stored (the account's budget caps concurrency too). */
export const READ_AHEAD = 4;
/** A sync that has not heartbeaten for this long is taken for dead, and the next one may take over. */
export const DEFAULT_LEASE_MS = 60_000;

export interface SyncProgress {
  pagesRead: number;
  usersSeen: number;
  /** How many users the last complete sync saw (null on a first sync): the progress bar's total. */
  expectedUsers: number | null;
}

export interface SyncResult {
  runId: string;
  connectionId: string;
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
  error: { code: string; message: string; requestId: string | null } | null;
  /** What went wrong after the sync itself finished (policies, notifications); the sync's outcome stands. */
  followUpErrors?: string[];
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
  private readonly runs: SyncRunsRepo;
  private readonly directory: DirectoryRepo;
  private readonly leases: LeaseRepo;
  private readonly staging: SyncStagingRepo;
  private readonly held: HeldRemovalsRepo;
  private readonly connections: ConnectionsRepo;
  private readonly teams: TeamsRepo;
  private readonly active = new Set<string>();
  private readonly timing: LeaseTiming;

  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
    timing: Partial<LeaseTiming> = {},
  ) {
    this.runs = new SyncRunsRepo(store.db);
    this.directory = new DirectoryRepo(store.db, store.dialect);
    this.leases = new LeaseRepo(store.db);
    this.staging = new SyncStagingRepo(store.db, store.dialect);
    this.held = new HeldRemovalsRepo(store.db);
    this.connections = new ConnectionsRepo(store.db);
    this.teams = new TeamsRepo(store.db);
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
      beating = this.leases.heartbeat(connectionId, lease.fence, this.now(), leaseMs).then(
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
    await this.staging.clearLeftovers();
    await this.runs.insert(newRun({ id: runId, connectionId, trigger, at }));
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
      error: outcome.error,
    });
    const stillHeld = () => {
      if (lease.lost) throw new LeaseLostError(connectionId);
    };
    // Compares users monday returned with their stored rows (looked up by id) and stages what changed.
    let copyEmpty = false;
    const stage = async (remotes: RemoteUser[]) => {
      const incoming = remotes.map(toDirectoryUser);
      const ids = incoming.map((u) => u.remoteId);
      const stored = new Map(
        copyEmpty
          ? []
          : (await this.directory.getMany(connectionId, ids)).map((r) => [r.remote_id, r] as const),
      );
      const diff = diffUsers(connectionId, runId, stored, incoming, this.now().toISOString());
      // Let requests waiting on this process (the server's) in between the page's steps.
      await yieldToEventLoop();
      await this.staging.stagePage(runId, ids, diff.upserts, diff.events);
    };

    try {
      const readFromSeq = await this.directory.copySeq(connectionId);
      // Nothing stored yet (a first sync): no page needs looking up. Only this run writes the copy but actions,
      // and what they write is read again below.
      copyEmpty = !(await this.directory.hasAny(connectionId));
      const expectedUsers = await this.runs.lastUsersSeen(connectionId);
      // Pages certain to exist are read several at once: the last complete count (less a margin for users
      // deleted since), or on a first sync the active members monday reported (every one of them is a user).
      const activeMembers = await this.directory.activeMembersCount(connectionId);
      const surePages = Math.floor(Math.max((expectedUsers ?? 0) * 0.99, activeMembers ?? 0) / PAGE_LIMIT);
      options.onProgress?.({ pagesRead, usersSeen, expectedUsers });
      let progressWrittenAt = Date.now();
      // Pages are stored as they arrive while the next ones are fetched; only a few are ever held at once. The
      // read goes on until its end is proven, at a smaller page size if monday applies one.
      for await (const users of readAllPages((page, limit) => api.usersPage(page, limit), PAGE_LIMIT, {
        expectedRows: surePages * PAGE_LIMIT,
        window: READ_AHEAD,
      })) {
        stillHeld();
        pagesRead++;
        await stage(users);
        await yieldToEventLoop();
        usersSeen += users.length;
        await options.onProgress?.({ pagesRead, usersSeen, expectedUsers });
        // The run shows how far it got (the web UI's progress), at most once a second.
        if (Date.now() - progressWrittenAt >= PROGRESS_WRITE_MS) {
          progressWrittenAt = Date.now();
          await this.runs.update(runId, { pages_read: pagesRead, users_seen: usersSeen });
        }
      }
      const guardSeq = await this.directory.copySeq(connectionId);
      copyEmpty = false;
      // Users an action wrote while the pages were read: the pages may predate the action, so ask again.
      const touched = await this.directory.writtenByActionsSince(connectionId, readFromSeq);
      if (touched.length > 0) {
        await this.staging.unstage(runId, touched);
        await stage(await api.usersByIds(touched));
      }
      // Pages can shift while users are added or removed mid-read; ask monday about anyone who seems gone.
      const candidates = await this.staging.unseen(runId, connectionId);
      const stillThere = await api.usersByIds(candidates);
      if (stillThere.length > 0) await stage(stillThere);
      const found = new Set(stillThere.map((u) => u.id));
      const gone = candidates.filter((id) => !found.has(id));
      // Many people gone at once is more often a bent answer than a real departure: hold them for an admin,
      // except those an admin already confirmed.
      const confirmed = options.confirmRemovals ? await this.held.ids(connectionId) : new Set<string>();
      const unconfirmed = gone.filter((id) => !confirmed.has(id));
      const holding =
        unconfirmed.length > 0 &&
        mustHoldRemovals(
          unconfirmed.length,
          (await this.connections.userCounts(connectionId)).get(connectionId) ?? 0,
          await this.connections.removalHold(connectionId),
        );
      const removed = holding ? gone.filter((id) => confirmed.has(id)) : gone;
      const heldIds = holding ? unconfirmed : [];
      const at = this.now().toISOString();
      if (removed.length > 0) {
        const rows = await this.directory.getMany(connectionId, removed);
        const stored = new Map(rows.map((r) => [r.remote_id, r] as const));
        const { events } = diffUsers(connectionId, runId, stored, [], at, removed);
        await this.staging.stagePage(runId, [], [], events);
      }
      // Teams are read after the users, so a membership never names a user the run has not seen.
      const teamsFrom = api.client.stats.requests;
      const teamsRead = await readTeams(
        api,
        options.scim ?? null,
        await this.teams.load(connectionId),
        removed,
      );
      teamRequests = api.client.stats.requests - teamsFrom;
      const counts = await this.staging.counts(runId);
      usersSeen = counts.seen;
      await options.beforeCommit?.();
      stillHeld();
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
        await this.held.replace(trx, connectionId, runId, heldIds, at);
        // Links of users an action wrote since the read began stay as the action wrote them.
        const writtenByActions = new Set(
          (
            await trx
              .selectFrom('directory_users')
              .select('remote_id')
              .where('connection_id', '=', connectionId)
              .where('action_seq', '>', guardSeq)
              .where('action_seq', '>', 0)
              .execute()
          ).map((r) => r.remote_id),
        );
        const teamChange = diffTeams(
          connectionId,
          runId,
          await this.teams.load(connectionId, trx),
          { ...teamsRead, writtenByActions },
          at,
        );
        await this.teams.apply(trx, connectionId, teamChange, at);
        const result = finish({
          complete: true,
          changes: counts.events + teamChange.events.length,
          removed: removed.length,
          removalsHeld: heldIds.length,
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
            users_seen: usersSeen,
            changes: result.changes,
            requests: result.requests,
            retries: result.retries,
            kept_for_actions: keptForActions,
            removals_held: heldIds.length,
          },
          trx,
        );
        const reason =
          heldIds.length > 0
            ? `${heldIds.length} removals held for review: monday no longer shows them, confirm to remove them from the copy`
            : null;
        await trx
          .updateTable('connections')
          .set({ status: 'connected', status_reason: reason, last_synced_at: at, updated_at: at })
          .where('id', '=', connectionId)
          .execute();
        return result;
      });
      // The copy is published: scratch is dropped after the answer (drain() waits for it on shutdown).
      this.afterwards(this.staging.clear(runId));
      return published;
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
      await this.staging.clear(runId).catch(() => {});
      const recorded = await this.runs.update(runId, {
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

interface HeldLease {
  fence: number;
  /** Set when a heartbeat found the lease taken over: the run must stop and write nothing. */
  lost: boolean;
  previousHolder: string | null;
  /** Stops heartbeating, once any beat in flight has landed. */
  stop(): Promise<void>;
}
