import type { Insertable } from 'kysely';
import type { RemoteTeam } from '../monday/mondayApi.ts';
import type { ScimGroup } from '../monday/scimClient.ts';
import type { ChangeEventsTable, DirectoryTeamsTable } from '../store/schema.ts';

/** The teams of one connection as stored: teams by id, and member and owner links as `team|user` keys. */
export interface StoredTeams {
  teams: Map<
    string,
    Pick<
      DirectoryTeamsTable,
      'name' | 'is_guest' | 'picture_url' | 'scim_managed' | 'removed_at' | 'first_seen_at'
    >
  >;
  members: Set<string>;
  owners: Set<string>;
}

/** What one complete read of monday's teams found, with the evidence for anything that seems gone. */
export interface TeamsEvidence {
  teams: RemoteTeam[];
  /** Teams missing from the list that monday still has when asked by id: nothing about them changes. */
  stillThere: Set<string>;
  /** Whether each team is SCIM-managed; null when the connection cannot tell (no SCIM token, or SCIM failed). */
  scimManaged: Map<string, boolean> | null;
  /** monday's answer, per user, to "which teams are you in", for users whose stored membership was not read. */
  userTeams: Map<string, string[]>;
  /** Users this run removes from the copy (monday confirmed them gone): their memberships end too. */
  removedUsers: Set<string>;
  /** Users an action wrote after the read began: their links stay as the action wrote them. */
  writtenByActions: Set<string>;
}

export interface TeamsChange {
  upserts: Insertable<DirectoryTeamsTable>[];
  removedTeams: string[];
  addMembers: [string, string][];
  removeMembers: [string, string][];
  addOwners: [string, string][];
  removeOwners: [string, string][];
  events: Insertable<ChangeEventsTable>[];
}

export const linkKey = (teamId: string, userId: string) => `${teamId}|${userId}`;
const split = (key: string) => key.split('|') as [string, string];

/**
 * Works out what changed in the account's teams. A team is removed only when monday no longer has it when
 * asked by id; a membership ends only when monday's answer for that user lacks the team, or the user is gone
 * from the account; a user an action just wrote keeps the links the action wrote.
 */
export function diffTeams(
  connectionId: string,
  runId: string | null,
  stored: StoredTeams,
  evidence: TeamsEvidence,
  at: string,
): TeamsChange {
  const change: TeamsChange = {
    upserts: [],
    removedTeams: [],
    addMembers: [],
    removeMembers: [],
    addOwners: [],
    removeOwners: [],
    events: [],
  };
  const event = (
    kind: ChangeEventsTable['kind'],
    teamId: string,
    userId: string,
    before: unknown,
    after: unknown,
  ) =>
    change.events.push({
      connection_id: connectionId,
      run_id: runId,
      remote_user_id: userId,
      team_id: teamId,
      kind,
      before_value: before === null ? null : JSON.stringify(before),
      after_value: after === null ? null : JSON.stringify(after),
      occurred_at: at,
    });
  const read = new Map(evidence.teams.map((t) => [t.id, t]));
  const names = new Map<string, string>();
  for (const [id, row] of stored.teams) names.set(id, row.name);

  for (const team of evidence.teams) {
    names.set(team.id, team.name);
    const previous = stored.teams.get(team.id);
    const scim = evidence.scimManaged
      ? evidence.scimManaged.get(team.id)
        ? 1
        : 0
      : (previous?.scim_managed ?? null);
    const row: Insertable<DirectoryTeamsTable> = {
      connection_id: connectionId,
      team_id: team.id,
      name: team.name,
      is_guest: team.isGuest ? 1 : 0,
      picture_url: team.pictureUrl,
      scim_managed: scim,
      first_seen_at: previous && previous.removed_at === null ? previous.first_seen_at : at,
      updated_at: at,
      removed_at: null,
    };
    if (!previous || previous.removed_at !== null) {
      event('team_created', team.id, '', null, { name: team.name, isGuest: team.isGuest });
      change.upserts.push(row);
      continue;
    }
    if (previous.name !== team.name) event('team_renamed', team.id, '', previous.name, team.name);
    if (
      previous.name !== team.name ||
      Number(previous.is_guest) !== row.is_guest ||
      previous.picture_url !== row.picture_url ||
      (previous.scim_managed === null ? null : Number(previous.scim_managed)) !== row.scim_managed
    )
      change.upserts.push(row);
  }
  const removedTeams = new Set<string>();
  for (const [id, previous] of stored.teams) {
    if (previous.removed_at !== null || read.has(id) || evidence.stillThere.has(id)) continue;
    removedTeams.add(id);
    change.removedTeams.push(id);
    event('team_removed', id, '', { name: previous.name }, null);
  }

  const diffLinks = (
    storedLinks: Set<string>,
    readLinks: Set<string>,
    joined: ChangeEventsTable['kind'],
    left: ChangeEventsTable['kind'],
    adds: [string, string][],
    removes: [string, string][],
    confirmLeft: boolean,
  ) => {
    for (const key of readLinks) {
      if (storedLinks.has(key)) continue;
      const [teamId, userId] = split(key);
      if (evidence.writtenByActions.has(userId)) continue;
      adds.push([teamId, userId]);
      event(joined, teamId, userId, null, { team: names.get(teamId) ?? teamId });
    }
    for (const key of storedLinks) {
      if (readLinks.has(key)) continue;
      const [teamId, userId] = split(key);
      // A removed team takes its links with it (one event for the team); one monday still has keeps them.
      if (removedTeams.has(teamId)) {
        removes.push([teamId, userId]);
        continue;
      }
      if (!read.has(teamId) || evidence.writtenByActions.has(userId)) continue;
      // A user gone from the account takes their links along (their removal is the event).
      if (evidence.removedUsers.has(userId)) {
        removes.push([teamId, userId]);
        continue;
      }
      if (confirmLeft) {
        const now = evidence.userTeams.get(userId);
        // Unasked, unanswered, or still in the team when asked: nothing proves the membership ended.
        if (!now || now.includes(teamId)) continue;
      }
      removes.push([teamId, userId]);
      event(left, teamId, userId, { team: names.get(teamId) ?? teamId }, null);
    }
  };
  const readMembers = new Set<string>();
  const readOwners = new Set<string>();
  for (const team of evidence.teams) {
    for (const userId of team.memberIds) readMembers.add(linkKey(team.id, userId));
    for (const userId of team.ownerIds) readOwners.add(linkKey(team.id, userId));
  }
  diffLinks(
    stored.members,
    readMembers,
    'joined_team',
    'left_team',
    change.addMembers,
    change.removeMembers,
    true,
  );
  diffLinks(
    stored.owners,
    readOwners,
    'owner_added',
    'owner_removed',
    change.addOwners,
    change.removeOwners,
    false,
  );
  return change;
}

/** The stored members no read confirmed, by user: the users to ask monday about before anyone leaves a team. */
export function unconfirmedMembers(stored: StoredTeams, teams: readonly RemoteTeam[]): string[] {
  const read = new Set<string>();
  const present = new Set(teams.map((t) => t.id));
  for (const team of teams) for (const userId of team.memberIds) read.add(linkKey(team.id, userId));
  const users = new Set<string>();
  for (const key of stored.members) {
    const [teamId, userId] = split(key);
    if (present.has(teamId) && !read.has(key)) users.add(userId);
  }
  return [...users];
}

/**
 * Which teams an identity provider manages, from monday's SCIM Groups. A Group is matched to a team by an id
 * that is the team's GraphQL id (`internalId`, then `id`), else by a name only one team has; a Group that
 * matches no team by either says nothing.
 */
export function scimManagedTeams(
  groups: readonly ScimGroup[],
  teams: readonly RemoteTeam[],
): Map<string, boolean> {
  const managed = new Map(teams.map((t) => [t.id, false]));
  const byName = new Map<string, string[]>();
  for (const team of teams) byName.set(team.name, [...(byName.get(team.name) ?? []), team.id]);
  for (const group of groups) {
    const direct = [group.internalId, group.id].find((id) => id && managed.has(id));
    const named = byName.get(group.displayName);
    const teamId = direct ?? (named?.length === 1 ? named[0] : undefined);
    if (teamId) managed.set(teamId, true);
  }
  return managed;
}
