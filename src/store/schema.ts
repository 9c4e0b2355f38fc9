import type { ColumnType, Generated } from 'kysely';

/** Tables as stored. Timestamps are ISO-8601 text and booleans 0/1 in both SQLite and PostgreSQL. */
export interface Database {
  connections: ConnectionsTable;
  directory_users: DirectoryUsersTable;
  sync_runs: SyncRunsTable;
  change_events: ChangeEventsTable;
  directory_teams: DirectoryTeamsTable;
  directory_team_members: DirectoryTeamLinksTable;
  directory_team_owners: DirectoryTeamLinksTable;
  audit_entries: AuditEntriesTable;
  action_requests: ActionRequestsTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  connection_leases: ConnectionLeasesTable;
  sync_staged_users: SyncStagedUsersTable;
  sync_staged_events: SyncStagedEventsTable;
  sync_seen: SyncSeenTable;
  settings: SettingsTable;
  policies: PoliciesTable;
  proposals: ProposalsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  jobs: JobsTable;
  monday_budgets: MondayBudgetsTable;
  monday_budget_leases: MondayBudgetLeasesTable;
  offboardings: OffboardingsTable;
  offboarding_steps: OffboardingStepsTable;
  held_removals: HeldRemovalsTable;
  people: PeopleTable;
  person_sessions: PersonSessionsTable;
  oidc_logins: OidcLoginsTable;
  review_campaigns: ReviewCampaignsTable;
  review_items: ReviewItemsTable;
  review_reminders: ReviewRemindersTable;
  service_users: ServiceUsersTable;
}

export interface PersonSessionsTable {
  id_hash: string;
  person_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

/** A sign-in on its way through the identity provider, used once. */
export interface OidcLoginsTable {
  state_hash: string;
  code_verifier: string;
  nonce: string;
  return_to: string;
  created_at: string;
  expires_at: string;
}

export interface PeopleTable {
  id: string;
  /** Lowercased. */
  email: string;
  name: string | null;
  assigned_role: 'reviewer' | 'viewer' | 'operator' | 'admin' | null;
  provider_role: 'reviewer' | 'viewer' | 'operator' | 'admin' | null;
  invited_by: string | null;
  created_at: string;
  last_sign_in_at: string | null;
  disabled_at: string | null;
  /** The identity provider's subject they signed in as (null: never signed in with it). */
  oidc_subject: string | null;
}

/** One person taken out of every connected account: who asked, for whom, and how it went. */
export interface OffboardingsTable {
  id: string;
  /** JSON: the emails asked for, lowercased. */
  emails: string;
  /** The caller's idempotency key, or the id itself. */
  idempotency_key: string;
  requested_by: string;
  requested_at: string;
  status: 'running' | 'done' | 'partial' | 'failed';
  finished_at: string | null;
  /** Who runs it now, and until when without a heartbeat. */
  holder: string | null;
  lease_until: string | null;
}

/** One account's part of an offboarding: the plan, the states before and after, monday's request ids. */
export interface OffboardingStepsTable {
  offboarding_id: string;
  connection_id: string;
  /** The account's name when the step was planned (the connection may be removed later). */
  account_name: string;
  status: 'pending' | 'done' | 'refused' | 'failed' | 'not_found';
  /** What was found and decided (JSON): the users, the channel, the reason. */
  plan: string;
  /** JSON: each user as monday reported it before and after acting; null until read. */
  before: string | null;
  after: string | null;
  /** JSON array of monday request ids. */
  request_ids: string;
  /** A sentence: what happened, or why not. */
  message: string | null;
  attempts: number;
  updated_at: string;
}

/**
 * One monday account's request budget as every process sees it (times in epoch milliseconds): our requests in
 * monday's minute window, the limits monday announced, what its complexity budget has left, and a pause.
 */
export interface MondayBudgetsTable {
  key: string;
  window_started_at: ColumnType<number, number, number>;
  window_used: number;
  minute_limit: number;
  concurrency_limit: number;
  complexity_remaining: ColumnType<number | null, number | null, number | null>;
  complexity_reset_at: ColumnType<number | null, number | null, number | null>;
  query_cost: ColumnType<number, number, number>;
  paused_until: ColumnType<number, number, number>;
  updated_at: ColumnType<number, number, number>;
}

/** A request in flight to a monday account; a dead process's lapse at `expires_at`. */
export interface MondayBudgetLeasesTable {
  id: string;
  key: string;
  expires_at: ColumnType<number, number, number>;
}

/** Work for workers: queued, running under a lease, done or failed. */
export interface JobsTable {
  id: string;
  kind: string;
  connection_id: string | null;
  payload: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  run_after: string;
  attempts: number;
  max_attempts: number;
  holder: string | null;
  lease_until: string | null;
  last_error: string | null;
  result: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** A rule on a connection that turns synced users into proposals. */
export interface PoliciesTable {
  id: string;
  connection_id: string;
  kind: string;
  /** JSON: the rule's parameters (days, an HR list of emails). */
  params: string;
  /** JSON: emails and domains the rule never touches. */
  exceptions: string;
  auto_apply: ColumnType<number, number | undefined, number>;
  max_per_run: ColumnType<number, number | undefined, number>;
  created_at: string;
}

/** Who a policy would act on, why, and what became of it. */
export interface ProposalsTable {
  id: string;
  policy_id: string;
  connection_id: string;
  run_id: string | null;
  remote_user_id: string;
  email: string;
  action: string;
  params: string;
  reason: string;
  status: 'open' | 'approved' | 'rejected' | 'applied' | 'failed' | 'reported' | 'withdrawn';
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
  audit_id: number | null;
  outcome: string | null;
}

/** A notification on its way to a connection's webhook, retried until delivered or given up. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  connection_id: string | null;
  event: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
}

/** Every user a running sync has seen so far (removals are the stored users it did not see). */
export interface SyncSeenTable {
  run_id: string;
  remote_id: string;
}

export interface ConnectionLeasesTable {
  connection_id: string;
  /** Who holds it, for messages: what, which run, which process on which host. */
  holder: string;
  purpose: string;
  run_id: string | null;
  /** Grows with every new holder; a write fenced by an older number is refused. */
  fence: number;
  acquired_at: string;
  heartbeat_at: string;
  expires_at: string;
}

export interface SyncStagedUsersTable extends Omit<DirectoryUsersTable, 'action_seq'> {
  run_id: string;
  /** Order of staging; publishing applies the rows in slices of it. */
  seq: number;
}

export interface SyncStagedEventsTable {
  run_id: string;
  seq: number;
  connection_id: string;
  remote_user_id: string;
  kind: ChangeEventsTable['kind'];
  before_value: string | null;
  after_value: string | null;
  occurred_at: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  role: 'reviewer' | 'viewer' | 'operator' | 'admin';
  /** SHA-256 of the key; the key itself is shown once and never stored. */
  key_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** The person who created the key (null: the initial key, or one made with the CLI). */
  owner_person_id?: string | null;
}

export interface SessionsTable {
  id_hash: string;
  key_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export interface AuditEntriesTable {
  id: Generated<number>;
  at: string;
  actor: string;
  /** null: an entry about Seatwise itself (sign-ins, keys, people), not a connection. */
  connection_id: string | null;
  action: string;
  via: string;
  dry_run: number;
  idempotency_key: string | null;
  outcome: string;
  /** JSON */
  targets: string;
  /** JSON */
  plan: string;
  /** JSON */
  results: string;
  /** JSON */
  request_ids: string;
  error_code: string | null;
  error_message: string | null;
}

export interface ActionRequestsTable {
  connection_id: string;
  idempotency_key: string;
  /** Hash of the request, so one key cannot be reused for a different request. */
  fingerprint: string;
  /** running: an execution holds it; done: its result is kept for replay; retryable: may be claimed again. */
  status: 'running' | 'done' | 'retryable';
  /** JSON of the finished result. */
  result: string | null;
  created_at: string;
  expires_at: string;
  /** The current execution; monday's Idempotency-Key is derived from it, so no two executions share one. */
  execution_id: string | null;
  holder: string | null;
  /** A running execution heartbeats this; past it, the execution is taken for dead and may be retried. */
  lease_expires_at: string | null;
  attempt: number;
  audit_id: number | null;
  previous_audit_id: number | null;
}

export interface ConnectionsTable {
  id: string;
  account_id: string;
  account_name: string;
  account_slug: string;
  account_url: string | null;
  plan_tier: string | null;
  max_users: number | null;
  api_url: string;
  api_version: string;
  scim_url: string | null;
  permission: 'read' | 'read_and_act';
  token_ciphertext: string;
  scim_token_ciphertext: string | null;
  token_owner_id: string;
  token_owner_kind: string | null;
  status: 'connected' | 'syncing' | 'error';
  status_reason: string | null;
  last_synced_at: string | null;
  created_at: string;
  updated_at: string;
  /** The number of the latest action write to this connection's copy. */
  copy_seq: number;
  /** monday's active_members_count when the token was last checked: a first sync's lower bound of users. */
  active_members_count: number | null;
  /** No activity for this many days makes a paid seat inactive. */
  inactive_days: number;
  /** What one paid seat costs a month, and in which currency (cost insights). */
  seat_price: number | null;
  currency: string | null;
  /** The sealed webhook URL notifications go to (it often holds a secret). */
  webhook_ciphertext: string | null;
  /** When it syncs by itself: cron syntax, UTC. */
  sync_schedule: string;
  /** The next scheduled sync; null until the scheduler first sees the connection. */
  next_sync_at: string | null;
  /** 1: offboarding may deactivate users not provisioned through SCIM with GraphQL deactivate_users. */
  graphql_offboarding: number;
  /** A run that would remove more than this share (percent) of the stored users… */
  removal_hold_percent: number;
  /** …and more than this many people holds its removals until an admin confirms them. */
  removal_hold_min: number;
  /** The API version monday last said it served (its `API-Version` response header). */
  served_api_version: string | null;
  /** monday's versions and their kinds as last read (JSON `[{ kind, value }]`). */
  api_versions_json: string | null;
  /** Since when the pin has been deprecated or served as another version (null: it is not). */
  api_version_notice_since: string | null;
  /** The account's daily API calls as last read (JSON, see `DailyUsageView`). */
  daily_usage_json: string | null;
  /** Why the last scheduled sync was left for later (null: it was not). */
  sync_deferred: string | null;
  service_users_read_at: string | null;
  service_users_error: string | null;
}

export interface ServiceUsersTable {
  connection_id: string;
  remote_id: string;
  name: string;
  title: string | null;
  enabled: number | null;
  invited_by_id: string | null;
  remote_created_at: string | null;
  last_token_activity: string | null;
  has_token: number | null;
  synced_at: string;
}

export interface DirectoryUsersTable {
  connection_id: string;
  remote_id: string;
  name: string;
  email: string;
  title: string;
  role: string;
  status: string;
  license: string | null;
  last_activity_at: string | null;
  remote_created_at: string | null;
  scim_linked: number;
  invitation_method: string | null;
  explanation: string;
  first_seen_at: string;
  updated_at: string;
  removed_at: string | null;
  /** monday's kind as sent (null on API versions without it). */
  kind: string | null;
  /** connections.copy_seq of the last action that wrote this row (0: only syncs did). */
  action_seq: number;
}

export interface SyncRunsTable {
  id: string;
  connection_id: string;
  trigger: string;
  status: 'running' | 'succeeded' | 'failed';
  started_at: string;
  finished_at: string | null;
  complete: number;
  pages_read: number;
  users_seen: number;
  changes: number;
  requests: number;
  retries: number;
  error_code: string | null;
  error_message: string | null;
  /** monday's request id of the answer the run failed on. */
  error_request_id: string | null;
  /** Users this run did not overwrite because an action wrote them after the run began reading. */
  kept_for_actions: number;
  /** JSON, for complete runs: licenses and active users as published (trends). */
  snapshot: string | null;
  /** Users monday confirmed gone that this run did not remove: too many at once, held for review. */
  removals_held: number;
}

/** Removals a run held for review: the stored users monday confirmed gone, kept until an admin confirms. */
export interface HeldRemovalsTable {
  connection_id: string;
  remote_id: string;
  run_id: string;
  held_at: string;
}

export interface ChangeEventsTable {
  id: Generated<number>;
  connection_id: string;
  run_id: string | null;
  remote_user_id: string;
  kind: ChangeKind;
  before_value: string | null;
  after_value: string | null;
  occurred_at: ColumnType<string, string, never>;
  /** The team a team event is about (null for user events). */
  team_id: string | null;
  /** The audit entry of the Seatwise action that made the change (null: a sync saw it, or monday did). */
  audit_id: ColumnType<number | null, number | null | undefined, number | null>;
}

export type ChangeKind =
  | 'added'
  | 'removed'
  | 'role_changed'
  | 'status_changed'
  | 'license_changed'
  | 'joined_team'
  | 'left_team'
  | 'team_created'
  | 'team_renamed'
  | 'team_removed'
  | 'owner_added'
  | 'owner_removed';

export interface DirectoryTeamsTable {
  connection_id: string;
  team_id: string;
  name: string;
  is_guest: number;
  picture_url: string | null;
  scim_managed: number | null;
  first_seen_at: string;
  updated_at: string;
  removed_at: string | null;
}

/** A user in a team (members) or owning it (owners), as monday reported it. */
export interface DirectoryTeamLinksTable {
  connection_id: string;
  team_id: string;
  user_id: string;
  since: string;
}

/** An access review campaign: its configuration, due and end dates, recurrence and who closes it now. */
export interface ReviewCampaignsTable {
  id: string;
  name: string;
  status: 'open' | 'closing' | 'closed';
  /** JSON: the campaign's configuration as created (scope, reviewers, decisions, defaults, leavers). */
  config: string;
  due_at: string;
  ends_at: string | null;
  recurrence: string;
  /** When the next campaign of a recurring one is launched (null: not recurring). */
  next_launch_at: string | null;
  /** The recurring campaign this one was launched from. */
  series_of: string | null;
  created_by: string;
  created_at: string;
  closed_by: string | null;
  closed_at: string | null;
  /** The run that closes it, and until when without a heartbeat. */
  holder: string | null;
  lease_until: string | null;
}

/** One user under review: what the reviewer saw at launch, the decision, and what monday showed after. */
export interface ReviewItemsTable {
  id: string;
  campaign_id: string;
  seq: number;
  connection_id: string;
  account_name: string;
  remote_user_id: string;
  email: string;
  name: string;
  /** JSON: role, status, license, teams, last activity, provisioning and seat cost at launch. */
  snapshot: string;
  /** JSON: what the evidence suggested, with reasons. */
  recommendations: string;
  reviewer_id: string;
  decision: string | null;
  decision_role: string | null;
  comment: string | null;
  decided_by: string | null;
  decided_at: string | null;
  submitted_at: string | null;
  status: string;
  /** Attempts at carrying the decision out (each has its own idempotency key). */
  attempts: number;
  holder: string | null;
  lease_until: string | null;
  /** A sentence: what monday showed after, or why it failed. */
  result: string | null;
  /** JSON: the user as monday showed them after (null: not read yet; "null": not in the account). */
  after: string | null;
  after_at: string | null;
  /** JSON array of audit entry ids of the actions that carried it out. */
  audit_ids: string;
  updated_at: string;
  /** Who let a decision that raises access be carried out (an operator or admin), and when. */
  approved_by: ColumnType<string | null, string | null | undefined, string | null>;
  approved_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** An admin decided it for its reviewer: the reviewer it was assigned to (null: its reviewer decided). */
  override_of: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A reminder to one reviewer of a campaign, sent once by e-mail and webhook. */
export interface ReviewRemindersTable {
  campaign_id: string;
  person_id: string;
  kind: 'due_soon' | 'overdue';
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}
