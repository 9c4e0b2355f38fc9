import { GraphQLError } from 'graphql';
import type { EmuAccount, EmuTeam, EmuUser } from './model.ts';
import { scimGroupId } from './model.ts';
import { TeamView } from './teamView.ts';
import { USER_BATCH_LIMIT } from './userMutations.ts';
import { UserView } from './userView.ts';

interface MutationContext {
  account: EmuAccount;
  caller: EmuUser;
  now: Date;
}

/** monday's team mutations refuse a token whose owner is not an admin with its `UNAUTHORIZED` code. */
function requireTeamAdmin(context: MutationContext): void {
  if (context.caller.kind !== 'admin') {
    throw new GraphQLError('Unauthorized: only account admins can manage teams', {
      extensions: { code: 'UNAUTHORIZED', status_code: 403 },
    });
  }
}

function findTeam(account: EmuAccount, teamId: string): EmuTeam {
  const team = account.teams.find((t) => t.id === String(teamId));
  if (!team) {
    throw new GraphQLError(`Team ${teamId} not found`, {
      extensions: { code: 'RESOURCE_NOT_FOUND', status_code: 404, error_data: { team_id: String(teamId) } },
    });
  }
  return team;
}

function checkBatch(userIds: readonly string[]): void {
  if (userIds.length > USER_BATCH_LIMIT) {
    throw new GraphQLError(
      `Exceeded the limit of ${USER_BATCH_LIMIT} users per request (got ${userIds.length})`,
      { extensions: { code: 'EXCEEDS_BATCH_LIMIT', status_code: 400 } },
    );
  }
}

/**
 * Why monday would not put this user in this team, or null. Read strictly: only active or pending people,
 * guests only in guest teams and never in others, and a team an identity provider manages through SCIM only
 * changes through SCIM.
 */
function cannotJoin(team: EmuTeam, user: EmuUser): string | null {
  if (team.scimProvisioned) return 'team is managed through SCIM';
  if (user.status === 'INACTIVE') return 'user is deactivated';
  if (user.kind !== 'admin' && user.kind !== 'member' && user.kind !== 'view_only' && user.kind !== 'guest')
    return 'not a person';
  if (team.isGuest !== (user.kind === 'guest')) return team.isGuest ? 'not a guest' : 'guest';
  return null;
}

/**
 * `add_users_to_team` / `remove_users_from_team`: each user lands in `successful_users` or `failed_users`
 * (monday gives no reason). A user already in (or already out of) the team is reported failed: nothing was
 * changed for them.
 */
function changeMembership(
  args: { team_id: string; user_ids: string[] },
  context: MutationContext,
  join: boolean,
) {
  requireTeamAdmin(context);
  checkBatch(args.user_ids);
  const team = findTeam(context.account, args.team_id);
  const successful: UserView[] = [];
  const failed: UserView[] = [];
  for (const raw of args.user_ids) {
    const user = context.account.usersById.get(String(raw));
    if (!user) continue;
    const member = user.teamIds.includes(team.id);
    let ok: boolean;
    if (join) ok = !member && cannotJoin(team, user) === null;
    else ok = member && !team.scimProvisioned;
    if (ok) {
      if (join) user.teamIds.push(team.id);
      else {
        user.teamIds = user.teamIds.filter((id) => id !== team.id);
        team.ownerIds = team.ownerIds.filter((id) => id !== user.id);
      }
      user.updatedAt = context.now;
    }
    (ok ? successful : failed).push(new UserView(user, context.account));
  }
  return { successful_users: successful, failed_users: failed };
}

export function addUsersToTeam(args: { team_id: string; user_ids: string[] }, context: MutationContext) {
  return changeMembership(args, context, true);
}

export function removeUsersFromTeam(args: { team_id: string; user_ids: string[] }, context: MutationContext) {
  return changeMembership(args, context, false);
}

export function createTeam(
  args: {
    input: {
      name: string;
      is_guest_team?: boolean | null;
      parent_team_id?: string | null;
      subscriber_ids?: string[] | null;
    };
    options?: { allow_empty_team?: boolean | null } | null;
  },
  context: MutationContext,
) {
  requireTeamAdmin(context);
  const { account } = context;
  const name = args.input.name.trim();
  const invalid = (message: string) =>
    new GraphQLError(message, { extensions: { code: 'InvalidArgumentException', status_code: 400 } });
  if (!name) throw invalid('The team name must not be empty');
  if (name.length > 255) throw invalid('The team name is longer than 255 characters');
  if (args.input.parent_team_id) findTeam(account, args.input.parent_team_id);
  const ids = [...new Set((args.input.subscriber_ids ?? []).map(String))];
  checkBatch(ids);
  if (ids.length === 0 && !args.options?.allow_empty_team)
    throw invalid('A team needs at least one member unless allow_empty_team is set');
  const id = String(account.nextTeamId++);
  const team: EmuTeam = {
    id,
    name,
    isGuest: args.input.is_guest_team === true,
    ownerIds: [],
    scimProvisioned: false,
    scimId: scimGroupId(id),
  };
  const members: EmuUser[] = [];
  for (const userId of ids) {
    const user = account.usersById.get(userId);
    if (!user) throw invalid(`User ${userId} not found`);
    const reason = cannotJoin(team, user);
    if (reason) throw invalid(`User ${userId} cannot be in this team: ${reason}`);
    members.push(user);
  }
  account.teams.push(team);
  for (const user of members) user.teamIds.push(team.id);
  return new TeamView(team, account);
}

export function deleteTeam(args: { team_id: string }, context: MutationContext) {
  requireTeamAdmin(context);
  const { account } = context;
  const team = findTeam(account, args.team_id);
  // The answer describes the team as it was: its members as copies that keep the team.
  const members = account.users
    .filter((u) => u.teamIds.includes(team.id))
    .map((u) => ({ ...u, teamIds: [...u.teamIds] }));
  const view = new TeamView({ ...team, ownerIds: [...team.ownerIds] }, { ...account, users: members });
  account.teams = account.teams.filter((t) => t !== team);
  for (const user of account.users) {
    if (user.teamIds.includes(team.id)) user.teamIds = user.teamIds.filter((id) => id !== team.id);
  }
  return view;
}

type OwnerErrorCode =
  | 'VIEWERS_OR_GUESTS'
  | 'USER_NOT_MEMBER_OF_TEAM'
  | 'EXCEEDS_BATCH_LIMIT'
  | 'INVALID_INPUT'
  | 'USER_NOT_FOUND'
  | 'CANNOT_UPDATE_SELF'
  | 'FAILED';

function changeOwners(
  args: { team_id: string; user_ids: string[] },
  context: MutationContext,
  assign: boolean,
) {
  requireTeamAdmin(context);
  const { account } = context;
  const team = findTeam(account, args.team_id);
  const errors: { message: string; code: OwnerErrorCode; user_id: string | null }[] = [];
  if (args.user_ids.length > USER_BATCH_LIMIT) {
    errors.push({
      message: `Exceeded the limit of ${USER_BATCH_LIMIT} users per request`,
      code: 'EXCEEDS_BATCH_LIMIT',
      user_id: null,
    });
    return { team: new TeamView(team, account), errors };
  }
  for (const raw of args.user_ids) {
    const id = String(raw);
    const fail = (code: OwnerErrorCode, message: string) => errors.push({ message, code, user_id: id });
    if (!/^\d+$/.test(id)) {
      fail('INVALID_INPUT', `Invalid user id: ${id}`);
      continue;
    }
    const user = account.usersById.get(id);
    if (!user) fail('USER_NOT_FOUND', 'User not found');
    else if (user.id === context.caller.id) fail('CANNOT_UPDATE_SELF', 'Cannot update self');
    else if (!user.teamIds.includes(team.id))
      fail('USER_NOT_MEMBER_OF_TEAM', 'User is not a member of the team');
    else if (assign && (user.kind === 'guest' || user.kind === 'view_only'))
      fail('VIEWERS_OR_GUESTS', 'Viewers and guests cannot own a team');
    else if (assign && user.status !== 'ACTIVE') fail('FAILED', 'Only active users can own a team');
    else if (assign) {
      if (!team.ownerIds.includes(id)) team.ownerIds.push(id);
    } else if (!team.ownerIds.includes(id)) fail('FAILED', 'User is not an owner of the team');
    else team.ownerIds = team.ownerIds.filter((o) => o !== id);
  }
  return { team: new TeamView(team, account), errors };
}

export function assignTeamOwners(args: { team_id: string; user_ids: string[] }, context: MutationContext) {
  return changeOwners(args, context, true);
}

export function removeTeamOwners(args: { team_id: string; user_ids: string[] }, context: MutationContext) {
  return changeOwners(args, context, false);
}
