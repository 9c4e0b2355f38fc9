import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { RemoteUser } from '../monday/mondayApi.ts';
import { readAllPages } from '../monday/pageReader.ts';
import { LeaseLostError } from '../store/leaseRepo.ts';
import { diffUsers } from './diff.ts';
import type { SyncRun } from './syncRun.ts';
import { toDirectoryUser } from './toDirectoryUser.ts';

export const PAGE_LIMIT = 1000;
/** Pages fetched at once while earlier ones are stored (the account's budget caps concurrency too). */
export const READ_AHEAD = 4;
/** How often a running sync records its progress on its run. */
const PROGRESS_WRITE_MS = 1000;

export interface SyncProgress {
  pagesRead: number;
  usersSeen: number;
  /** How many users the last complete sync saw (null on a first sync): the progress bar's total. */
  expectedUsers: number | null;
}

/** What reading every page left staged, and where the copy stood when the read began and ended. */
export interface UsersRead {
  pagesRead: number;
  usersSeen: number;
  /** The copy's action sequence before the first page: actions after it wrote newer answers. */
  readFromSeq: number;
  /** The copy's action sequence after the last page: the publish keeps what actions wrote after it. */
  guardSeq: number;
}

/** Stops a run whose lease another run took over. */
export function stillHeld(run: SyncRun): void {
  if (run.lease.lost) throw new LeaseLostError(run.connectionId);
}

/**
 * Compares users monday returned with their stored rows (looked up by id) and stages what changed. On a copy
 * with nothing stored yet there is nothing to look up.
 */
export async function stageUsers(run: SyncRun, remotes: RemoteUser[], copyEmpty = false): Promise<void> {
  const { repos, connectionId, runId } = run;
  const incoming = remotes.map(toDirectoryUser);
  const ids = incoming.map((u) => u.remoteId);
  const stored = new Map(
    copyEmpty ? [] : (await repos.directory.getMany(connectionId, ids)).map((r) => [r.remote_id, r] as const),
  );
  const diff = diffUsers(connectionId, runId, stored, incoming, run.now().toISOString());
  // Let requests waiting on this process (the server's) in between the page's steps.
  await yieldToEventLoop();
  await repos.staging.stagePage(runId, ids, diff.upserts, diff.events);
}

/**
 * Reads every user of the account (every status, explicit limit and page) and stages each page as it arrives
 * while the next ones are fetched; only a few pages are ever held at once. The read goes on until its end is
 * proven, at a smaller page size if monday applies one.
 */
export async function readUsers(
  run: SyncRun,
  onProgress?: (p: SyncProgress) => void | Promise<void>,
): Promise<UsersRead> {
  const { repos, connectionId, runId, api } = run;
  const readFromSeq = await repos.directory.copySeq(connectionId);
  // Nothing stored yet (a first sync): no page needs looking up. Only this run writes the copy but actions,
  // and what they write is read again when removals are confirmed.
  const copyEmpty = !(await repos.directory.hasAny(connectionId));
  const expectedUsers = await repos.runs.lastUsersSeen(connectionId);
  // Pages certain to exist are read several at once: the last complete count (less a margin for users
  // deleted since), or on a first sync the active members monday reported (every one of them is a user).
  const activeMembers = await repos.directory.activeMembersCount(connectionId);
  const surePages = Math.floor(Math.max((expectedUsers ?? 0) * 0.99, activeMembers ?? 0) / PAGE_LIMIT);
  let pagesRead = 0;
  let usersSeen = 0;
  await onProgress?.({ pagesRead, usersSeen, expectedUsers });
  let progressWrittenAt = Date.now();
  // The run shows how far it got (the web UI's progress), at most once a second. The write does not hold up
  // the read (another process may hold the database's write lock): while one is in flight (`progressWrite`)
  // no other starts, and the read's end waits for it.
  let progressWrite: Promise<void> | null = null;
  try {
    for await (const users of readAllPages((page, limit) => api.usersPage(page, limit), PAGE_LIMIT, {
      expectedRows: surePages * PAGE_LIMIT,
      window: READ_AHEAD,
    })) {
      stillHeld(run);
      pagesRead++;
      await stageUsers(run, users, copyEmpty);
      await yieldToEventLoop();
      usersSeen += users.length;
      await onProgress?.({ pagesRead, usersSeen, expectedUsers });
      if (!progressWrite && Date.now() - progressWrittenAt >= PROGRESS_WRITE_MS) {
        progressWrittenAt = Date.now();
        progressWrite = repos.runs
          .update(runId, { pages_read: pagesRead, users_seen: usersSeen })
          .then(
            () => {},
            () => {},
          )
          .finally(() => {
            progressWrite = null;
          });
      }
    }
  } finally {
    await progressWrite;
  }
  const guardSeq = await repos.directory.copySeq(connectionId);
  return { pagesRead, usersSeen, readFromSeq, guardSeq };
}
