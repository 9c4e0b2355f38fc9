import type { EmuAccount } from '../../src/emulator/model.ts';

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
