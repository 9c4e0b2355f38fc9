/**
 * Every GraphQL document Seatwise sends to monday. The contract test validates each one against monday's
 * published schema, so a field or argument monday does not have cannot ship.
 */

const userFields = `
  id name email title url created_at last_activity
  kind status invitation_method is_email_confirmed became_active_at`;

/** The legacy booleans, only asked for on versions that still serve them (2026-07 and older). */
const legacyUserFields = `enabled is_admin is_guest is_view_only is_pending`;

export const ME_AND_ACCOUNT = /* GraphQL */ `
query SeatwiseMeAndAccount {
  me { id name email kind status is_email_confirmed }
  account { id name slug tier plan { max_users tier period version } products { id kind } active_members_count }
  version { kind value }
  versions { kind value }
  complexity { before after query reset_in_x_seconds }
}`;

/** The account's daily call limit and what was used: by day, and today by user (one cheap call a sync). */
export const PLATFORM_API = /* GraphQL */ `
query SeatwisePlatformApi {
  platform_api {
    daily_limit { base total }
    daily_analytics { last_updated by_day { day usage } by_user { user { id } usage } }
  }
}`;

/** The account's service users (monday's non-human identities) and their tokens' last use. */
export const SERVICE_USERS = /* GraphQL */ `
query SeatwiseServiceUsers {
  service_users { id name title enabled invited_by_id created_at last_token_activity has_token }
}`;

export const REVOKE_SERVICE_USER_TOKENS = /* GraphQL */ `
mutation SeatwiseRevokeServiceUserTokens($id: ID!) {
  revoke_service_user_tokens(service_user_id: $id)
}`;

/** monday documents no default order, so pages are read oldest first: stable while users are added. */
const createdAscending = '[{ field: CREATED_AT, direction: ASC }]';

/** One page of users in every status, for a full sync. */
export const USERS_PAGE = /* GraphQL */ `
query SeatwiseUsersPage($limit: Int!, $page: Int!) {
  users(limit: $limit, page: $page, status: [ACTIVE, INACTIVE, PENDING], sort: ${createdAscending}) { ${userFields} ${legacyUserFields} }
  complexity { before after query reset_in_x_seconds }
}`;

/** The same page for API versions without the legacy booleans (2026-10 and later). */
export const USERS_PAGE_2026_10 = /* GraphQL */ `
query SeatwiseUsersPageCurrent($limit: Int!, $page: Int!) {
  users(limit: $limit, page: $page, status: [ACTIVE, INACTIVE, PENDING], sort: ${createdAscending}) { ${userFields} }
  complexity { before after query reset_in_x_seconds }
}`;

export const USERS_BY_IDS = /* GraphQL */ `
query SeatwiseUsersByIds($ids: [ID!], $limit: Int!, $page: Int!) {
  users(ids: $ids, limit: $limit, page: $page, status: [ACTIVE, INACTIVE, PENDING]) { ${userFields} }
}`;

export const USERS_BY_EMAILS = /* GraphQL */ `
query SeatwiseUsersByEmails($emails: [String!], $limit: Int!, $page: Int!) {
  users(emails: $emails, limit: $limit, page: $page, status: [ACTIVE, INACTIVE, PENDING]) { ${userFields} }
}`;

export const INVITE_USERS = /* GraphQL */ `
mutation SeatwiseInviteUsers($emails: [String!]!, $role: UserRole, $product: Product) {
  invite_users(emails: $emails, user_role: $role, product: $product) {
    invited_users { ${userFields} }
    errors { message code email }
  }
}`;

export const UPDATE_USERS_ROLE = /* GraphQL */ `
mutation SeatwiseUpdateUsersRole($ids: [ID!]!, $role: BaseRoleName!) {
  update_users_role(user_ids: $ids, new_role: $role) {
    updated_users { ${userFields} }
    errors { message code user_id }
  }
}`;

export const DEACTIVATE_USERS = /* GraphQL */ `
mutation SeatwiseDeactivateUsers($ids: [ID!]!) {
  deactivate_users(user_ids: $ids) {
    deactivated_users { ${userFields} }
    errors { message code user_id }
  }
}`;

export const ACTIVATE_USERS = /* GraphQL */ `
mutation SeatwiseActivateUsers($ids: [ID!]!) {
  activate_users(user_ids: $ids) {
    activated_users { ${userFields} }
    errors { message code user_id }
  }
}`;

/** The account's active admins (2026-07+ `user_kind`), a page at a time. */
export const ACTIVE_ADMINS = /* GraphQL */ `
query SeatwiseActiveAdmins($limit: Int!, $page: Int!) {
  users(user_kind: { in: [ADMIN] }, status: [ACTIVE], limit: $limit, page: $page) { id }
}`;

const teamFields = 'id name is_guest picture_url';

/** Every team of the account (monday's `teams` takes no page: it answers all of them). */
export const TEAMS = /* GraphQL */ `
query SeatwiseTeams {
  teams { ${teamFields} }
  complexity { before after query reset_in_x_seconds }
}`;

export const TEAMS_BY_IDS = /* GraphQL */ `
query SeatwiseTeamsByIds($ids: [ID!]) {
  teams(ids: $ids) { ${teamFields} }
}`;

/**
 * One page of the members of several teams at once, with their owners. `users` on a team takes the older
 * arguments: without `non_active` it answers active and pending members, and `non_active: true` the
 * deactivated ones (or, by the older reading, everyone): a full read asks both ways.
 */
export const TEAM_MEMBERS_PAGE = /* GraphQL */ `
query SeatwiseTeamMembers($ids: [ID!], $limit: Int!, $page: Int!, $inactive: Boolean) {
  teams(ids: $ids) { id owners { id } users(limit: $limit, page: $page, non_active: $inactive) { id } }
  complexity { before after query reset_in_x_seconds }
}`;

/** The teams each of these users is in, whatever their status (to confirm a membership is gone). */
export const USER_TEAMS = /* GraphQL */ `
query SeatwiseUserTeams($ids: [ID!], $limit: Int!, $page: Int!) {
  users(ids: $ids, limit: $limit, page: $page, status: [ACTIVE, INACTIVE, PENDING]) { id teams { id name } }
}`;

/**
 * Proves where several teams' member lists end: for each team, the one member right after the last one read
 * (there must be none). Built per read: each team asks at its own offset, under an alias of its own.
 */
export function teamMembersEndDocument(ends: readonly { teamId: string; offset: number }[]): string {
  const fields = ends
    .map(
      (end, i) =>
        `t${i}: teams(ids: [${JSON.stringify(end.teamId)}]) { id users(limit: 1, page: ${end.offset + 1}, non_active: $inactive) { id } }`,
    )
    .join('\n  ');
  return `query SeatwiseTeamMembersEnd($inactive: Boolean) {\n  ${fields}\n}`;
}

const changeResult = 'successful_users { id } failed_users { id }';

export const ADD_USERS_TO_TEAM = /* GraphQL */ `
mutation SeatwiseAddUsersToTeam($team: ID!, $ids: [ID!]!) {
  add_users_to_team(team_id: $team, user_ids: $ids) { ${changeResult} }
}`;

export const REMOVE_USERS_FROM_TEAM = /* GraphQL */ `
mutation SeatwiseRemoveUsersFromTeam($team: ID!, $ids: [ID!]!) {
  remove_users_from_team(team_id: $team, user_ids: $ids) { ${changeResult} }
}`;

/** The account's automations, one cursor page (API 2026-10 and later; the whole account's with an admin token). */
export const BOARD_AUTOMATIONS = /* GraphQL */ `
query SeatwiseBoardAutomations($cursor: String) {
  board_automations(limit: 50, cursor: $cursor) { cursor items { id user_id active title workflow_host_data } }
}`;

/** The account's integration connections, one page (an admin's token). */
export const ACCOUNT_CONNECTIONS = /* GraphQL */ `
query SeatwiseAccountConnections($page: Int!) {
  account_connections(page: $page, pageSize: 100) { id userId provider state }
}`;

/** Active boards the token's owner can see, one page, with their owners. */
export const BOARDS_WITH_OWNERS = /* GraphQL */ `
query SeatwiseBoardsWithOwners($page: Int!) {
  boards(limit: 100, page: $page, state: active) { id name board_kind owners { id status } }
}`;

/** Every team with its owners (for what a person's removal leaves without an owner). */
export const TEAM_OWNERS = /* GraphQL */ `
query SeatwiseTeamOwners {
  teams { id name owners { id status } }
}`;
