import type { SyncRunsTable } from '../store/schema.ts';
import type { Removals } from './confirmRemovals.ts';
import type { SyncRun } from './syncRun.ts';
import type { TeamsEvidence } from './teamsDiff.ts';
import { diffTeams } from './teamsDiff.ts';

export interface Published {
  changes: number;
  keptForActions: number;
}

/**
 * Publishes a run in one transaction fenced by the run's lease: the staged users, events and removals (except
 * users an action wrote after `guardSeq`, whose newer answer stays), the held removals, the teams, the run's
 * outcome and the connection's status. Either all of it lands or none of it.
 */
export async function publishRun(
  run: SyncRun,
  input: {
    guardSeq: number;
    removals: Removals;
    teamsRead: Omit<TeamsEvidence, 'writtenByActions'>;
    stagedEvents: number;
    at: string;
    /** The run's row as it ends; the publish adds the changes and the users kept for actions. */
    runRow: Omit<Partial<SyncRunsTable>, 'changes' | 'kept_for_actions'>;
  },
): Promise<Published> {
  const { store, repos, connectionId, runId, lease } = run;
  const { guardSeq, removals, at } = input;
  return store.db.transaction().execute(async (trx) => {
    await repos.leases.fence(trx, connectionId, lease.fence, run.now(), run.leaseMs);
    await repos.staging.lockCopy(trx, connectionId);
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
      await repos.teams.load(connectionId, trx),
      { ...input.teamsRead, writtenByActions },
      at,
    );
    const indexes = await repos.staging.setIndexesAside(trx, runId, teamChange.events.length);
    const { keptForActions } = await repos.staging.publish(
      trx,
      runId,
      connectionId,
      guardSeq,
      removals.removed,
      at,
    );
    await repos.held.replace(trx, connectionId, runId, removals.heldIds, at);
    await repos.teams.apply(trx, connectionId, teamChange, at);
    await indexes.rebuild();
    const published = { changes: input.stagedEvents + teamChange.events.length, keptForActions };
    await repos.runs.update(
      runId,
      { ...input.runRow, changes: published.changes, kept_for_actions: published.keptForActions },
      trx,
    );
    const held = removals.heldIds.length;
    const reason =
      held > 0
        ? `${held} removals held for review: monday no longer shows them, confirm to remove them from the copy`
        : null;
    await trx
      .updateTable('connections')
      .set({ status: 'connected', status_reason: reason, last_synced_at: at, updated_at: at })
      .where('id', '=', connectionId)
      .execute();
    return published;
  });
}
