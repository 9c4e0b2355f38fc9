import { computeInsights, type Insights } from '../domain/insights.ts';
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

  async forConnections(connectionId?: string): Promise<ConnectionInsights[]> {
    const list = connectionId ? [await this.connections.get(connectionId)] : await this.connections.list();
    const out: ConnectionInsights[] = [];
    for (const c of list) {
      const groups = await this.users.insightGroups(c.id, this.now());
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
