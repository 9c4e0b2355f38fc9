import type { ConnectionAccess } from '../actions/actionRunner.ts';
import {
  effectiveVersion,
  type ListedVersion,
  type VersionNotice,
  versionNotice,
} from '../domain/apiVersions.ts';
import { AppError } from '../domain/appError.ts';
import type { ConnectionFacts } from '../domain/capabilities.ts';
import { newId } from '../domain/ids.ts';
import { invalidInput } from '../domain/inputIssues.ts';
import type { DailyUsageView, StoredDailyUsage } from '../domain/serviceUsers.ts';
import { EndpointPolicy } from '../monday/endpointPolicy.ts';
import { GraphqlClient, MONDAY_API_URL, NEWEST_KNOWN_VERSION } from '../monday/graphqlClient.ts';
import { type AccountInfo, MondayApi } from '../monday/mondayApi.ts';
import { MondayError } from '../monday/mondayError.ts';
import { type MondayObserver, RequestBudget } from '../monday/requestBudget.ts';
import { ScimClient } from '../monday/scimClient.ts';
import { DbSharedBudget } from '../store/budgetRepo.ts';
import { type ConnectionRow, ConnectionsRepo, copyVersionOf } from '../store/connectionsRepo.ts';
import type { Store } from '../store/database.ts';
import { LeaseRepo } from '../store/leaseRepo.ts';
import { ReviewsRepo } from '../store/reviewsRepo.ts';
import { type SecretBox, sealedAt } from '../store/secretBox.ts';
import { SettingsRepo } from '../store/settingsRepo.ts';
import {
  type ConnectionUpdateInput,
  connectionUpdateSchema,
  type NewConnectionInput,
  newConnectionSchema,
} from './connectionInput.ts';
import { CopyMemo } from './copyMemo.ts';
import type { SeatwiseAudit } from './seatwiseAudit.ts';

/** The setting that names the demo connection, so a restarted server finds it again. */
export const DEMO_SETTING = 'demo_connection';

/** Every six hours, on the hour (UTC), unless a connection says otherwise. */
export const DEFAULT_SCHEDULE = '0 */6 * * *';

/** How long a token check may wait for one answer, and how often it tries again. */
const CHECK_TIMEOUT_MS = 5000;
const CHECK_RETRIES = 2;

/** A connection as every interface shows it: never a token, only whether one is set. */
export interface ConnectionView {
  id: string;
  accountId: string;
  accountName: string;
  accountSlug: string;
  accountUrl: string | null;
  planTier: string | null;
  maxUsers: number | null;
  permission: 'read' | 'read_and_act';
  apiUrl: string;
  /** `current` (follows monday's calendar) or a pinned version. */
  apiVersion: string;
  /** The version monday last said it served; null before the first answer. */
  servedApiVersion: string | null;
  /** What to do about a deprecated pin, or one monday serves as another version (null: nothing). */
  apiVersionNotice: VersionNotice | null;
  /** The account's daily API calls as monday last reported them (null before a reading). */
  dailyUsage: DailyUsageView | null;
  /** Why the last scheduled sync was left for later (null: it was not). */
  syncDeferred: string | null;
  scimUrl: string | null;
  hasScimToken: boolean;
  tokenOwnerId: string;
  tokenOwnerKind: string | null;
  status: 'connected' | 'syncing' | 'error';
  statusReason: string | null;
  lastSyncedAt: string | null;
  userCount: number;
  /** Users monday no longer shows whom the last sync held for review instead of removing them. */
  removalsHeld: number;
  /** The sample account of "Try with a demo account": its users are not real people. */
  demo: boolean;
  createdAt: string;
  /** No activity for this many days makes a paid seat inactive (insights, policies). */
  inactiveDays: number;
  /** Price of a paid seat per month, and its currency, for cost insights; null until set. */
  seatPrice: number | null;
  currency: string | null;
  /** Where notifications go: only the host is shown (the URL often holds a secret). */
  webhookHost: string | null;
  /** Whether offboarding may deactivate users SCIM did not provision with GraphQL deactivate_users. */
  graphqlOffboarding: boolean;
  /** A sync that would remove more than this percent of the stored users and more than `min` people holds them. */
  removalHold: { percent: number; min: number };
  /** When it syncs by itself (cron, UTC, or `off`), and when next. */
  syncSchedule: string;
  nextSyncAt: string | null;
}

export type { DailyUsageView } from '../domain/serviceUsers.ts';

/** The settings whose values are secrets: the audit log says only that they were set, changed or removed. */
const SECRET_FIELDS: ReadonlySet<string> = new Set(['token', 'scimToken', 'webhookUrl']);

/** Options for talking to monday: timeouts and retries are tunable for tests and slow links. */
export interface RemoteOptions {
  timeoutMs?: number;
  maxRetries?: number;
  baseDelayMs?: number;
  /** The clock request budgets wait on; tests pass a simulated one. */
  clock?: { now: () => number; sleep: (ms: number) => Promise<unknown> };
  observer?: MondayObserver;
  /** Where connections without an explicit API URL go (monday's real endpoint unless told otherwise). */
  defaultApiUrl?: string;
  /** Which endpoints tokens may be sent to; monday's own only, unless the operator allowed more. */
  endpoints?: EndpointPolicy;
}

/** Adds, lists, updates and removes connections; validates tokens live and keeps them sealed. */
export class ConnectionsService implements ConnectionAccess {
  private readonly repo: ConnectionsRepo;
  private readonly settings: SettingsRepo;
  private readonly leases: LeaseRepo;
  private readonly budgets = new Map<string, RequestBudget>();
  private readonly endpoints: EndpointPolicy;
  private readonly store: Store;

  constructor(
    store: Store,
    private readonly secrets: SecretBox,
    private readonly remote: RemoteOptions = {},
    private readonly now: () => Date = () => new Date(),
    /** Where administrative changes are recorded (those made with a `by`). */
    private readonly audit?: SeatwiseAudit,
  ) {
    this.store = store;
    this.repo = new ConnectionsRepo(store.db, store.dialect);
    this.settings = new SettingsRepo(store.db);
    this.leases = new LeaseRepo(store.db);
    this.endpoints = remote.endpoints ?? EndpointPolicy.fromSetting(undefined);
  }

  /**
   * Connects an account; `by` (an audit actor) records who connected it, with its settings, in the audit log.
   */
  async add(raw: NewConnectionInput, by?: string): Promise<ConnectionView> {
    const parsed = newConnectionSchema.safeParse(raw);
    if (!parsed.success) throw invalidInput('invalid_connection', parsed.error, raw);
    const input = parsed.data;
    const apiUrl = input.apiUrl ?? this.remote.defaultApiUrl ?? MONDAY_API_URL;
    // Both endpoints are checked before the token is sent anywhere.
    this.endpoints.fetchFor(apiUrl, 'api');
    if (input.scimUrl) this.endpoints.fetchFor(input.scimUrl, 'scim');
    const info = await this.validateToken(input.token, apiUrl, input.apiVersion);
    const { account } = info;
    if (input.accountUrl) checkAccountUrl(input.accountUrl, account.slug);
    const existing = await this.repo.findByAccount(apiUrl, account.id);
    if (existing) {
      throw new AppError(
        'conflict',
        'already_connected',
        `account ${account.name} (${account.id}) is already connected as ${existing.id}`,
        {
          connectionId: existing.id,
        },
      );
    }
    const tier = planColumns(account).plan_tier;
    let scimUrl: string | null = input.scimUrl ?? null;
    if (input.scimToken) {
      scimUrl ??= `https://${account.slug}.monday.com/scim/v2`;
      await this.validateScimToken(input.scimToken, scimUrl, tier);
    }
    const at = this.now().toISOString();
    const id = newId('con');
    await this.repo.insert({
      id,
      account_id: account.id,
      account_name: account.name,
      account_slug: account.slug,
      account_url: input.accountUrl ?? null,
      ...planColumns(account),
      api_url: apiUrl,
      api_version: input.apiVersion,
      scim_url: scimUrl,
      permission: input.permission,
      token_ciphertext: this.secrets.encrypt(input.token, sealedAt('token_ciphertext', id)),
      scim_token_ciphertext: input.scimToken
        ? this.secrets.encrypt(input.scimToken, sealedAt('scim_token_ciphertext', id))
        : null,
      token_owner_id: info.me.id,
      token_owner_kind: info.me.kind ?? null,
      status: 'connected',
      status_reason: 'not synced yet',
      last_synced_at: null,
      created_at: at,
      updated_at: at,
      copy_seq: 0,
      inactive_days: 90,
      graphql_offboarding: 0,
      seat_price: null,
      currency: null,
      webhook_ciphertext: null,
      sync_schedule: DEFAULT_SCHEDULE,
      next_sync_at: null,
      removal_hold_percent: 10,
      removal_hold_min: 20,
      ...versionColumns(info, input.apiVersion, null, at, id),
      daily_usage_json: null,
      sync_deferred: null,
      service_users_read_at: null,
      service_users_error: null,
    });
    const view = await this.get(id);
    if (by)
      await this.audit?.recordChange({
        actor: by,
        action: 'connection_created',
        targets: [`${view.accountName} (${id})`],
        before: null,
        after: await this.settingsOf(id),
        secrets: SECRET_FIELDS,
        detail: { connectionId: id },
      });
    return view;
  }

  /** A connection's settings as the audit log compares them (secrets by their sealed value, never written). */
  private async settingsOf(id: string): Promise<Record<string, unknown>> {
    const row = await this.row(id);
    const v = await this.get(id);
    return {
      accountUrl: v.accountUrl,
      permission: v.permission,
      apiUrl: v.apiUrl,
      apiVersion: v.apiVersion,
      scimUrl: v.scimUrl,
      token: row.token_ciphertext,
      scimToken: row.scim_token_ciphertext,
      webhookUrl: row.webhook_ciphertext,
      tokenOwnerId: v.tokenOwnerId,
      inactiveDays: v.inactiveDays,
      seatPrice: v.seatPrice,
      currency: v.currency,
      graphqlOffboarding: v.graphqlOffboarding,
      removalHold: v.removalHold,
      syncSchedule: v.syncSchedule,
    };
  }

  async list(): Promise<ConnectionView[]> {
    const rows = await this.repo.list();
    const demo = await this.demoId();
    return Promise.all(
      rows.map(async (r) =>
        toView(
          await this.withLiveStatus(r),
          await this.userCount(r),
          this.webhookHost(r),
          await this.repo.heldRemovals(r.id),
          r.id === demo,
          await this.syncCost(r.id),
        ),
      ),
    );
  }

  /** The connection "Try with a demo account" made, if any: its data are samples. */
  demoId(): Promise<string | null> {
    return this.settings.get<string | null>(DEMO_SETTING, null);
  }

  private readonly counts = new CopyMemo<number>();

  /**
   * A connection's current users, counted once per change of its copy (a sync published, an action wrote):
   * a connection shown on every request does not scan its users each time.
   */
  private userCount(row: ConnectionRow): Promise<number> {
    return this.counts.get(row.id, copyVersionOf(row), this.now().getTime(), async () => {
      return (await this.repo.userCounts(row.id)).get(row.id) ?? 0;
    });
  }

  /** A connection shown as syncing whose sync stopped heartbeating says so, instead of syncing forever. */
  private async withLiveStatus(row: ConnectionRow): Promise<ConnectionRow> {
    if (row.status !== 'syncing') return row;
    const lease = await this.leases.get(row.id);
    if (lease && lease.expires_at > this.now().toISOString()) return row;
    return {
      ...row,
      status: 'error',
      status_reason: `the last sync stopped before it finished${lease ? ` (${lease.holder}; last heartbeat at ${lease.heartbeat_at})` : ''}; the next sync takes over`,
    };
  }

  /** Lets tokens go to an endpoint Seatwise itself started (the in-process demo emulator). */
  allowEndpoint(origin: string): void {
    this.endpoints.allow(origin);
  }

  private webhookHost(row: ConnectionRow): string | null {
    if (!row.webhook_ciphertext) return null;
    try {
      return new URL(this.secrets.decrypt(row.webhook_ciphertext, sealedAt('webhook_ciphertext', row.id)))
        .host;
    } catch {
      return 'unreadable';
    }
  }

  /** The connection's webhook URL, to deliver a notification; null when none is set. */
  async webhookUrl(id: string): Promise<string | null> {
    const row = await this.repo.get(id);
    return row?.webhook_ciphertext
      ? this.secrets.decrypt(row.webhook_ciphertext, sealedAt('webhook_ciphertext', id))
      : null;
  }

  /** The fetch a webhook URL may be called with: monday's rules for endpoints apply (https, public addresses). */
  webhookFetch(url: string): typeof fetch {
    return this.endpoints.fetchFor(url, 'webhook', 'webhookUrl');
  }

  async exists(id: string): Promise<boolean> {
    return (await this.repo.get(id)) !== undefined;
  }

  async get(id: string): Promise<ConnectionView> {
    const row = await this.withLiveStatus(await this.row(id));
    return toView(
      row,
      await this.userCount(row),
      this.webhookHost(row),
      await this.repo.heldRemovals(id),
      id === (await this.demoId()),
      await this.syncCost(id),
    );
  }

  /** What the last complete sync cost in monday API calls (null before one). */
  async syncCost(id: string): Promise<number | null> {
    const run = await this.store.db
      .selectFrom('sync_runs')
      .select(['requests'])
      .where('connection_id', '=', id)
      .where('status', '=', 'succeeded')
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return run ? Number(run.requests) : null;
  }

  /**
   * Reads the account's daily call limit and today's use from monday (one call) and keeps it on the
   * connection; null when monday does not say (the reading is then left as it was).
   */
  async readDailyUsage(id: string): Promise<DailyUsageView | null> {
    const row = await this.row(id);
    const now = this.now();
    const usage = await (await this.api(id)).dailyUsage(now.toISOString().slice(0, 10));
    if (usage.limit === null && usage.usedToday === null) return null;
    const stored: StoredDailyUsage = {
      day: now.toISOString().slice(0, 10),
      limit: usage.limit,
      usedToday: usage.usedToday,
      tokenOwnerToday: usage.byUser.get(row.token_owner_id) ?? null,
      readAt: now.toISOString(),
    };
    await this.repo.update(id, { daily_usage_json: JSON.stringify(stored) });
    return { ...stored, syncCost: await this.syncCost(id) };
  }

  /** Records why a scheduled sync was left for later, or clears it (null). */
  async setSyncDeferred(id: string, reason: string | null): Promise<void> {
    await this.repo.update(id, { sync_deferred: reason });
  }

  /**
   * Changes tokens, permission, API version, endpoints or account URL. A new token or endpoint is validated live
   * and must open the same account.
   */
  /** Changes a connection; `by` (an audit actor) records the change field by field in the audit log. */
  async update(id: string, raw: ConnectionUpdateInput, by?: string): Promise<ConnectionView> {
    const parsed = connectionUpdateSchema.safeParse(raw);
    if (!parsed.success) throw invalidInput('invalid_connection_update', parsed.error, raw);
    const input = parsed.data;
    const row = await this.row(id);
    const before = by ? await this.settingsOf(id) : null;
    const changes: Partial<ConnectionRow> = { updated_at: this.now().toISOString() };
    const apiVersion = input.apiVersion ?? row.api_version;
    const apiUrl = input.apiUrl ?? row.api_url;
    this.endpoints.fetchFor(apiUrl, 'api');
    if (input.scimUrl) this.endpoints.fetchFor(input.scimUrl, 'scim');
    if (input.accountUrl) checkAccountUrl(input.accountUrl, row.account_slug);
    if (input.token || input.apiVersion || input.apiUrl) {
      const token =
        input.token ?? this.secrets.decrypt(row.token_ciphertext, sealedAt('token_ciphertext', id));
      const info = await this.validateToken(token, apiUrl, apiVersion);
      if (info.account.id !== row.account_id) {
        throw new AppError(
          'invalid_input',
          'different_account',
          `that ${input.token ? 'token' : 'endpoint'} opens account ${info.account.name} (${info.account.id}), not ${row.account_name} (${row.account_id})`,
        );
      }
      if (apiUrl !== row.api_url) {
        const other = await this.repo.findByAccount(apiUrl, row.account_id);
        if (other && other.id !== id) {
          throw new AppError(
            'conflict',
            'already_connected',
            `account ${row.account_name} (${row.account_id}) at ${apiUrl} is already connected as ${other.id}`,
            { connectionId: other.id },
          );
        }
        changes.api_url = apiUrl;
      }
      if (input.token)
        changes.token_ciphertext = this.secrets.encrypt(input.token, sealedAt('token_ciphertext', id));
      changes.api_version = apiVersion;
      Object.assign(
        changes,
        versionColumns(
          info,
          apiVersion,
          apiVersion === row.api_version ? row.api_version_notice_since : null,
          changes.updated_at!,
          id,
        ),
      );
      changes.token_owner_id = info.me.id;
      changes.token_owner_kind = info.me.kind ?? null;
      Object.assign(changes, planColumns(info.account));
      if (row.status === 'error') {
        changes.status = 'connected';
        changes.status_reason = null;
      }
    }
    const scimUrl = input.scimUrl ?? row.scim_url ?? `https://${row.account_slug}.monday.com/scim/v2`;
    if (input.scimToken === null) {
      changes.scim_token_ciphertext = null;
    } else if (input.scimToken || (input.scimUrl && row.scim_token_ciphertext)) {
      // A new SCIM token, or the stored one at a new address, is checked where it will be used.
      const scimToken =
        input.scimToken ??
        this.secrets.decrypt(row.scim_token_ciphertext as string, sealedAt('scim_token_ciphertext', id));
      await this.validateScimToken(scimToken, scimUrl, changes.plan_tier ?? row.plan_tier);
      if (input.scimToken)
        changes.scim_token_ciphertext = this.secrets.encrypt(
          input.scimToken,
          sealedAt('scim_token_ciphertext', id),
        );
    }
    if (input.scimUrl || input.scimToken) changes.scim_url = scimUrl;
    if (input.accountUrl !== undefined) changes.account_url = input.accountUrl;
    if (input.inactiveDays !== undefined) changes.inactive_days = input.inactiveDays;
    if (input.seatPrice !== undefined) changes.seat_price = input.seatPrice;
    if (input.removalHoldPercent !== undefined) changes.removal_hold_percent = input.removalHoldPercent;
    if (input.removalHoldMin !== undefined) changes.removal_hold_min = input.removalHoldMin;
    if (input.currency !== undefined) changes.currency = input.currency;
    if (input.graphqlOffboarding !== undefined)
      changes.graphql_offboarding = input.graphqlOffboarding ? 1 : 0;
    if (input.syncSchedule !== undefined && input.syncSchedule !== row.sync_schedule) {
      changes.sync_schedule = input.syncSchedule;
      // The scheduler sets the next run from the new schedule.
      changes.next_sync_at = null;
    }
    if (input.webhookUrl === null) changes.webhook_ciphertext = null;
    else if (input.webhookUrl !== undefined) {
      this.endpoints.fetchFor(input.webhookUrl, 'webhook', 'webhookUrl');
      changes.webhook_ciphertext = this.secrets.encrypt(input.webhookUrl, sealedAt('webhook_ciphertext', id));
    }
    if (input.permission) changes.permission = input.permission;
    await this.repo.update(id, changes);
    const view = await this.get(id);
    if (by && before)
      await this.audit?.recordChange({
        actor: by,
        action: 'connection_updated',
        targets: [`${view.accountName} (${id})`],
        before,
        after: await this.settingsOf(id),
        secrets: SECRET_FIELDS,
        detail: { connectionId: id },
      });
    return view;
  }

  /**
   * Reads the account's plan again (tier, the seat bucket `max_users`, active members) and stores what
   * changed: after each complete sync, so seat figures follow a plan changed in monday.
   */
  async refreshPlan(id: string): Promise<void> {
    const row = await this.row(id);
    const client = await this.graphql(id);
    const info = await new MondayApi(client).meAndAccount();
    const plan = planColumns(info.account);
    const versions = versionColumns(
      { ...info, servedVersion: client.servedVersion },
      row.api_version,
      row.api_version_notice_since,
      this.now().toISOString(),
      id,
    );
    if (
      versions.served_api_version !== row.served_api_version ||
      versions.api_versions_json !== row.api_versions_json ||
      versions.api_version_notice_since !== row.api_version_notice_since
    )
      await this.repo.update(id, versions);
    if (
      plan.plan_tier === row.plan_tier &&
      plan.max_users === (row.max_users === null ? null : Number(row.max_users)) &&
      plan.active_members_count ===
        (row.active_members_count === null ? null : Number(row.active_members_count))
    )
      return;
    await this.repo.update(id, { ...plan, updated_at: this.now().toISOString() });
  }

  /**
   * Disconnects an account and deletes what was synced for it. An account an open access review covers is kept
   * unless `force`d: its campaigns then close with those items' state in monday unknown. `by` is recorded.
   */
  async remove(id: string, options: { by?: string; force?: boolean } = {}): Promise<void> {
    const row = await this.row(id);
    const reviews = await new ReviewsRepo(this.store.db).openCampaignsCovering(id);
    if (reviews.length > 0 && !options.force)
      throw new AppError(
        'conflict',
        'connection_in_review',
        `${row.account_name} (${id}) is in ${reviews.length === 1 ? 'an open access review' : `${reviews.length} open access reviews`}: ${reviews.map((r) => `${r.name} (${r.id}, ${r.status})`).join(', ')}. Close ${reviews.length === 1 ? 'it' : 'them'} first, or disconnect anyway with force (their items of this account close as "account disconnected, state unknown")`,
        { campaigns: reviews.map((r) => ({ id: r.id, name: r.name, status: r.status })) },
      );
    const before = options.by ? await this.settingsOf(id) : null;
    await this.repo.delete(id);
    this.budgets.delete(`graphql:${id}`);
    this.budgets.delete(`scim:${id}`);
    if (options.by && before)
      await this.audit?.recordChange({
        actor: options.by,
        action: 'connection_deleted',
        targets: [`${row.account_name} (${id})`],
        before,
        after: null,
        secrets: SECRET_FIELDS,
        detail: {
          connectionId: id,
          ...(reviews.length ? { forced: true, openReviews: reviews.map((r) => r.id) } : {}),
        },
      });
  }

  /** The monday API of a connection, sharing one request budget per connection. */
  async api(id: string): Promise<MondayApi> {
    return new MondayApi(await this.graphql(id));
  }

  async graphql(id: string): Promise<GraphqlClient> {
    const row = await this.row(id);
    return new GraphqlClient({
      token: this.secrets.decrypt(row.token_ciphertext, sealedAt('token_ciphertext', id)),
      apiUrl: row.api_url,
      apiVersion: row.api_version,
      servedVersion: row.served_api_version,
      // A new served version is kept at once: every later client chooses its documents by it.
      onServedVersion: (served) => {
        void this.repo.update(id, { served_api_version: served }).catch(() => {});
      },
      // One budget per monday account, shared with every other process through the database.
      budget: this.budget(`graphql:${id}`, `${row.api_url}#${row.account_id}`),
      timeoutMs: this.remote.timeoutMs,
      retry: this.retryOptions(),
      fetch: await this.endpointFetch(id, row.api_url, 'api'),
    });
  }

  /** Whether this process can reach the demo account (only the server that started it can). */
  async demoReachableHere(id: string): Promise<boolean> {
    const row = await this.row(id);
    try {
      await this.endpointFetch(id, row.api_url, 'api');
      return true;
    } catch (error) {
      if (error instanceof AppError && error.code === 'demo_in_server') return false;
      throw error;
    }
  }

  /**
   * The fetch a connection's monday endpoint may be called with. The demo's emulator runs inside the server that
   * started it, so another process (the CLI, a worker) is told that, not that the endpoint is not monday's.
   */
  private async endpointFetch(id: string, url: string, kind: 'api' | 'scim'): Promise<typeof fetch> {
    try {
      return this.endpoints.fetchFor(url, kind);
    } catch (error) {
      if (error instanceof AppError && error.code === 'endpoint_not_allowed' && id === (await this.demoId()))
        throw new AppError(
          'precondition',
          'demo_in_server',
          'the demo account runs inside the Seatwise server that started it: use it from that server (the web UI or its API)',
        );
      throw error;
    }
  }

  /** The SCIM client of a connection; callers check first that it has a SCIM token. */
  async scim(id: string): Promise<ScimClient> {
    const row = await this.row(id);
    if (!row.scim_token_ciphertext || !row.scim_url) {
      throw new AppError('precondition', 'no_scim_token', `connection ${id} has no SCIM token`);
    }
    return new ScimClient({
      token: this.secrets.decrypt(row.scim_token_ciphertext, sealedAt('scim_token_ciphertext', id)),
      baseUrl: row.scim_url,
      budget: this.budget(`scim:${id}`),
      timeoutMs: this.remote.timeoutMs,
      retry: this.retryOptions(),
      fetch: await this.endpointFetch(id, row.scim_url, 'scim'),
    });
  }

  /** What decides which actions a connection may run. */
  async facts(id: string): Promise<ConnectionFacts & { tokenOwnerId: string }> {
    const row = await this.row(id);
    return {
      permission: row.permission,
      planTier: row.plan_tier,
      hasScimToken: row.scim_token_ciphertext !== null,
      tokenOwnerKind: row.token_owner_kind,
      tokenOwnerId: row.token_owner_id,
      apiVersion: effectiveVersion(row.api_version, row.served_api_version, NEWEST_KNOWN_VERSION),
      status: row.status,
      graphqlOffboarding: Number(row.graphql_offboarding) === 1,
    };
  }

  private budget(key: string, sharedKey?: string): RequestBudget {
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = new RequestBudget({
        ...this.remote.clock,
        observer: this.remote.observer,
        // The database's clock, unless the budgets run on a given one (tests' simulated time).
        shared: sharedKey
          ? new DbSharedBudget(this.store, sharedKey, { now: this.remote.clock?.now })
          : undefined,
        holdMs: (this.remote.timeoutMs ?? 30_000) + 5_000,
      });
      this.budgets.set(key, budget);
    }
    return budget;
  }

  private retryOptions() {
    return {
      ...(this.remote.maxRetries !== undefined ? { maxRetries: this.remote.maxRetries } : {}),
      ...(this.remote.baseDelayMs !== undefined ? { baseDelayMs: this.remote.baseDelayMs } : {}),
    };
  }

  /**
   * Checking a token is interactive (someone waits on connect or update): a few seconds at most, so an
   * unreachable endpoint fails fast rather than after a sync's patient retries.
   */
  private interactive() {
    return {
      timeoutMs: Math.min(this.remote.timeoutMs ?? CHECK_TIMEOUT_MS, CHECK_TIMEOUT_MS),
      retry: {
        ...this.retryOptions(),
        maxRetries: Math.min(this.remote.maxRetries ?? CHECK_RETRIES, CHECK_RETRIES),
        maxWaitMs: CHECK_TIMEOUT_MS,
      },
    };
  }

  private async row(id: string): Promise<ConnectionRow> {
    const row = await this.repo.get(id);
    if (!row) throw new AppError('not_found', 'connection_not_found', `no connection with id ${id}`);
    return row;
  }

  private async validateToken(token: string, apiUrl: string, apiVersion: string): Promise<CheckedToken> {
    const client = new GraphqlClient({
      token,
      apiUrl,
      apiVersion,
      ...this.interactive(),
      fetch: this.endpoints.fetchFor(apiUrl, 'api'),
    });
    try {
      const info = await new MondayApi(client).meAndAccount();
      return { ...info, servedVersion: client.servedVersion };
    } catch (error) {
      throw explainTokenFailure(error, apiUrl);
    }
  }

  private async validateScimToken(token: string, scimUrl: string, tier: string | null): Promise<void> {
    if (tier && tier.toLowerCase() !== 'enterprise') {
      throw new AppError(
        'precondition',
        'scim_needs_enterprise',
        `SCIM is not available on this account's plan (${tier}); monday offers it on Enterprise only`,
      );
    }
    const client = new ScimClient({
      token,
      baseUrl: scimUrl,
      ...this.interactive(),
      fetch: this.endpoints.fetchFor(scimUrl, 'scim'),
    });
    try {
      await client.list(1, 1);
    } catch (error) {
      if (error instanceof MondayError && error.code === 'scim_unauthorized') {
        throw new AppError(
          'invalid_input',
          'invalid_scim_token',
          `monday rejected the SCIM token at ${scimUrl}`,
        );
      }
      if (error instanceof MondayError) {
        throw new AppError(
          'upstream',
          'scim_unreachable',
          `could not check the SCIM token at ${scimUrl}: ${error.message}`,
        );
      }
      throw error;
    }
  }
}

function explainTokenFailure(error: unknown, apiUrl: string): AppError | unknown {
  if (!(error instanceof MondayError)) return error;
  if (error.code === 'Unauthorized')
    return new AppError(
      'invalid_input',
      'invalid_token',
      'monday rejected the API token (401 Not Authenticated)',
    );
  if (error.code === 'USER_ACCESS_DENIED') {
    return new AppError(
      'invalid_input',
      'token_owner_denied',
      `monday refused API access for this token's owner: ${error.message}`,
    );
  }
  if (error.code === 'InvalidVersionException')
    return new AppError('invalid_input', 'invalid_api_version', error.message);
  return new AppError(
    'upstream',
    'monday_unavailable',
    `could not validate the token at ${apiUrl}: ${error.message}`,
    { mondayCode: error.code, requestId: error.requestId },
  );
}

function checkAccountUrl(accountUrl: string, slug: string): void {
  const host = new URL(accountUrl).hostname.toLowerCase();
  const expected = `${slug.toLowerCase()}.monday.com`;
  if (host !== expected) {
    throw new AppError(
      'invalid_input',
      'account_url_mismatch',
      `the token belongs to https://${expected}, not ${accountUrl}`,
    );
  }
}

function toView(
  row: ConnectionRow,
  userCount: number,
  webhookHost: string | null,
  removalsHeld: number,
  demo: boolean,
  syncCost: number | null,
): ConnectionView {
  const usage = parseJson<StoredDailyUsage>(row.daily_usage_json);
  return {
    demo,
    id: row.id,
    accountId: row.account_id,
    accountName: row.account_name,
    accountSlug: row.account_slug,
    accountUrl: row.account_url,
    planTier: row.plan_tier,
    maxUsers: row.max_users === null ? null : Number(row.max_users),
    permission: row.permission,
    apiUrl: row.api_url,
    apiVersion: row.api_version,
    servedApiVersion: row.served_api_version,
    apiVersionNotice: versionNotice({
      connectionId: row.id,
      setting: row.api_version,
      served: row.served_api_version,
      versions: parseVersions(row.api_versions_json),
      since: row.api_version_notice_since,
    }),
    dailyUsage: usage ? { ...usage, syncCost } : null,
    syncDeferred: row.sync_deferred,
    scimUrl: row.scim_url,
    hasScimToken: row.scim_token_ciphertext !== null,
    tokenOwnerId: row.token_owner_id,
    tokenOwnerKind: row.token_owner_kind,
    status: row.status,
    statusReason: row.status_reason,
    lastSyncedAt: row.last_synced_at,
    userCount,
    removalsHeld,
    createdAt: row.created_at,
    inactiveDays: Number(row.inactive_days),
    seatPrice: row.seat_price === null ? null : Number(row.seat_price),
    currency: row.currency,
    webhookHost,
    syncSchedule: row.sync_schedule,
    nextSyncAt: row.next_sync_at,
    graphqlOffboarding: Number(row.graphql_offboarding) === 1,
    removalHold: { percent: Number(row.removal_hold_percent), min: Number(row.removal_hold_min) },
  };
}

/** What a token check learnt: the account, and the version monday served. */
type CheckedToken = AccountInfo & { servedVersion: string | null };

/**
 * The version columns after an answer: the version monday served (its header, else the `version` field), its
 * calendar, and since when a pin has been deprecated or served as another version (kept while it still is).
 */
function versionColumns(
  info: CheckedToken,
  setting: string,
  since: string | null,
  at: string,
  connectionId: string,
): Pick<ConnectionRow, 'served_api_version' | 'api_versions_json' | 'api_version_notice_since'> {
  const served = info.servedVersion ?? info.version?.value ?? null;
  const versions = info.versions ?? null;
  const notice = versionNotice({ connectionId, setting, served, versions, since: null });
  return {
    served_api_version: served,
    api_versions_json: versions ? JSON.stringify(versions) : null,
    api_version_notice_since: notice?.level === 'warning' ? (since ?? at) : null,
  };
}

/** The plan as a connection stores it: tier, seat bucket (`max_users`) and active members, from monday's account. */
function planColumns(
  account: AccountInfo['account'],
): Pick<ConnectionRow, 'plan_tier' | 'max_users' | 'active_members_count'> {
  return {
    plan_tier: account.plan?.tier ?? account.tier ?? null,
    max_users: account.plan?.max_users ?? null,
    active_members_count: account.active_members_count ?? null,
  };
}

function parseVersions(json: string | null): ListedVersion[] | null {
  const parsed = parseJson<unknown>(json);
  return Array.isArray(parsed) ? (parsed as ListedVersion[]) : null;
}

function parseJson<T>(json: string | null): T | null {
  if (!json) return null;
  try {
    return JSON.parse(json) as T;
  } catch {
    return null;
  }
}
