import type BetterSqlite3 from 'better-sqlite3';
import { type Insertable, type Kysely, sql, type Transaction } from 'kysely';
import { linkKey, type StoredTeams, type TeamsChange } from '../sync/teamsDiff.ts';
import { insertRows } from './bulkInsert.ts';
import type { ChangeEventsTable, Database } from './schema.ts';

const BATCH = 500;
/** Team links turned into rows at a time when a sync adds them. */
const LINK_SLICE = 10_000;
type Db = Kysely<Database> | Transaction<Database>;

export interface TeamSummaryRow {
  connection_id: string;
  team_id: string;
  name: string;
  is_guest: number;
  scim_managed: number | null;
  removed_at: string | null;
  members: number;
  owners: number;
  /** Members holding a paid seat (members and admins, active or pending). */
  paid_seats: number;
  /** Members holding a paid seat with no activity since the cutoff. */
  inactive_paid_seats: number;
}

/** The synced copy of monday's teams: teams, who is in each, who owns each. */
export class TeamsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    /** SQLite: the connection itself, for bulk inserts inside a publish (see `insertRows`). */
    private readonly handle?: BetterSqlite3.Database,
  ) {}

  /** Everything stored about a connection's teams, for a sync to compare with what it read. */
  async load(connectionId: string, db: Db = this.db): Promise<StoredTeams> {
    const teams = await db
      .selectFrom('directory_teams')
      .select(['team_id', 'name', 'is_guest', 'picture_url', 'scim_managed', 'removed_at', 'first_seen_at'])
      .where('connection_id', '=', connectionId)
      .execute();
    const links = async (table: 'directory_team_members' | 'directory_team_owners') =>
      new Set(
        (
          await db
            .selectFrom(table)
            .select(['team_id', 'user_id'])
            .where('connection_id', '=', connectionId)
            .execute()
        ).map((r) => linkKey(r.team_id, r.user_id)),
      );
    return {
      teams: new Map(teams.map((t) => [t.team_id, t])),
      members: await links('directory_team_members'),
      owners: await links('directory_team_owners'),
    };
  }

  /** Applies a sync's team changes inside its publishing transaction. */
  async apply(
    trx: Transaction<Database>,
    connectionId: string,
    change: TeamsChange,
    at: string,
  ): Promise<void> {
    for (let i = 0; i < change.upserts.length; i += BATCH) {
      await trx
        .insertInto('directory_teams')
        .values(change.upserts.slice(i, i + BATCH))
        .onConflict((oc) =>
          oc.columns(['connection_id', 'team_id']).doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            is_guest: eb.ref('excluded.is_guest'),
            picture_url: eb.ref('excluded.picture_url'),
            scim_managed: eb.ref('excluded.scim_managed'),
            first_seen_at: eb.ref('excluded.first_seen_at'),
            updated_at: eb.ref('excluded.updated_at'),
            removed_at: eb.ref('excluded.removed_at'),
          })),
        )
        .execute();
    }
    for (let i = 0; i < change.removedTeams.length; i += BATCH) {
      await trx
        .updateTable('directory_teams')
        .set({ removed_at: at, updated_at: at })
        .where('connection_id', '=', connectionId)
        .where('team_id', 'in', change.removedTeams.slice(i, i + BATCH))
        .execute();
    }
    await this.addLinks(trx, 'directory_team_members', connectionId, change.addMembers, at);
    await this.removeLinks(trx, 'directory_team_members', connectionId, change.removeMembers);
    await this.addLinks(trx, 'directory_team_owners', connectionId, change.addOwners, at);
    await this.removeLinks(trx, 'directory_team_owners', connectionId, change.removeOwners);
    await this.insertEvents(trx, change.events);
  }

  /**
   * Writes one membership change an action saw monday make: the link, the event, and the user's row marked as
   * written by an action (so a sync that read before it leaves the link as the action wrote it).
   */
  async writeFromAction(
    connectionId: string,
    links: { teamId: string; userId: string; member: boolean; owner?: boolean }[],
    events: Insertable<ChangeEventsTable>[],
    at: string,
  ): Promise<void> {
    if (links.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      const { copy_seq } = await trx
        .updateTable('connections')
        .set((eb) => ({ copy_seq: eb(eb.ref('copy_seq'), '+', 1) }))
        .where('id', '=', connectionId)
        .returning('copy_seq')
        .executeTakeFirstOrThrow();
      const users = [...new Set(links.map((l) => l.userId))];
      for (let i = 0; i < users.length; i += BATCH) {
        await trx
          .updateTable('directory_users')
          .set({ action_seq: Number(copy_seq) })
          .where('connection_id', '=', connectionId)
          .where('remote_id', 'in', users.slice(i, i + BATCH))
          .execute();
      }
      const pairs = (member: boolean) =>
        links.filter((l) => l.member === member).map((l) => [l.teamId, l.userId] as [string, string]);
      await this.addLinks(trx, 'directory_team_members', connectionId, pairs(true), at);
      await this.removeLinks(trx, 'directory_team_members', connectionId, pairs(false));
      // Leaving a team ends its ownership too.
      await this.removeLinks(
        trx,
        'directory_team_owners',
        connectionId,
        links.filter((l) => !l.member).map((l) => [l.teamId, l.userId]),
      );
      await this.insertEvents(trx, events);
    });
  }

  private async addLinks(
    trx: Transaction<Database>,
    table: 'directory_team_members' | 'directory_team_owners',
    connectionId: string,
    pairs: [string, string][],
    at: string,
  ): Promise<void> {
    // A slice at a time: a first sync of a large account adds millions of links, and their rows need not all
    // be held at once.
    for (let i = 0; i < pairs.length; i += LINK_SLICE) {
      const rows = pairs.slice(i, i + LINK_SLICE).map(([team_id, user_id]) => ({
        connection_id: connectionId,
        team_id,
        user_id,
        since: at,
      }));
      await insertRows(trx, this.handle, table, rows, { ignoreConflicts: true });
    }
  }

  private async removeLinks(
    trx: Transaction<Database>,
    table: 'directory_team_members' | 'directory_team_owners',
    connectionId: string,
    pairs: [string, string][],
  ): Promise<void> {
    // Grouped by team: one statement removes a team's departures.
    const byTeam = new Map<string, string[]>();
    for (const [teamId, userId] of pairs) byTeam.set(teamId, [...(byTeam.get(teamId) ?? []), userId]);
    for (const [teamId, userIds] of byTeam) {
      for (let i = 0; i < userIds.length; i += BATCH) {
        await trx
          .deleteFrom(table)
          .where('connection_id', '=', connectionId)
          .where('team_id', '=', teamId)
          .where('user_id', 'in', userIds.slice(i, i + BATCH))
          .execute();
      }
    }
  }

  private async insertEvents(
    trx: Transaction<Database>,
    events: Insertable<ChangeEventsTable>[],
  ): Promise<void> {
    await insertRows(trx, this.handle, 'change_events', events);
  }

  /**
   * Teams with their counts: members, owners, paid seats (members and admins not deactivated) and paid seats
   * inactive since `inactiveBefore`. Removed teams only when asked for.
   */
  async summaries(filter: {
    connectionId?: string;
    teamId?: string;
    includeRemoved?: boolean;
    inactiveBefore: string;
  }): Promise<TeamSummaryRow[]> {
    let q = this.db
      .selectFrom('directory_teams as t')
      .leftJoin('directory_team_members as m', (j) =>
        j.onRef('m.connection_id', '=', 't.connection_id').onRef('m.team_id', '=', 't.team_id'),
      )
      .leftJoin('directory_users as u', (j) =>
        j
          .onRef('u.connection_id', '=', 'm.connection_id')
          .onRef('u.remote_id', '=', 'm.user_id')
          .on('u.removed_at', 'is', null),
      )
      .select((eb) => [
        't.connection_id',
        't.team_id',
        't.name',
        't.is_guest',
        't.scim_managed',
        't.removed_at',
        eb.fn.count<number>('m.user_id').as('members'),
        eb
          .selectFrom('directory_team_owners as o')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('o.connection_id', '=', 't.connection_id')
          .whereRef('o.team_id', '=', 't.team_id')
          .as('owners'),
        sql<number>`sum(case when ${sql.ref('u.license')} = 'member' then 1 else 0 end)`.as('paid_seats'),
        sql<number>`sum(case when ${sql.ref('u.license')} = 'member' and coalesce(${sql.ref('u.last_activity_at')}, ${sql.ref('u.remote_created_at')}) < ${filter.inactiveBefore} then 1 else 0 end)`.as(
          'inactive_paid_seats',
        ),
      ])
      .groupBy(['t.connection_id', 't.team_id', 't.name', 't.is_guest', 't.scim_managed', 't.removed_at'])
      .orderBy('t.name')
      .orderBy('t.team_id');
    if (filter.connectionId) q = q.where('t.connection_id', '=', filter.connectionId);
    if (filter.teamId) q = q.where('t.team_id', '=', filter.teamId);
    if (!filter.includeRemoved) q = q.where('t.removed_at', 'is', null);
    const rows = await q.execute();
    return rows.map((r) => ({
      ...r,
      members: Number(r.members),
      owners: Number(r.owners ?? 0),
      paid_seats: Number(r.paid_seats ?? 0),
      inactive_paid_seats: Number(r.inactive_paid_seats ?? 0),
    }));
  }

  /** Every team's owners' emails (lowercased) in a connection, by team id. */
  async ownerEmails(connectionId: string): Promise<Map<string, string[]>> {
    const rows = await this.db
      .selectFrom('directory_team_owners as o')
      .innerJoin('directory_users as u', (j) =>
        j.onRef('u.connection_id', '=', 'o.connection_id').onRef('u.remote_id', '=', 'o.user_id'),
      )
      .select(['o.team_id', 'u.email'])
      .where('o.connection_id', '=', connectionId)
      .where('u.removed_at', 'is', null)
      .orderBy('o.team_id')
      .orderBy('u.email')
      .execute();
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(r.team_id, [...(out.get(r.team_id) ?? []), r.email.toLowerCase()]);
    return out;
  }

  /** The owners' user ids of one team. */
  async ownerIds(connectionId: string, teamId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('directory_team_owners')
      .select('user_id')
      .where('connection_id', '=', connectionId)
      .where('team_id', '=', teamId)
      .orderBy('user_id')
      .execute();
    return rows.map((r) => r.user_id);
  }

  /** The teams each of these users is in, with names and whether they own it, by user id. */
  async teamsOfUsers(
    connectionId: string,
    userIds: readonly string[],
  ): Promise<Map<string, { teamId: string; name: string; owner: boolean; isGuest: boolean }[]>> {
    const out = new Map<string, { teamId: string; name: string; owner: boolean; isGuest: boolean }[]>();
    for (let i = 0; i < userIds.length; i += BATCH) {
      const rows = await this.db
        .selectFrom('directory_team_members as m')
        .innerJoin('directory_teams as t', (j) =>
          j.onRef('t.connection_id', '=', 'm.connection_id').onRef('t.team_id', '=', 'm.team_id'),
        )
        .leftJoin('directory_team_owners as o', (j) =>
          j
            .onRef('o.connection_id', '=', 'm.connection_id')
            .onRef('o.team_id', '=', 'm.team_id')
            .onRef('o.user_id', '=', 'm.user_id'),
        )
        .select(['m.user_id', 'm.team_id', 't.name', 't.is_guest', 'o.user_id as owner_id'])
        .where('m.connection_id', '=', connectionId)
        .where('m.user_id', 'in', userIds.slice(i, i + BATCH))
        .where('t.removed_at', 'is', null)
        .orderBy('t.name')
        .execute();
      for (const r of rows) {
        const list = out.get(r.user_id) ?? [];
        list.push({
          teamId: r.team_id,
          name: r.name,
          owner: r.owner_id !== null,
          isGuest: Number(r.is_guest) === 1,
        });
        out.set(r.user_id, list);
      }
    }
    return out;
  }

  /** One stored team (not removed), or undefined. */
  async get(connectionId: string, teamId: string) {
    return this.db
      .selectFrom('directory_teams')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('team_id', '=', teamId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
  }

  /** Whether these users are members of the team in the copy, by user id. */
  async membersAmong(connectionId: string, teamId: string, userIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < userIds.length; i += BATCH) {
      const rows = await this.db
        .selectFrom('directory_team_members')
        .select('user_id')
        .where('connection_id', '=', connectionId)
        .where('team_id', '=', teamId)
        .where('user_id', 'in', userIds.slice(i, i + BATCH))
        .execute();
      for (const r of rows) found.add(r.user_id);
    }
    return found;
  }

  /**
   * Paid seats (member seats of users not removed) shared among the teams their holders are in: a holder in
   * n teams counts 1/n in each. Also how many paid seats there are, and how many of them are in no team.
   */
  async paidSeatShares(connectionId: string): Promise<{
    teams: { teamId: string; name: string; holders: number; share: number }[];
    paidSeats: number;
    inNoTeam: number;
  }> {
    const rows = await sql<{
      team_id: string;
      name: string;
      holders: number | string;
      share: number | string;
    }>`
      with paid as (
        select remote_id from directory_users
        where connection_id = ${connectionId} and removed_at is null and license = 'member'
      ),
      links as (
        select m.user_id, m.team_id from directory_team_members m
        join directory_teams t
          on t.connection_id = m.connection_id and t.team_id = m.team_id and t.removed_at is null
        where m.connection_id = ${connectionId} and m.user_id in (select remote_id from paid)
      ),
      per_user as (select user_id, count(*) as n from links group by user_id)
      select l.team_id, t.name, count(*) as holders, sum(1.0 / p.n) as share
      from links l
      join per_user p on p.user_id = l.user_id
      join directory_teams t on t.connection_id = ${connectionId} and t.team_id = l.team_id
      group by l.team_id, t.name
      order by t.name, l.team_id`.execute(this.db);
    const totals = await sql<{ paid: number | string; in_teams: number | string }>`
      select
        (select count(*) from directory_users
          where connection_id = ${connectionId} and removed_at is null and license = 'member') as paid,
        (select count(distinct m.user_id) from directory_team_members m
          join directory_teams t
            on t.connection_id = m.connection_id and t.team_id = m.team_id and t.removed_at is null
          join directory_users u
            on u.connection_id = m.connection_id and u.remote_id = m.user_id
            and u.removed_at is null and u.license = 'member'
          where m.connection_id = ${connectionId}) as in_teams`.execute(this.db);
    const paidSeats = Number(totals.rows[0]?.paid ?? 0);
    return {
      teams: rows.rows.map((r) => ({
        teamId: r.team_id,
        name: r.name,
        holders: Number(r.holders),
        share: Number(r.share),
      })),
      paidSeats,
      inNoTeam: paidSeats - Number(totals.rows[0]?.in_teams ?? 0),
    };
  }
}
