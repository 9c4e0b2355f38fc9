import type { Drift, PlanItem, ResultItem } from '../domain/actionResult.ts';
import type { GraphqlClient } from '../monday/graphqlClient.ts';
import { MondayApi, type RemoteUser } from '../monday/mondayApi.ts';
import { MondayError } from '../monday/mondayError.ts';
import { ADD_USERS_TO_TEAM, REMOVE_USERS_FROM_TEAM } from '../monday/operations.ts';
import type { ScimClient } from '../monday/scimClient.ts';
import type { TeamActionRequest } from './actionInput.ts';
import { type KnownUser, item as planItem } from './actionPlan.ts';
import { BATCH_SIZE, batchKey, type Execution } from './executors.ts';
import { known } from './liveState.ts';

/** The team an action is about, as the synced copy (or monday, just now) knows it. */
export interface KnownTeam {
  id: string;
  name: string;
  isGuest: boolean;
  /** 1: an identity provider manages it through SCIM; 0: not; null: unknown. */
  scimManaged: number | null;
}

const joins = (request: TeamActionRequest) => request.action === 'add_to_team';

/**
 * What will happen to one user: join or leave the team, nothing (already as asked), or fail and why. The
 * reasons are monday's rules: deactivated users join no team, guests only guest teams and only guests those,
 * a team an identity provider manages changes through SCIM (or in the provider), and SCIM Groups take SCIM
 * users only.
 */
export function planTeamTarget(
  request: TeamActionRequest,
  ref: string,
  user: KnownUser,
  member: boolean,
  team: KnownTeam,
): PlanItem {
  const item = (outcome: PlanItem['outcome'], code: string | null, reason: string) =>
    planItem(ref, user, outcome, code, reason);
  const via = request.via ?? 'graphql';
  const add = joins(request);
  if (add && member) return item('noop', 'already_in_team', `already in team ${team.name}`);
  if (!add && !member) return item('noop', 'not_in_team', `not in team ${team.name}`);
  if (via === 'graphql' && team.scimManaged === 1)
    return item(
      'fail',
      'team_managed_by_scim',
      `team ${team.name} is managed through SCIM by your identity provider: monday changes its members only through SCIM, so ${add ? 'add' : 'remove'} them in the identity provider or with via scim`,
    );
  if (via === 'scim' && team.scimManaged !== 1)
    return item(
      'fail',
      'team_not_scim_managed',
      `team ${team.name} is not managed through SCIM${team.scimManaged === null ? ' (as far as the last sync could tell)' : ''}: change it through GraphQL instead`,
    );
  if (add) {
    if (user.role === 'other')
      return item(
        'fail',
        'not_a_person',
        'is not a person (an agent, service or portal user); teams are for people',
      );
    if (user.status === 'deactivated')
      return item(
        'fail',
        'user_deactivated',
        'is deactivated; monday adds no deactivated user to a team (reactivate first)',
      );
    if (team.isGuest && user.role !== 'guest')
      return item(
        'fail',
        'not_a_guest',
        `is ${user.role}, and ${team.name} is a guest team: it holds guests only`,
      );
    if (!team.isGuest && user.role === 'guest')
      return item(
        'fail',
        'guest_in_team',
        `is a guest; only a guest team can hold guests, and ${team.name} is not one`,
      );
  }
  if (via === 'scim' && !user.scimLinked)
    return item(
      'fail',
      'not_scim_provisioned',
      `was not provisioned by SCIM; monday's SCIM Groups ${add ? 'take' : 'change'} SCIM-provisioned users only: do it in the identity provider`,
    );
  return item(
    'change',
    null,
    add ? `will be added to team ${team.name}` : `will be removed from team ${team.name}`,
  );
}

/** Check-then-act: plans each user again from monday's current state of the user and of their teams. */
export async function replanTeamFromMonday(
  client: GraphqlClient,
  request: TeamActionRequest,
  items: PlanItem[],
  team: KnownTeam,
): Promise<{ items: PlanItem[]; live: RemoteUser[]; teams: Map<string, string[]> }> {
  const api = new MondayApi(client);
  const ids = items.flatMap((i) => (i.userId ? [i.userId] : []));
  const users = new Map((await api.usersByIds(ids)).map((u) => [u.id, u]));
  const teams = await api.userTeams(ids);
  const replanned = items.map((item): PlanItem => {
    if (!item.userId) return item;
    const remote = users.get(item.userId);
    const memberOf = teams.get(item.userId);
    if (!remote || !memberOf)
      return {
        ...item,
        outcome: 'fail',
        code: 'USER_NOT_FOUND',
        reason: 'no longer exists in monday (sync to refresh the copy)',
      };
    const planned = planTeamTarget(request, item.target, known(remote), memberOf.includes(team.id), team);
    return planned.outcome === 'noop' && item.outcome === 'change'
      ? { ...planned, reason: `${planned.reason} in monday (the synced copy was behind)` }
      : planned;
  });
  return { items: replanned, live: [...users.values()], teams };
}

/**
 * Changes the team's members through GraphQL (batches of 200, with per-batch idempotency keys) or through
 * SCIM Groups (one PATCH per user), then reads every user's teams from monday: a user counts as changed only
 * when monday then shows them in (or out of) the team. monday's own word on the request is kept as the reason
 * when it did not happen.
 */
export async function runTeamChange(
  request: TeamActionRequest,
  items: PlanItem[],
  team: KnownTeam,
  key: string,
  channels: { graphql: () => Promise<GraphqlClient>; scim: () => Promise<ScimClient> },
): Promise<Execution & { teams: Map<string, string[]> }> {
  const add = joins(request);
  const refused = new Map<string, { code: string; reason: string }>();
  const requestIds: string[] = [];
  const client = await channels.graphql();
  if ((request.via ?? 'graphql') === 'graphql') {
    for (let start = 0, batch = 0; start < items.length; start += BATCH_SIZE, batch++) {
      const chunk = items.slice(start, start + BATCH_SIZE);
      try {
        const { data, requestId } = await client.request<
          Record<string, { failed_users?: { id: unknown }[] | null } | null>
        >(
          add ? ADD_USERS_TO_TEAM : REMOVE_USERS_FROM_TEAM,
          { team: team.id, ids: chunk.map((i) => i.userId!) },
          { idempotencyKey: batchKey(key, batch) },
        );
        if (requestId) requestIds.push(requestId);
        const answer = data[add ? 'add_users_to_team' : 'remove_users_from_team'];
        for (const failed of answer?.failed_users ?? [])
          refused.set(String(failed.id), {
            code: 'FAILED',
            reason: `monday did not ${add ? 'add them to' : 'remove them from'} team ${team.name} (it gives no reason${
              team.scimManaged === null
                ? '; a team an identity provider manages through SCIM takes no changes through GraphQL, and without a SCIM token this connection cannot tell whether this one is'
                : ''
            })`,
          });
      } catch (error) {
        if (error instanceof MondayError && error.requestId) requestIds.push(error.requestId);
        for (const item of chunk) refused.set(item.userId!, describe(error));
      }
    }
  } else {
    const scim = await channels.scim();
    try {
      const group = await scim.groupByName(team.name);
      if (!group) {
        for (const item of items)
          refused.set(item.userId!, {
            code: 'team_not_in_scim',
            reason: `monday's SCIM has no Group named ${team.name}: the team is not managed through SCIM (sync to refresh)`,
          });
      } else {
        for (const item of items) {
          try {
            await scim.changeGroupMembers(group.id, add ? 'add' : 'remove', [item.userId!]);
          } catch (error) {
            refused.set(item.userId!, describe(error));
          }
        }
      }
    } catch (error) {
      for (const item of items) refused.set(item.userId!, describe(error));
    }
  }
  // Whatever monday answered, the result is what it shows now.
  const teams = await new MondayApi(client).userTeams(items.map((i) => i.userId!));
  const results = items.map((item): ResultItem => {
    const now = teams.get(item.userId!);
    const base = { target: item.target, userId: item.userId, email: item.email };
    if (!now)
      return { ...base, outcome: 'failed', code: 'USER_NOT_FOUND', reason: 'no longer exists in monday' };
    if (now.includes(team.id) === add)
      return {
        ...base,
        outcome: 'changed',
        code: null,
        reason: add ? `added to team ${team.name}` : `removed from team ${team.name}`,
      };
    const why = refused.get(item.userId!);
    return {
      ...base,
      outcome: 'failed',
      code: why?.code ?? 'not_applied',
      reason:
        why?.reason ?? `monday answered, but does not show them ${add ? 'in' : 'out of'} team ${team.name}`,
    };
  });
  return { results, requestIds, remoteUsers: [], teams };
}

function describe(error: unknown): { code: string; reason: string } {
  if (error instanceof MondayError) return { code: error.code, reason: error.message };
  return { code: 'internal_error', reason: (error as Error).message };
}

/** Whether each user an earlier execution changed is still in (or out of) the team, as monday shows it now. */
export async function checkTeamState(
  client: GraphqlClient,
  request: TeamActionRequest,
  results: ResultItem[],
): Promise<Drift[]> {
  const done = results.filter((r) => r.outcome !== 'failed' && r.userId);
  const teams = await new MondayApi(client).userTeams(done.map((r) => r.userId!));
  const add = joins(request);
  const drifted: Drift[] = [];
  for (const result of done) {
    const now = teams.get(result.userId!);
    if (!now)
      drifted.push({ target: result.target, userId: result.userId!, now: 'no longer exists in monday' });
    else if (now.includes(request.teamId) !== add)
      drifted.push({
        target: result.target,
        userId: result.userId!,
        now: add ? 'is not in the team in monday' : 'is in the team again in monday',
      });
  }
  return drifted;
}
