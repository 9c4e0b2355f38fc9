import {
  type ActivityBucketKey,
  activityBuckets,
  computeInsights,
  type InsightGroup,
  type Insights,
} from '../domain/insights.ts';
import type { ConnectionsService } from './connections.ts';
import { CopyMemo } from './copyMemo.ts';
import type { UsersService } from './usersService.ts';

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
  constructor(
    private readonly connections: ConnectionsService,
    private readonly users: UsersService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private readonly cache = new CopyMemo<InsightGroup[]>(CACHE_MS);

  /**
   * The connection's counts, aggregated in SQL once per change of its copy (a sync published, an action wrote)
   * and at most a minute old, since inactivity moves with the clock: a dashboard polled by many is one query.
   */
  private async groups(connectionId: string): Promise<InsightGroup[]> {
    const now = this.now();
    const version = await this.users.copyVersion(connectionId);
    return this.cache.get(connectionId, version, now.getTime(), () =>
      this.users.insightGroups(connectionId, now),
    );
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

  async forConnections(connectionId?: string): Promise<ConnectionInsights[]> {
    const list = connectionId ? [await this.connections.get(connectionId)] : await this.connections.list();
    const out: ConnectionInsights[] = [];
    for (const c of list) {
      const groups = await this.groups(c.id);
      out.push({
        connectionId: c.id,
        accountName: c.accountName,
        planTier: c.planTier,
        lastSyncedAt: c.lastSyncedAt,
        ...computeInsights(groups, { tier: c.planTier, maxUsers: c.maxUsers }),
      });
    }
    return out;
  }
}
