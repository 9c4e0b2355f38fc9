import { z } from 'zod';
import { invalidInput, prefixed } from '../domain/inputIssues.ts';
import {
  type ActivityBucketKey,
  activityBuckets,
  computeInsights,
  type InsightGroup,
  type Insights,
} from '../domain/insights.ts';
import type { Store } from '../store/database.ts';
import { SettingsRepo } from '../store/settingsRepo.ts';
import { SyncRunsRepo } from '../store/syncRunsRepo.ts';
import type { SyncResult } from '../sync/syncEngine.ts';
import type { ConnectionsService } from './connections.ts';
import { CopyMemo } from './copyMemo.ts';
import type { UsersService } from './usersService.ts';

const orgDomainsSchema = z
  .array(
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'is not a domain such as example.com'),
  )
  .max(1000);

/** Inactivity moves with the clock: insights are recomputed at least this often. */
const CACHE_MS = 60_000;

export interface ConnectionInsights extends Insights {
  connectionId: string;
  accountName: string;
  planTier: string | null;
  lastSyncedAt: string | null;
}

/** Dashboard numbers per connection, from the synced copy. */
export class InsightsService {
  private readonly runs: SyncRunsRepo;
  private readonly settings: SettingsRepo;

  constructor(
    store: Store,
    private readonly connections: ConnectionsService,
    private readonly users: UsersService,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.runs = new SyncRunsRepo(store.db);
    this.settings = new SettingsRepo(store.db);
  }

  private readonly cache = new CopyMemo<{
    groups: InsightGroup[];
    pending: { oldest: string | null; over30Days: number };
  }>(CACHE_MS);

  /**
   * The connection's counts, aggregated in SQL once per change of its copy (a sync published, an action wrote)
   * and threshold, and at most a minute old, since inactivity moves with the clock: a dashboard polled by many
   * is one query.
   */
  private async counts(connectionId: string, inactiveDays: number) {
    const now = this.now();
    const version = await this.users.copyVersion(connectionId);
    return this.cache.get(`${connectionId}:${inactiveDays}`, version, now.getTime(), async () => ({
      groups: await this.users.insightGroups(connectionId, now, inactiveDays),
      pending: await this.users.pendingAges(connectionId, now),
    }));
  }

  /** The organisation's own email domains: guests on them are colleagues let in as guests. */
  async orgDomains(): Promise<string[]> {
    return this.settings.get<string[]>('org_domains', []);
  }

  async setOrgDomains(domains: string[]): Promise<string[]> {
    const parsed = orgDomainsSchema.safeParse(domains);
    // Named by field, so the message reads `orgDomains.1 "acme" is not a domain such as example.com`.
    if (!parsed.success)
      throw invalidInput('invalid_settings', prefixed(parsed.error, 'orgDomains'), { orgDomains: domains });
    const unique = [...new Set(parsed.data)];
    await this.settings.set('org_domains', unique);
    return unique;
  }

  /**
   * Across all connected accounts: people in several accounts (and the paid seats that holds), and guests
   * whose email is on one of the organisation's own domains.
   */
  async across(limit = 200) {
    const shared = await this.users.sharedEmails(limit);
    const domains = await this.orgDomains();
    const guests = await this.users.guestsOnDomains(domains, limit);
    return {
      sharedPeople: shared.map((s) => ({
        email: s.email,
        connections: s.connections,
        paidSeats: s.paidSeats,
        accounts: s.users.map((u) => ({
          connectionId: u.connectionId,
          userId: u.id,
          role: u.role,
          license: u.license,
          status: u.status,
        })),
      })),
      // Paid seats beyond one per person: what one seat each would save.
      extraPaidSeats: shared.reduce((n, s) => n + Math.max(0, s.paidSeats - 1), 0),
      orgDomains: domains,
      ownDomainGuests: guests.map((u) => ({
        connectionId: u.connectionId,
        userId: u.id,
        email: u.email,
        name: u.name,
      })),
    };
  }

  /** Records what a complete sync published (licenses, active users) on its run, for trends. */
  async recordSnapshot(result: SyncResult): Promise<void> {
    if (result.status !== 'succeeded') return;
    const groups = await this.users.insightGroups(result.connectionId, this.now(), 90);
    const snapshot = { memberSeats: 0, viewers: 0, guests: 0, activeUsers: 0, pending: 0 };
    for (const g of groups) {
      if (g.role === 'other') continue;
      if (g.license === 'member') snapshot.memberSeats += g.count;
      if (g.license === 'viewer') snapshot.viewers += g.count;
      if (g.license === 'guest') snapshot.guests += g.count;
      if (g.status === 'active') snapshot.activeUsers += g.count;
      if (g.status === 'pending') snapshot.pending += g.count;
    }
    await this.runs.setSnapshot(result.runId, JSON.stringify(snapshot));
  }

  /** Licenses and active users per complete sync, oldest first: how the account moved. */
  async trends(connectionId: string, limit = 100) {
    await this.connections.get(connectionId);
    return this.runs.snapshots(connectionId, limit);
  }

  /** Active people by how long ago they were last active, for one connection or summed over all. */
  async activity(connectionId?: string): Promise<{ key: ActivityBucketKey; label: string; count: number }[]> {
    const list = connectionId ? [await this.connections.get(connectionId)] : await this.connections.list();
    const totals = new Map<ActivityBucketKey, number>();
    for (const c of list) {
      const counts = await this.users.activityHistogram(c.id, this.now());
      for (const bucket of activityBuckets)
        totals.set(bucket.key, (totals.get(bucket.key) ?? 0) + counts[bucket.key]);
    }
    return activityBuckets.map((b) => ({ key: b.key, label: b.label, count: totals.get(b.key) ?? 0 }));
  }

  /**
   * Each connection's insights; inactivity counts against the connection's own threshold unless
   * `inactiveDays` is given.
   */
  async forConnections(connectionId?: string, inactiveDays?: number): Promise<ConnectionInsights[]> {
    const list = connectionId ? [await this.connections.get(connectionId)] : await this.connections.list();
    const out: ConnectionInsights[] = [];
    for (const c of list) {
      const days = inactiveDays ?? c.inactiveDays;
      const { groups, pending } = await this.counts(c.id, days);
      out.push({
        connectionId: c.id,
        accountName: c.accountName,
        planTier: c.planTier,
        lastSyncedAt: c.lastSyncedAt,
        ...computeInsights(groups, {
          tier: c.planTier,
          maxUsers: c.maxUsers,
          inactiveDays: days,
          seatPrice: c.seatPrice,
          currency: c.currency,
          pendingOldest: pending.oldest,
          pendingOver30Days: pending.over30Days,
          now: this.now(),
        }),
      });
    }
    return out;
  }
}
