import type { Kysely } from 'kysely';
import type { EmuAccount } from '../../src/emulator/model.ts';
import type { Database } from '../../src/store/schema.ts';

/**
 * The fewest requests that read an emulator account's teams in full: the list, then for each status group
 * (active and pending, then deactivated) every team's pages at 1,000 until each came back short, and one
 * request proving where the short, non-empty ones end.
 */
export function expectedTeamRequests(account: EmuAccount): number {
  let requests = 1;
  for (const inactive of [false, true]) {
    const sizes = account.teams.map(
      (t) =>
        account.users.filter((u) => u.teamIds.includes(t.id) && (u.status === 'INACTIVE') === inactive)
          .length,
    );
    if (sizes.length === 0) continue;
    requests += Math.max(...sizes.map((n) => Math.floor(n / 1000) + 1));
    if (sizes.some((n) => n % 1000 !== 0)) requests += 1;
  }
  return requests;
}

/** The team events a first sync of an emulator account records: each team created, each member, each owner. */
export function firstSyncTeamEvents(account: EmuAccount): number {
  return (
    account.teams.length +
    account.users.reduce((n, u) => n + u.teamIds.length, 0) +
    account.teams.reduce((n, t) => n + t.ownerIds.length, 0)
  );
}

/** An emulator account's teams, members and owners as sorted lines, to compare with what is stored. */
export function mondayTeams(account: EmuAccount) {
  return {
    teams: account.teams.map((t) => `${t.id}:${t.name}:${t.isGuest ? 'guest' : 'team'}`).sort(),
    members: account.users.flatMap((u) => u.teamIds.map((t) => `${t}|${u.id}`)).sort(),
    owners: account.teams.flatMap((t) => t.ownerIds.map((o) => `${t.id}|${o}`)).sort(),
  };
}

/** A connection's stored teams (not removed), members and owners, in the same lines. */
export async function storedTeams(db: Kysely<Database>, connectionId: string) {
  const teams = (
    await db
      .selectFrom('directory_teams')
      .select(['team_id', 'name', 'is_guest'])
      .where('connection_id', '=', connectionId)
      .where('removed_at', 'is', null)
      .execute()
  )
    .map((t) => `${t.team_id}:${t.name}:${Number(t.is_guest) ? 'guest' : 'team'}`)
    .sort();
  const links = async (table: 'directory_team_members' | 'directory_team_owners') =>
    (
      await db
        .selectFrom(table)
        .select(['team_id', 'user_id'])
        .where('connection_id', '=', connectionId)
        .execute()
    )
      .map((r) => `${r.team_id}|${r.user_id}`)
      .sort();
  return {
    teams,
    members: await links('directory_team_members'),
    owners: await links('directory_team_owners'),
  };
}
