import { computeInsights, type InsightGroup, type Insights } from '../domain/insights.ts';

const CACHE_MS = 60_000;

import type { ConnectionsService } from './connections.ts';
import type { UsersService } from './usersService.ts';

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

  private readonly cache = new Map<string, { version: string; at: number; groups: InsightGroup[] }>();

  /**
   * The connection's counts, aggregated in SQL once per change of its copy (a sync published, an action wrote)
   * and at most a minute old, since inactivity moves with the clock: a dashboard polled by many is one query.
   */
  private async groups(connectionId: string): Promise<InsightGroup[]> {
    const now = this.now();
    const version = await this.users.copyVersion(connectionId);
    const cached = this.cache.get(connectionId);
    if (cached && cached.version === version && now.getTime() - cached.at < CACHE_MS) return cached.groups;
    const groups = await this.users.insightGroups(connectionId, now);
    this.cache.set(connectionId, { version, at: now.getTime(), groups });
    return groups;
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
