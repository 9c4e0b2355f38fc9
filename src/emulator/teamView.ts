import type { EmuAccount, EmuTeam } from './model.ts';
import { type EmuUser, teamMembers } from './model.ts';
import { noBends, selectUsers, type UserQueryBends, type UsersArgs } from './userQuery.ts';
import { UserView } from './userView.ts';

/**
 * Presents a team with monday's field names. Its `users` answer as the account's `users` does, over the
 * team's members: only active and pending people unless `non_active` asks otherwise, at most 1000 per page,
 * 200 when no limit is given, and bent like the account's pages when a fault says so.
 */
export class TeamView {
  constructor(
    private readonly team: EmuTeam,
    private readonly account: EmuAccount,
    /** In a query, every team's members read once for the whole request; in a mutation, read when asked. */
    private readonly members: (() => Map<string, EmuUser[]>) | null = null,
  ) {}

  get id() {
    return this.team.id;
  }
  get name() {
    return this.team.name;
  }
  get is_guest() {
    return this.team.isGuest;
  }
  get picture_url() {
    return null;
  }
  /** 2026-10: when the team was made (the emulator does not keep it). */
  get created_at() {
    return null;
  }
  owners(args: { ids?: string[] | null }) {
    const wanted = args.ids ? new Set(args.ids.map(String)) : null;
    return this.team.ownerIds
      .filter((id) => !wanted || wanted.has(id))
      .flatMap((id) => {
        const user = this.account.usersById.get(id);
        return user ? [new UserView(user, this.account)] : [];
      });
  }
  users(args: UsersArgs, context: { bends?: UserQueryBends }) {
    const users = this.members
      ? (this.members().get(this.team.id) ?? [])
      : teamMembers(this.account, this.team.id);
    const members = { ...this.account, users };
    // The team's users take the older arguments only: no status, sort or user_kind.
    return selectUsers(members, args, context?.bends ?? noBends).map((u) => new UserView(u, this.account));
  }
}

/** The account's teams, all of them or those with the given ids, in the account's order. */
export function selectTeams(
  account: EmuAccount,
  ids: readonly string[] | null | undefined,
  members: (() => Map<string, EmuUser[]>) | null = null,
): TeamView[] {
  const wanted = ids ? new Set(ids.map(String)) : null;
  return account.teams
    .filter((t) => !wanted || wanted.has(t.id))
    .map((t) => new TeamView(t, account, members));
}
