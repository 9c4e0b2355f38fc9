import { newId } from '../domain/ids.ts';
import type { MondayApi, RemoteUser } from '../monday/mondayApi.ts';
import { MondayError } from '../monday/mondayError.ts';
import type { Store } from '../store/database.ts';
import { DirectoryRepo } from '../store/directoryRepo.ts';
import { SyncRunsRepo } from '../store/syncRunsRepo.ts';
import { diffUsers, type IncomingUser } from './diff.ts';
import { toDirectoryUser } from './toDirectoryUser.ts';

export const PAGE_LIMIT = 1000;
/** A run still marked running after this long was left by a process that died. */
const STALE_RUN_MS = 30 * 60_000;

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
  requests: number;
  retries: number;
  durationMs: number;
  error: { code: string; message: string } | null;
}

export interface SyncOptions {
  trigger?: string;
  onProgress?: (p: SyncProgress) => void;
  /** Called once the run is recorded, before any page is read. */
  onStarted?: (runId: string) => void;
}

export class SyncConflictError extends Error {
  constructor(readonly connectionId: string) {
    super(`a sync of connection ${connectionId} is already running`);
  }
}

/**
 * Reads every user of one account (every status, explicit limit and page), diffs against the stored copy and
 * commits users, change events and the run in one transaction. A failed run leaves the stored users as they
 * were; users are marked removed only after every page was read and monday confirms they are gone.
 */
export class SyncEngine {
  private readonly runs: SyncRunsRepo;
  private readonly directory: DirectoryRepo;
  private readonly active = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.runs = new SyncRunsRepo(store.db);
    this.directory = new DirectoryRepo(store.db);
  }

  async run(connectionId: string, api: MondayApi, options: SyncOptions = {}): Promise<SyncResult> {
    if (this.active.has(connectionId)) throw new SyncConflictError(connectionId);
    this.active.add(connectionId);
    try {
      const runId = await this.startRun(connectionId, options.trigger ?? 'manual');
      options.onStarted?.(runId);
      return await this.execute(connectionId, runId, api, options.onProgress);
    } finally {
      this.active.delete(connectionId);
    }
  }

  private async startRun(connectionId: string, trigger: string): Promise<string> {
    const running = await this.runs.running(connectionId);
    if (running) {
      if (this.now().getTime() - Date.parse(running.started_at) < STALE_RUN_MS)
        throw new SyncConflictError(connectionId);
      await this.runs.update(running.id, {
        status: 'failed',
        finished_at: this.now().toISOString(),
        error_code: 'abandoned',
        error_message: 'the process running this sync stopped before it finished',
      });
    }
    const runId = newId('run');
    try {
      await this.runs.insert({
        id: runId,
        connection_id: connectionId,
        trigger,
        status: 'running',
        started_at: this.now().toISOString(),
        finished_at: null,
        complete: 0,
        pages_read: 0,
        users_seen: 0,
        changes: 0,
        requests: 0,
        retries: 0,
        error_code: null,
        error_message: null,
      });
    } catch {
      // The unique "one running run" index refused it: another process started a sync meanwhile.
      throw new SyncConflictError(connectionId);
    }
    await this.store.db
      .updateTable('connections')
      .set({ status: 'syncing', status_reason: null })
      .where('id', '=', connectionId)
      .execute();
    return runId;
  }

  private async execute(
    connectionId: string,
    runId: string,
    api: MondayApi,
    onProgress?: (p: SyncProgress) => void,
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
      error: SyncResult['error'];
    }): SyncResult => ({
      runId,
      connectionId,
      status: outcome.error ? 'failed' : 'succeeded',
      complete: outcome.complete,
      usersSeen: seen.size,
      changes: outcome.changes,
      removed: outcome.removed,
      requests: api.client.stats.requests - requestsBefore,
      retries: api.client.stats.retries - retriesBefore,
      durationMs: this.now().getTime() - started.getTime(),
      error: outcome.error,
    });

    try {
      for (let page = 1; ; page++) {
        const users = await api.usersPage(page, PAGE_LIMIT);
        pagesRead++;
        for (const remote of users) seen.set(remote.id, toDirectoryUser(remote));
        onProgress?.({ pagesRead, usersSeen: seen.size });
        if (users.length < PAGE_LIMIT) break;
      }
      const storedRows = await this.directory.loadAll(connectionId);
      const stored = new Map(storedRows.map((r) => [r.remote_id, r]));
      // Pages can shift while users are added or removed mid-read; ask monday about anyone who seems gone.
      const candidates = storedRows
        .filter((r) => r.removed_at === null && !seen.has(r.remote_id))
        .map((r) => r.remote_id);
      const stillThere = await this.confirmExisting(api, candidates);
      for (const remote of stillThere) seen.set(remote.id, toDirectoryUser(remote));
      const removed = candidates.filter((id) => !seen.has(id));
      const at = this.now().toISOString();
      const diff = diffUsers(connectionId, runId, stored, seen.values(), at, removed);
      const result = finish({
        complete: true,
        changes: diff.events.length,
        removed: removed.length,
        error: null,
      });
      await this.store.db.transaction().execute(async (trx) => {
        await this.directory.upsert(trx, diff.upserts);
        await this.directory.markRemoved(trx, connectionId, removed, at);
        await this.directory.insertEvents(trx, diff.events);
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
          },
          trx,
        );
        await trx
          .updateTable('connections')
          .set({ status: 'connected', status_reason: null, last_synced_at: at, updated_at: at })
          .where('id', '=', connectionId)
          .execute();
      });
      return result;
    } catch (error) {
      const failure = describeFailure(error);
      const result = finish({ complete: false, changes: 0, removed: 0, error: failure });
      const at = this.now().toISOString();
      await this.runs.update(runId, {
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
      });
      await this.store.db
        .updateTable('connections')
        .set({ status: 'error', status_reason: `sync failed: ${failure.message}`, updated_at: at })
        .where('id', '=', connectionId)
        .execute();
      return result;
    }
  }

  private async confirmExisting(api: MondayApi, ids: string[]): Promise<RemoteUser[]> {
    const found: RemoteUser[] = [];
    for (let i = 0; i < ids.length; i += PAGE_LIMIT) {
      const chunk = ids.slice(i, i + PAGE_LIMIT);
      found.push(...(await api.usersByIds(chunk)));
    }
    return found;
  }
}

function describeFailure(error: unknown): { code: string; message: string } {
  if (error instanceof MondayError) {
    const hint =
      error.code === 'Unauthorized'
        ? ' (the API token was rejected: update it with `seatwise connections update`)'
        : '';
    return { code: error.code, message: `${error.message}${hint}` };
  }
  return { code: 'internal_error', message: (error as Error).message ?? String(error) };
}
