import { mustHoldRemovals } from '../domain/removals.ts';
import { diffUsers } from './diff.ts';
import { stageUsers, type UsersRead } from './readUsers.ts';
import type { SyncRun } from './syncRun.ts';

/** Who leaves the copy: users monday confirmed gone, less those held for an admin. */
export interface Removals {
  removed: string[];
  /** Confirmed gone but too many at once: kept until an admin confirms. */
  heldIds: string[];
}

/**
 * After every page was read: users an action wrote during the read are asked about again (the pages may predate
 * the action), and every stored user the pages did not show is asked about by id, since pages shift while users
 * are added or removed mid-read. Only those monday does not return are gone; many gone at once is more often a
 * bent answer than a real departure, so they are held for an admin unless one already confirmed them.
 */
export async function confirmRemovals(
  run: SyncRun,
  read: UsersRead,
  confirmHeld: boolean,
  /** When the removals happen: their change events and the publish carry the same instant. */
  at: string,
): Promise<Removals> {
  const { repos, connectionId, runId, api } = run;
  const touched = await repos.directory.writtenByActionsSince(connectionId, read.readFromSeq);
  if (touched.length > 0) {
    await repos.staging.unstage(runId, touched);
    await stageUsers(run, await api.usersByIds(touched));
  }
  const candidates = await repos.staging.unseen(runId, connectionId);
  const stillThere = await api.usersByIds(candidates);
  if (stillThere.length > 0) await stageUsers(run, stillThere);
  const found = new Set(stillThere.map((u) => u.id));
  const gone = candidates.filter((id) => !found.has(id));
  const confirmed = confirmHeld ? await repos.held.ids(connectionId) : new Set<string>();
  const unconfirmed = gone.filter((id) => !confirmed.has(id));
  const holding =
    unconfirmed.length > 0 &&
    mustHoldRemovals(
      unconfirmed.length,
      (await repos.connections.userCounts(connectionId)).get(connectionId) ?? 0,
      await repos.connections.removalHold(connectionId),
    );
  const removed = holding ? gone.filter((id) => confirmed.has(id)) : gone;
  if (removed.length > 0) {
    const rows = await repos.directory.getMany(connectionId, removed);
    const stored = new Map(rows.map((r) => [r.remote_id, r] as const));
    const { events } = diffUsers(connectionId, runId, stored, [], at, removed);
    await repos.staging.stagePage(runId, [], [], events);
  }
  return { removed, heldIds: holding ? unconfirmed : [] };
}
