import type { EmuAccount, EmuKind, EmuStatus, EmuUser } from '../../src/emulator/model.ts';

const DAY = 86_400_000;
const INACTIVE_DAYS = [200, 250, 300, 350, 400];

/**
 * Shapes the emulator's account as the seat economics scenario needs it, on a 100-seat Pro plan:
 * 52 paid seats (2 admins, 45 recently active members, 5 members inactive 200–400 days), and around them
 * what holds no paid seat: viewers, guests (free on Pro), pending invitations, deactivated users, non-people.
 * Teams: A holds 20 members, B 15, 5 are in both, the 5 inactive are in A; 5 members and the admins in none.
 */
export function shapeAccount(account: EmuAccount, now: number) {
  const ownerId = account.tokenOwners.admin;
  const owner = account.usersById.get(ownerId)!;
  const others = account.users.filter((u) => u !== owner);
  let i = 0;
  const take = (n: number) => {
    const taken = others.slice(i, i + n);
    i += n;
    return taken;
  };
  const set = (
    users: EmuUser[],
    kind: EmuKind,
    status: EmuStatus,
    activeDaysAgo: (k: number) => number | null,
  ) =>
    users.forEach((u, k) => {
      u.kind = kind;
      u.status = status;
      u.invitationMethod = 'USER';
      u.externalId = null;
      u.createdAt = new Date(now - 900 * DAY);
      const days = activeDaysAgo(k);
      u.lastActivity = days === null ? null : new Date(now - days * DAY);
      u.becameActiveAt = status === 'PENDING' ? null : new Date(now - 800 * DAY);
      u.teamIds = [];
    });
  set([owner], 'admin', 'ACTIVE', () => 1);
  const secondAdmin = take(1);
  set(secondAdmin, 'admin', 'ACTIVE', () => 2);
  const recent = take(45);
  set(recent, 'member', 'ACTIVE', (k) => 1 + (k % 20));
  const inactive = take(5);
  set(inactive, 'member', 'ACTIVE', (k) => INACTIVE_DAYS[k]!);
  set(take(6), 'view_only', 'ACTIVE', () => 3);
  set(take(5), 'guest', 'ACTIVE', () => 400);
  set(take(3), 'view_only', 'PENDING', () => null);
  set(take(4), 'member', 'INACTIVE', () => 500);
  set(take(2), 'service_user', 'ACTIVE', () => 1);
  set(others.slice(i), 'member', 'INACTIVE', () => 600);
  account.tier = 'pro';
  account.maxUsers = 100;
  const [a, b] = account.teams.filter((t) => !t.isGuest && !t.scimProvisioned);
  const join = (users: EmuUser[], ...teamIds: string[]) => {
    for (const u of users) u.teamIds.push(...teamIds);
  };
  join(recent.slice(0, 20), a!.id);
  join(recent.slice(20, 35), b!.id);
  join(recent.slice(35, 40), a!.id, b!.id);
  join(inactive, a!.id);
  return {
    teamA: a!,
    teamB: b!,
    // Longest inactive first: 400 and 350 days.
    longestInactive: [inactive[4]!, inactive[3]!],
    inactive,
  };
}
