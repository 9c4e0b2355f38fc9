import { describe, expect, it } from 'vitest';
import { addUser, type EmuAccount } from '../src/emulator/model.ts';
import { seedAccounts } from '../src/emulator/seed.ts';
import { accountSnapshot, restoreSnapshot, snapshotProblem } from '../src/emulator/snapshot.ts';

/** A sample account kept across restarts (the demo) comes back exactly as it was left. */
describe("a sample account's snapshot", () => {
  const seed = (s = 7) =>
    seedAccounts({
      seed: s,
      accounts: 1,
      usersPerAccount: 60,
      plan: 'enterprise',
      referenceDate: new Date('2026-12-01T00:00:00Z'),
    })[0]!;
  const comparable = (a: EmuAccount) => ({
    users: a.users,
    teams: a.teams,
    nextUserId: a.nextUserId,
    nextTeamId: a.nextTeamId,
    boards: a.boards,
    automations: a.automations,
    connections: a.connections,
    byId: [...a.usersById.entries()].map(([id, u]) => [id, u.email]),
    byEmail: [...a.usersByEmail.entries()].map(([email, u]) => [email, u.id]),
  });

  it('puts back every user, team and counter as stored, through JSON, into a freshly seeded account', () => {
    const left = seed();
    // What was done in it: a role, a status, a team and a new user.
    const [first, second] = left.users.filter((u) => u.kind === 'member');
    first!.kind = 'view_only';
    second!.status = 'INACTIVE';
    second!.lastActivity = null;
    left.teams[0]!.ownerIds.push(first!.id);
    // Service users: one whose token was last used at a time, one whose token was revoked.
    left.users[2]!.serviceToken = { lastUsedAt: new Date('2026-11-30T08:00:00Z') };
    left.users[3]!.serviceToken = null;
    addUser(left, {
      ...second!,
      id: String(left.nextUserId++),
      email: 'New.Person@acme.example',
      teamIds: [],
    });
    const stored = JSON.parse(
      JSON.stringify(accountSnapshot(left, 'seed 7', new Date('2026-12-02T10:00:00Z'))),
    );
    expect(stored.savedAt).toBe('2026-12-02T10:00:00.000Z');

    const fresh = seed();
    expect(comparable(fresh)).not.toEqual(comparable(left));
    expect(snapshotProblem(stored, fresh, 'seed 7')).toBeNull();
    restoreSnapshot(fresh, stored);
    expect(comparable(fresh)).toEqual(comparable(left));
    expect(fresh.usersByEmail.get('new.person@acme.example')?.id).toBe(String(left.nextUserId - 1));
    expect(fresh.users[2]!.serviceToken?.lastUsedAt).toEqual(new Date('2026-11-30T08:00:00Z'));
    expect(fresh.users[3]!.serviceToken).toBeNull();
    expect('serviceToken' in fresh.users[4]!).toBe('serviceToken' in left.users[4]!);
  });

  it('refuses what is not a snapshot of this account from the same sample data', () => {
    const account = seed();
    const snapshot = accountSnapshot(account, 'seed 7', new Date());
    expect(snapshotProblem(null, account, 'seed 7')).toBe(
      'the stored sample account is not one Seatwise can read',
    );
    expect(snapshotProblem({ ...snapshot, version: 2 }, account, 'seed 7')).toBe(
      'the stored sample account is not one Seatwise can read',
    );
    expect(snapshotProblem({ ...snapshot, users: 'x' }, account, 'seed 7')).toBe(
      'the stored sample account is not one Seatwise can read',
    );
    expect(snapshotProblem(snapshot, account, 'seed 8')).toBe(
      'the stored sample account was made from other sample data',
    );
    expect(snapshotProblem({ ...snapshot, accountId: 'other' }, account, 'seed 7')).toBe(
      'the stored sample account is another account',
    );
  });
});
