import { AppError } from '../domain/appError.ts';
import { inactivityCutoff } from '../domain/inactivity.ts';
import type { TeamView } from '../domain/teams.ts';
import type { Store } from '../store/database.ts';
import { DirectoryRepo } from '../store/directoryRepo.ts';
import { type TeamSummaryRow, TeamsRepo } from '../store/teamsRepo.ts';
import type { ConnectionsService } from './connections.ts';
import { toUserView, type UserView } from './usersService.ts';

export type { TeamView } from '../domain/teams.ts';

/** Reads the synced teams: the list with counts per team, and one team with its owners. */
export class TeamsService {
  private readonly repo: TeamsRepo;
  private readonly directory: DirectoryRepo;

  constructor(
    store: Store,
    private readonly connections: ConnectionsService,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.repo = new TeamsRepo(store.db);
    this.directory = new DirectoryRepo(store.db, store.dialect);
  }

  /** Every team of one connection, or of all, by account then name. */
  async list(connectionId?: string): Promise<TeamView[]> {
    const connections = connectionId
      ? [await this.connections.get(connectionId)]
      : await this.connections.list();
    const out: TeamView[] = [];
    for (const c of connections) {
      const rows = await this.repo.summaries({
        connectionId: c.id,
        inactiveBefore: inactivityCutoff(this.now(), c.inactiveDays),
      });
      out.push(...rows.map((r) => toTeamView(r, c.accountName, c.inactiveDays)));
    }
    return out;
  }

  /** One team with its owners; the members are the users filtered by the team. */
  async get(connectionId: string, teamId: string): Promise<TeamView & { ownerUsers: UserView[] }> {
    const c = await this.connections.get(connectionId);
    const [row] = await this.repo.summaries({
      connectionId,
      teamId,
      inactiveBefore: inactivityCutoff(this.now(), c.inactiveDays),
    });
    if (!row)
      throw new AppError(
        'not_found',
        'team_not_found',
        `no synced team ${teamId} in connection ${connectionId}`,
      );
    const ownerIds = await this.repo.ownerIds(connectionId, teamId);
    const owners = await this.directory.getMany(connectionId, ownerIds);
    return {
      ...toTeamView(row, c.accountName, c.inactiveDays),
      ownerUsers: owners.filter((u) => u.removed_at === null).map(toUserView),
    };
  }

  /** The connections whose copy has a team with this id (one, unless an account is connected twice). */
  async connectionsOf(teamId: string): Promise<string[]> {
    const teams = await this.list();
    return [...new Set(teams.filter((t) => t.id === teamId).map((t) => t.connectionId))];
  }
}

function toTeamView(row: TeamSummaryRow, accountName: string, inactiveDays: number): TeamView {
  return {
    connectionId: row.connection_id,
    accountName,
    id: row.team_id,
    name: row.name,
    isGuest: Number(row.is_guest) === 1,
    scimManaged: row.scim_managed === null ? null : Number(row.scim_managed) === 1,
    members: row.members,
    owners: row.owners,
    paidSeats: row.paid_seats,
    inactivePaidSeats: row.inactive_paid_seats,
    inactiveDays,
  };
}
