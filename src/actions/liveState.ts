import type { Drift } from '../domain/actionResult.ts';
import type { Status, StoredRole } from '../domain/directory.ts';
import type { GraphqlClient } from '../monday/graphqlClient.ts';
import { MondayApi, type RemoteUser } from '../monday/mondayApi.ts';
import { toDirectoryUser } from '../sync/toDirectoryUser.ts';
import type { ActionRequest } from './actionInput.ts';
import { type KnownUser, type PlanItem, planTarget, type UserChangeRequest } from './actionPlan.ts';
import type { ResultItem } from './executors.ts';

/** The users among `ids` as monday reports them now, by id. */
async function liveUsers(client: GraphqlClient, ids: string[]): Promise<Map<string, RemoteUser>> {
  const users = await new MondayApi(client).usersByIds([...new Set(ids)]);
  return new Map(users.map((u) => [u.id, u]));
}

/** A user as monday reports it now, with the facts planning needs. */
export function known(remote: RemoteUser): KnownUser {
  const user = toDirectoryUser(remote);
  return {
    id: user.remoteId,
    email: user.email,
    name: user.name,
    role: user.role,
    status: user.status,
    scimLinked: user.scimLinked,
  };
}

/**
 * Check-then-act: plans each user target again from monday's current state, so a user an earlier
 * (interrupted) attempt already changed is reported as already there, and nothing is done twice.
 */
export async function replanFromMonday(
  client: GraphqlClient,
  request: UserChangeRequest,
  items: PlanItem[],
  tokenOwnerId: string,
): Promise<{ items: PlanItem[]; live: RemoteUser[] }> {
  const live = await liveUsers(
    client,
    items.flatMap((i) => (i.userId ? [i.userId] : [])),
  );
  const replanned = items.map((item): PlanItem => {
    if (!item.userId) return item;
    const remote = live.get(item.userId);
    if (!remote)
      return {
        ...item,
        outcome: 'fail',
        code: 'USER_NOT_FOUND',
        reason: 'no longer exists in monday (sync to refresh the copy)',
      };
    const user = known(remote);
    const planned = planTarget(request, item.target, user, user.id === tokenOwnerId);
    return planned.outcome === 'noop' && item.outcome === 'change'
      ? { ...planned, reason: `${planned.reason} in monday (the synced copy was behind)` }
      : planned;
  });
  return { items: replanned, live: [...live.values()] };
}

/**
 * Check-then-act for invitations: an email monday already has (an earlier, interrupted attempt may have
 * invited it) is reported as already in the account, and not invited again.
 */
export async function replanInvitesFromMonday(
  client: GraphqlClient,
  items: PlanItem[],
): Promise<{ items: PlanItem[]; live: RemoteUser[] }> {
  const emails = items.filter((i) => i.outcome === 'change').map((i) => i.email);
  const live = await new MondayApi(client).usersByEmails(emails);
  const byEmail = new Map(live.map((u) => [u.email.toLowerCase(), known(u)]));
  const replanned = items.map((item): PlanItem => {
    const user = item.outcome === 'change' ? byEmail.get(item.email) : undefined;
    if (!user) return item;
    return {
      ...item,
      userId: user.id,
      name: user.name,
      before: { role: user.role, status: user.status },
      outcome: 'noop',
      code: 'already_member',
      reason: `already in the account in monday (${user.status}; the synced copy was behind)`,
    };
  });
  return { items: replanned, live };
}

/** A target that is not (or no longer) in the state the action put it in, as monday reports it now. */
export type { Drift } from '../domain/actionResult.ts';

/** Whether each target an earlier execution reported as done is still in the action's target state. */
export async function checkTargetState(
  client: GraphqlClient,
  request: ActionRequest,
  results: ResultItem[],
): Promise<Drift[]> {
  const done = results.filter((r) => r.outcome !== 'failed' && r.userId);
  const live = await liveUsers(
    client,
    done.map((r) => r.userId!),
  );
  const drifted: Drift[] = [];
  for (const result of done) {
    const remote = live.get(result.userId!);
    if (!remote) {
      drifted.push({ target: result.target, userId: result.userId!, now: 'no longer exists in monday' });
      continue;
    }
    const { role, status } = toDirectoryUser(remote);
    const problem = missesTarget(request, role, status);
    if (problem) drifted.push({ target: result.target, userId: result.userId!, now: problem });
  }
  return drifted;
}

function missesTarget(request: ActionRequest, role: StoredRole, status: Status): string | null {
  switch (request.action) {
    case 'deactivate':
      return status === 'deactivated' ? null : `is ${status} in monday, not deactivated`;
    case 'reactivate':
      return status === 'active' ? null : `is ${status} in monday, not active`;
    case 'set_role':
      return role === request.role ? null : `is ${role} in monday, not ${request.role}`;
    case 'create':
      return status === 'active' ? null : `is ${status} in monday, not active`;
    case 'invite':
      return status === 'deactivated' ? 'is deactivated in monday' : null;
    case 'add_to_team':
    case 'remove_from_team':
      // Judged by the user's teams (checkTeamState), not by role or status.
      return null;
  }
}
