/**
 * The emulator's GraphQL schema for API 2026-07 and 2026-10: a subset of each of monday's published schemas with
 * the same type, field and argument names. A line that ends in `#2026-07` is only in that version (the user
 * fields 2026-10 removed), one that ends in `#2026-10` only in the later one.
 */
const sdl = /* GraphQL */ `
schema {
  query: Query
  mutation: Mutation
}

scalar Date
scalar ISO8601DateTime
scalar JSON

type Query {
  me: User
  account: Account
  users(
    ids: [ID!]
    name: String
    emails: [String!]
    user_kind: UserKindFilterInput
    sort: [UsersSortInput!]
    visibility: String
    status: [UserStatus!]
    limit: Int = 200
    page: Int = 1
    kind: UserKind
    non_active: Boolean
    newest_first: Boolean
  ): [User!]
  teams(ids: [ID!]): [Team]
  complexity: Complexity
  version: Version!
  versions: [Version!]
  platform_api: PlatformApi
  service_users: [ServiceUser!]
  boards(
    board_kind: BoardKind
    ids: [ID!]
    limit: Int = 25
    order_by: BoardsOrderBy
    page: Int = 1
    state: State = active
    workspace_ids: [ID]
  ): [Board]
  account_connections(
    withAutomations: Boolean
    withStateValidation: Boolean
    page: Int
    pageSize: Int
    order: String
    pagination: PaginationInput
  ): [Connection!]
  board_automations(ids: [ID!], board_ids: [ID!], limit: Int, cursor: String): AutomationsPage! #2026-10
}

type Board {
  id: ID!
  board_kind: BoardKind!
  created_at: ISO8601DateTime
  creator: User!
  name: String!
  owners: [User]!
  state: State!
  subscribers: [User]!
  url: String!
  workspace_id: ID
}

enum BoardKind {
  private
  public
  share
}

enum State {
  active
  all
  archived
  deleted
}

enum BoardsOrderBy {
  created_at
  used_at
}

enum BoardSubscriberKind {
  owner
  subscriber
}

input PaginationInput {
  limit: Int
  lastId: Int
}

type Connection {
  id: Int
  accountId: Int
  userId: Int
  provider: String
  name: String
  method: String
  providerAccountIdentifier: String
  state: String
  createdAt: String
  updatedAt: String
}

type AutomationsPage { #2026-10
  cursor: String #2026-10
  items: [BoardAutomation!] #2026-10
  legacy_automations: JSON #2026-10
} #2026-10

type BoardAutomation { #2026-10
  id: ID #2026-10
  user_id: ID #2026-10
  active: Boolean #2026-10
  title: String #2026-10
  description: String #2026-10
  created_at: String #2026-10
  updated_at: String #2026-10
  workflow_host_data: JSON #2026-10
} #2026-10

type Mutation {
  invite_users(emails: [String!]!, user_role: UserRole, product: Product): InviteUsersResult
  update_users_role(user_ids: [ID!]!, new_role: BaseRoleName, role_id: ID): UpdateUsersRoleResult
  deactivate_users(user_ids: [ID!]!): DeactivateUsersResult
  activate_users(user_ids: [ID!]!): ActivateUsersResult
  add_users_to_team(team_id: ID!, user_ids: [ID!]!): ChangeTeamMembershipsResult
  remove_users_from_team(team_id: ID!, user_ids: [ID!]!): ChangeTeamMembershipsResult
  create_team(input: CreateTeamAttributesInput!, options: CreateTeamOptionsInput): Team
  delete_team(team_id: ID!): Team
  assign_team_owners(team_id: ID!, user_ids: [ID!]!): AssignTeamOwnersResult
  add_users_to_board(board_id: ID!, kind: BoardSubscriberKind = subscriber, user_ids: [ID!]!): [User]
  remove_team_owners(team_id: ID!, user_ids: [ID!]!): RemoveTeamOwnersResult
  create_service_user(name: String!, title: String): CreateServiceUserResult
  revoke_service_user_tokens(service_user_id: ID!): Boolean
  complexity: Complexity
}

type User {
  id: ID!
  activity_logs(
    from: String
    to: String
    board_ids: [ID!]
    limit: Int
    event_types: [String!]
    correlation_ids: [ID!] #2026-10
    entities: [String!] #2026-10
    cursor: String
  ): UserActivityLogsPage
  department: Department
  account: Account!
  account_products: [AccountProduct!]
  birthday: String
  country_code: String
  created_at: ISO8601DateTime!
  current_language: String
  custom_field_metas: [CustomFieldMetas]
  custom_field_values: [CustomFieldValue]
  email: String!
  enabled: Boolean! @deprecated(reason: "This field is deprecated. Please use status instead.") #2026-07
  encrypt_api_token: String #2026-07
  is_admin: Boolean @deprecated(reason: "This field is deprecated. Please use kind instead.") #2026-07
  is_guest: Boolean @deprecated(reason: "This field is deprecated. Please use kind instead.") #2026-07
  is_pending: Boolean @deprecated(reason: "This field is deprecated. Please use status instead.") #2026-07
  is_verified: Boolean @deprecated(reason: "This field is deprecated. Please use is_email_confirmed instead.") #2026-07
  is_view_only: Boolean @deprecated(reason: "This field is deprecated. Please use kind instead.") #2026-07
  join_date: Date @deprecated(reason: "This field is deprecated. Please use became_active_at instead.") #2026-07
  last_activity: Date
  location: String
  mobile_phone: String
  name: String!
  out_of_office: OutOfOffice
  phone: String
  photo_original: String #2026-07
  photo_small: String #2026-07
  photo_thumb: String #2026-07
  photo_thumb_small: String #2026-07
  photo_tiny: String #2026-07
  sign_up_product_kind: String #2026-07
  teams(ids: [ID!]): [Team]
  time_zone_identifier: String
  title: String!
  url: String!
  utc_hours_diff: Float
  account_id: ID!
  kind: String!
  status: UserStatus!
  invitation_method: InvitationMethod!
  serial_number: Int
  is_deleted: Boolean!
  photo_url: PhotoUrl
  became_active_at: ISO8601DateTime
  bb_visitor_id: ID!
  is_email_confirmed: Boolean!
  user_config: UserConfig!
}

type UserActivityLogsPage {
  logs: [ActivityLog!]
  cursor: String
}

type ActivityLog {
  id: ID
  account_id: ID
  user_id: ID
  event: String
  entity: String
  data: String
  created_at: String
  correlation_id: ID #2026-10
}

type Department {
  id: ID!
  name: String!
  reserved_seats: Int!
  assigned_seats: Int!
  members: [User!]
  owners: [User!]
}

type CustomFieldMetas {
  description: String
  editable: Boolean
  field_type: String
  flagged: Boolean
  icon: String
  id: String
  position: String
  title: String
}

type CustomFieldValue {
  custom_field_meta_id: String
  value: String
}

type OutOfOffice {
  active: Boolean
  disable_notifications: Boolean
  end_date: Date
  start_date: Date
  type: String
}

type PhotoUrl {
  original: String
  small: String
  thumb: String
  thumb_small: String
  tiny: String
}

type UserConfig {
  kind: String!
  role_id: ID!
  visibility: [String!]!
  behaviors: [String!]!
  group: String!
}

type Team {
  id: ID!
  owners(ids: [ID!]): [User!]!
  picture_url: String
  users(
    emails: [String]
    ids: [ID!]
    kind: UserKind
    limit: Int
    name: String
    newest_first: Boolean
    non_active: Boolean
    page: Int
  ): [User]
  name: String!
  is_guest: Boolean
  created_at: String #2026-10
}

type ChangeTeamMembershipsResult {
  failed_users: [User!]
  successful_users: [User!]
}

input CreateTeamAttributesInput {
  name: String!
  is_guest_team: Boolean
  parent_team_id: ID
  subscriber_ids: [ID!]
}

input CreateTeamOptionsInput {
  allow_empty_team: Boolean
}

type AssignTeamOwnersResult {
  team: Team
  errors: [AssignTeamOwnersError!]
}

type AssignTeamOwnersError {
  message: String
  code: AssignTeamOwnersErrorCode
  user_id: ID
}

enum AssignTeamOwnersErrorCode {
  VIEWERS_OR_GUESTS
  USER_NOT_MEMBER_OF_TEAM
  EXCEEDS_BATCH_LIMIT
  INVALID_INPUT
  USER_NOT_FOUND
  CANNOT_UPDATE_SELF
  FAILED
}

type RemoveTeamOwnersResult {
  team: Team
  errors: [RemoveTeamOwnersError!]
}

type RemoveTeamOwnersError {
  message: String
  code: RemoveTeamOwnersErrorCode
  user_id: ID
}

enum RemoveTeamOwnersErrorCode {
  VIEWERS_OR_GUESTS
  USER_NOT_MEMBER_OF_TEAM
  EXCEEDS_BATCH_LIMIT
  INVALID_INPUT
  USER_NOT_FOUND
  CANNOT_UPDATE_SELF
  FAILED
}

type Account {
  active_members_count: Int
  country_code: String
  created_at: Date
  first_day_of_the_week: FirstDayOfTheWeek!
  id: ID!
  is_during_trial: Boolean
  is_trial_expired: Boolean
  logo: String
  name: String!
  plan: Plan
  products: [AccountProduct]
  show_timeline_weekends: Boolean!
  sign_up_product_kind: String
  slug: String!
  tier: String
}

enum FirstDayOfTheWeek {
  monday
  sunday
}

type Plan {
  max_users: Int!
  period: String
  tier: String
  version: Int!
}

type AccountProduct {
  default_workspace_id: ID
  id: ID
  kind: String
  tier: String
}

type Complexity {
  after: Int!
  before: Int!
  query: Int!
  reset_in_x_seconds: Int!
}

type Version {
  display_name: String!
  kind: VersionKind!
  value: String!
}

enum VersionKind {
  current
  deprecated
  dev
  maintenance
  old__maintenance
  old_previous_maintenance
  previous_maintenance
  release_candidate
}

enum UserStatus {
  ACTIVE
  INACTIVE
  PENDING
}

enum UserKind {
  all
  guests
  non_guests
  non_pending
}

input UserKindFilterInput {
  in: [UserKindFilter!]
  not_in: [UserKindFilter!]
}

enum UserKindFilter {
  ADMIN
  MEMBER
  GUEST
  VIEW_ONLY
  AGENT_MEMBER
  PERSONAL_AGENT_MEMBER
  SERVICE_USER
  PORTAL
  BASIC
}

type PlatformApi {
  daily_limit: DailyLimit
  daily_analytics: DailyAnalytics
}

type DailyLimit {
  base: Int
  total: Int
  addon: DailyLimitAddon #2026-10
}

type DailyLimitAddon { #2026-10
  is_active: Boolean! #2026-10
  quantity: Int! #2026-10
} #2026-10

type DailyAnalytics {
  last_updated: ISO8601DateTime
  by_day: [PlatformApiDailyAnalyticsByDay!]
  by_user: [PlatformApiDailyAnalyticsByUser!]
}

type PlatformApiDailyAnalyticsByDay {
  day: String!
  usage: Int!
}

type PlatformApiDailyAnalyticsByUser {
  user: User
  usage: Int!
}

type ServiceUser {
  id: ID
  name: String
  title: String
  enabled: Boolean
  invited_by_id: ID
  created_at: String
  last_token_activity: String
  has_token: Boolean
}

type CreateServiceUserResult {
  user: User
  token: String #2026-07
}

input UsersSortInput {
  field: UsersSortField!
  direction: UsersSortDirection!
}

enum UsersSortField {
  CREATED_AT
}

enum UsersSortDirection {
  ASC
  DESC
}

enum InvitationMethod {
  USER
  SCIM
  SSO
  AUTH_DOMAIN
  FIRST_USER
  CONSOLIDATION
  INTERNAL_CREATION
  UNKNOWN
  SERVICE_PORTAL_AUTH_DOMAIN
  SERVICE_PORTAL_USER_INVITATION
  API_USER_CREATION
  AGENT_USER_CREATION
  SYSTEM_CREATION
}

enum UserRole {
  GUEST
  VIEW_ONLY
  MEMBER
  ADMIN
}

enum BaseRoleName {
  GUEST
  VIEW_ONLY
  MEMBER
  ADMIN
}

enum Product {
  work_management
  crm
  dev
  service
  whiteboard
  knowledge
  forms
  workflows
}

type InviteUsersResult {
  invited_users: [User!]
  errors: [InviteUsersError!]
}

type InviteUsersError {
  message: String
  code: InviteUsersErrorCode
  email: ID
}

enum InviteUsersErrorCode {
  ERROR
}

type UpdateUsersRoleResult {
  updated_users: [User!]
  errors: [UpdateUsersRoleError!]
}

type UpdateUsersRoleError {
  message: String
  code: UpdateUsersRoleErrorCode
  user_id: ID
}

enum UpdateUsersRoleErrorCode {
  EXCEEDS_BATCH_LIMIT
  INVALID_INPUT
  USER_NOT_FOUND
  CANNOT_UPDATE_SELF
  FAILED
}

type DeactivateUsersResult {
  deactivated_users: [User!]
  errors: [DeactivateUsersError!]
}

type DeactivateUsersError {
  message: String
  code: DeactivateUsersErrorCode
  user_id: ID
}

enum DeactivateUsersErrorCode {
  EXCEEDS_BATCH_LIMIT
  INVALID_INPUT
  USER_NOT_FOUND
  CANNOT_UPDATE_SELF
  FAILED
}

type ActivateUsersResult {
  activated_users: [User!]
  errors: [ActivateUsersError!]
}

type ActivateUsersError {
  message: String
  code: ActivateUsersErrorCode
  user_id: ID
}

enum ActivateUsersErrorCode {
  EXCEEDS_BATCH_LIMIT
  INVALID_INPUT
  USER_NOT_FOUND
  CANNOT_UPDATE_SELF
  FAILED
}
`;

/** User fields that API 2026-10 no longer serves (monday's migration guide for the user entity). */
export const removedIn2026_10 = [
  'enabled',
  'encrypt_api_token',
  'is_admin',
  'is_guest',
  'is_pending',
  'is_verified',
  'is_view_only',
  'join_date',
  'photo_original',
  'photo_small',
  'photo_thumb',
  'photo_thumb_small',
  'photo_tiny',
  'sign_up_product_kind',
] as const;

/** The schema of one version: lines marked for the other version are left out, the marks removed. */
function forVersion(version: '2026-07' | '2026-10'): string {
  const other = version === '2026-07' ? '#2026-10' : '#2026-07';
  return sdl
    .split('\n')
    .filter((line) => !line.trimEnd().endsWith(other))
    .map((line) => line.replace(/\s*#20\d\d-\d\d$/, ''))
    .join('\n');
}

export const emulatorSdl = {
  '2026-07': forVersion('2026-07'),
  '2026-10': forVersion('2026-10'),
} as const;

export type SchemaVersion = keyof typeof emulatorSdl;
