import { ActionsService } from './app/actionsService.ts';
import { ConnectionsService, type RemoteOptions } from './app/connections.ts';
import { DemoAccount } from './app/demoAccount.ts';
import { EconomicsService } from './app/economicsService.ts';
import { InsightsService } from './app/insightsService.ts';
import { KeysService } from './app/keysService.ts';
import { Mailer } from './app/mailer.ts';
import { Notifier, notifyFailure } from './app/notifier.ts';
import { OffboardingService } from './app/offboardingService.ts';
import { PeopleService } from './app/peopleService.ts';
import { PoliciesService } from './app/policiesService.ts';
import { ReviewSchedule } from './app/reviewSchedule.ts';
import { ReviewsService } from './app/reviewsService.ts';
import { SeatwiseAudit } from './app/seatwiseAudit.ts';
import { type RotationResult, resealOldFormats, rotateSecrets } from './app/secretsService.ts';
import { ServiceUsersService } from './app/serviceUsersService.ts';
import { SignInService } from './app/signInService.ts';
import { SyncService } from './app/syncService.ts';
import { TeamsService } from './app/teamsService.ts';
import { UsersService } from './app/usersService.ts';
import type { Config } from './config.ts';
import { JobQueue } from './jobs/jobQueue.ts';
import { DbJobs, type Jobs } from './jobs/jobs.ts';
import { PgBossJobs } from './jobs/pgBossJobs.ts';
import { EndpointPolicy } from './monday/endpointPolicy.ts';
import { openStore, type Store } from './store/database.ts';
import { newKdfParams, SecretBox } from './store/secretBox.ts';
import { SettingsRepo } from './store/settingsRepo.ts';
import { Scheduler } from './worker/scheduler.ts';

/** Everything the interfaces (CLI, HTTP, jobs) use, built once from the configuration. */
export interface Seatwise {
  store: Store;
  connections: ConnectionsService;
  sync: SyncService;
  users: UsersService;
  teams: TeamsService;
  /** monday's service users: their sync, findings and token revocation. */
  serviceUsers: ServiceUsersService;
  people: PeopleService;
  /** Signing in: single sign-on with the identity provider, and whether keys may open browser sessions. */
  signIn: SignInService;
  /** The audit log's entries about Seatwise itself (sign-ins, keys, people, settings). */
  audit: SeatwiseAudit;
  actions: ActionsService;
  keys: KeysService;
  insights: InsightsService;
  economics: EconomicsService;
  /** "Try with a demo account": the emulator in this process, connected. */
  demo: DemoAccount;
  policies: PoliciesService;
  /** Taking people out of every connected account at once, with receipts. */
  offboardings: OffboardingService;
  /** Access review campaigns: launch, decisions, carrying them out, closing, the evidence. */
  reviews: ReviewsService;
  /** Recurring campaigns, closes at the end date and reminders; run by every worker's scheduler. */
  reviewSchedule: ReviewSchedule;
  mailer: Mailer;
  notifier: Notifier;
  /** Work for workers (`seatwise worker`, or the worker in `seatwise serve`): pg-boss with PostgreSQL. */
  jobs: Jobs;
  /** The database queue behind `jobs` in the embedded mode. */
  jobQueue: JobQueue;
  scheduler: Scheduler;
  /** Re-seals every stored token under the current key (`seatwise secrets rotate`). */
  rotateSecrets(): Promise<RotationResult>;
  close(): Promise<void>;
}

/** The one place that picks concrete implementations: config → store → services. */
export async function createSeatwise(
  config: Pick<Config, 'SEATWISE_DATA_DIR' | 'DATABASE_URL' | 'SEATWISE_SECRET_KEY'> &
    Partial<
      Pick<
        Config,
        | 'SEATWISE_LEASE_SECONDS'
        | 'SEATWISE_ALLOWED_ENDPOINTS'
        | 'SEATWISE_PREVIOUS_SECRET_KEYS'
        | 'oidc'
        | 'SEATWISE_KEY_SIGN_IN'
        | 'SEATWISE_SMTP_URL'
        | 'SEATWISE_SMTP_FROM'
        | 'SEATWISE_PUBLIC_URL'
      >
    >,
  options: {
    remote?: RemoteOptions;
    now?: () => Date;
    leaseMs?: number;
    heartbeatMs?: number;
    /** Waits between webhook delivery attempts (tests shorten them). */
    retryDelaysMs?: readonly number[];
  } = {},
): Promise<Seatwise> {
  const endpoints =
    options.remote?.endpoints ?? EndpointPolicy.fromSetting(config.SEATWISE_ALLOWED_ENDPOINTS);
  const secrets = SecretBox.load({
    secretKey: config.SEATWISE_SECRET_KEY,
    previousKeys: config.SEATWISE_PREVIOUS_SECRET_KEYS,
    dataDir: config.SEATWISE_DATA_DIR,
    databaseUrl: config.DATABASE_URL,
  });
  const store = await openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.SEATWISE_DATA_DIR });
  // A passphrase key is derived with the installation's own scrypt salt, kept in the database for every host.
  if (secrets.needsKdf) secrets.setKdf(await new SettingsRepo(store.db).kdfParams(newKdfParams));
  await resealOldFormats(store, secrets);
  const audit = new SeatwiseAudit(store, options.now);
  const connections = new ConnectionsService(
    store,
    secrets,
    { ...options.remote, endpoints },
    options.now,
    audit,
  );
  const users = new UsersService(store, options.now);
  const defaultPersonRole = config.oidc?.defaultRole ?? null;
  const keys = new KeysService(store, options.now, { defaultPersonRole, audit });
  // A sync or an action that stops heartbeating for this long is taken for dead; it beats four times as often.
  const leaseMs = options.leaseMs ?? (config.SEATWISE_LEASE_SECONDS ?? 60) * 1000;
  const timing = { leaseMs, heartbeatMs: options.heartbeatMs ?? Math.max(50, Math.floor(leaseMs / 4)) };
  const sync = new SyncService(store, connections, options.now, timing);
  const demo = new DemoAccount(store, connections, sync);
  const jobQueue = new JobQueue(store.db, store.dialect, options.now);
  const jobs: Jobs = config.DATABASE_URL
    ? new PgBossJobs(config.DATABASE_URL, (config.SEATWISE_LEASE_SECONDS ?? 60) * 3)
    : new DbJobs(jobQueue);
  const actions = new ActionsService(store, connections, options.now, timing);
  const insights = new InsightsService(store, connections, users, options.now);
  const notifier = new Notifier(store.db, connections, jobs, options.now, options.retryDelaysMs);
  const policies = new PoliciesService(store, connections, users, actions, notifier, options.now, audit);
  const economics = new EconomicsService(store, connections, users, policies, notifier, options.now);
  policies.setRightSizing((connectionId) => economics.drafts(connectionId));
  // After every sync: the account's plan, the run's figures for trends, the policies' proposals, and word of a failure.
  // The plan first (its seat bucket may have changed in monday), then the figures that use it.
  sync.onFinished(async (result) => {
    if (result.status === 'succeeded') await connections.refreshPlan(result.connectionId);
  });
  // The day's monday calls, once a sync: a scheduled one read them before it started.
  sync.onFinished(async (result) => {
    if (result.status === 'succeeded' && result.trigger !== 'schedule')
      await connections.readDailyUsage(result.connectionId);
  });
  const serviceUsers = new ServiceUsersService(store, connections, options.now, timing.leaseMs);
  // Service users with every complete sync (an admin's token; otherwise the reason is kept).
  sync.onFinished(async (result) => {
    if (result.status === 'succeeded') await serviceUsers.refresh(result.connectionId);
  });
  sync.onFinished((result) => insights.recordSnapshot(result));
  sync.onFinished((result) => policies.afterSync(result));
  sync.onFinished((result) => notifyFailure(notifier, connections, result));
  const people = new PeopleService(store, options.now, defaultPersonRole, audit);
  const mailer = new Mailer(config.SEATWISE_SMTP_URL, config.SEATWISE_SMTP_FROM);
  const reviews = new ReviewsService(
    store,
    connections,
    actions,
    people,
    keys,
    insights,
    audit,
    options.now,
    timing,
  );
  const reviewSchedule = new ReviewSchedule(
    reviews,
    people,
    mailer,
    notifier,
    audit,
    options.now,
    config.SEATWISE_PUBLIC_URL ?? null,
  );
  return {
    store,
    connections,
    sync,
    users,
    teams: new TeamsService(store, connections, options.now),
    serviceUsers,
    people,
    reviews,
    reviewSchedule,
    mailer,
    signIn: new SignInService(
      store,
      keys,
      audit,
      config.oidc ?? null,
      config.SEATWISE_KEY_SIGN_IN ?? true,
      options.now,
    ),
    audit,
    insights,
    economics,
    actions,
    policies,
    offboardings: new OffboardingService(store, connections, actions, insights, jobs, options.now, timing),
    notifier,
    jobs,
    jobQueue,
    scheduler: new Scheduler(store.db, jobs, options.now),
    keys,
    demo,
    rotateSecrets: () => rotateSecrets(store, secrets),
    close: async () => {
      await sync.drain();
      await demo.close();
      await jobs.close();
      mailer.close();
      await keys.flush();
      await store.close();
    },
  };
}
