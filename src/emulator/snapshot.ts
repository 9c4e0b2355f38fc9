import { z } from 'zod';
import type { EmuAccount, EmuAutomation, EmuConnection, EmuUser } from './model.ts';

/**
 * An account's people and teams as plain JSON, so a sample account (the demo) keeps what was done in it across
 * restarts. Tokens, plan and limits are not in it: they come from the seed the account was made from, and a
 * snapshot is only restored into an account of the same seed (`seedKey`).
 */
export interface AccountSnapshot {
  version: 1;
  seedKey: string;
  accountId: string;
  savedAt: string;
  users: SnapshotUser[];
  teams: EmuAccount['teams'];
  nextUserId: number;
  nextTeamId: number;
  boards: EmuAccount['boards'];
  automations: (Omit<EmuAutomation, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string })[];
  connections: (Omit<EmuConnection, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string })[];
}

type SnapshotUser = Omit<
  EmuUser,
  'createdAt' | 'becameActiveAt' | 'lastActivity' | 'updatedAt' | 'serviceToken'
> & {
  createdAt: string;
  becameActiveAt: string | null;
  lastActivity: string | null;
  updatedAt: string;
  serviceToken?: { lastUsedAt: string | null } | null;
};

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const date = (s: string | null) => (s === null ? null : new Date(s));

export function accountSnapshot(account: EmuAccount, seedKey: string, now: Date): AccountSnapshot {
  return {
    version: 1,
    seedKey,
    accountId: account.id,
    savedAt: now.toISOString(),
    users: account.users.map(({ serviceToken, ...u }) => ({
      ...u,
      teamIds: [...u.teamIds],
      createdAt: u.createdAt.toISOString(),
      becameActiveAt: iso(u.becameActiveAt),
      lastActivity: iso(u.lastActivity),
      updatedAt: u.updatedAt.toISOString(),
      ...(serviceToken !== undefined
        ? { serviceToken: serviceToken ? { lastUsedAt: iso(serviceToken.lastUsedAt) } : null }
        : {}),
    })),
    teams: account.teams.map((t) => ({ ...t, ownerIds: [...t.ownerIds] })),
    nextUserId: account.nextUserId,
    nextTeamId: account.nextTeamId,
    boards: account.boards.map((b) => ({
      ...b,
      ownerIds: [...b.ownerIds],
      subscriberIds: [...b.subscriberIds],
    })),
    automations: account.automations.map((a) => ({
      ...a,
      createdAt: a.createdAt.toISOString(),
      updatedAt: a.updatedAt.toISOString(),
    })),
    connections: account.connections.map((c) => ({
      ...c,
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    })),
  };
}

const snapshotShape = z.object({
  version: z.literal(1),
  seedKey: z.string(),
  accountId: z.string(),
  savedAt: z.string(),
  users: z.array(
    z
      .object({ id: z.string(), email: z.string(), createdAt: z.string(), updatedAt: z.string() })
      .passthrough(),
  ),
  teams: z.array(z.object({ id: z.string(), ownerIds: z.array(z.string()) }).passthrough()),
  nextUserId: z.number().int(),
  nextTeamId: z.number().int(),
  boards: z.array(z.object({ id: z.string(), ownerIds: z.array(z.string()) }).passthrough()),
  automations: z.array(z.object({ id: z.string(), createdAt: z.string() }).passthrough()),
  connections: z.array(z.object({ id: z.number(), createdAt: z.string() }).passthrough()),
});

/**
 * Why a stored snapshot cannot be put back into this account (another seed, another account, not a snapshot),
 * or null when it can.
 */
export function snapshotProblem(value: unknown, account: EmuAccount, seedKey: string): string | null {
  const parsed = snapshotShape.safeParse(value);
  if (!parsed.success) return 'the stored sample account is not one Seatwise can read';
  if (parsed.data.seedKey !== seedKey) return 'the stored sample account was made from other sample data';
  if (parsed.data.accountId !== account.id) return 'the stored sample account is another account';
  return null;
}

/** Puts a snapshot's people and teams back into the account (checked first with `snapshotProblem`). */
export function restoreSnapshot(account: EmuAccount, snapshot: AccountSnapshot): void {
  const users: EmuUser[] = snapshot.users.map(({ serviceToken, ...u }) => {
    const user: EmuUser = {
      ...u,
      teamIds: [...u.teamIds],
      createdAt: new Date(u.createdAt),
      becameActiveAt: date(u.becameActiveAt),
      lastActivity: date(u.lastActivity),
      updatedAt: new Date(u.updatedAt),
    };
    if (serviceToken !== undefined)
      user.serviceToken = serviceToken ? { lastUsedAt: date(serviceToken.lastUsedAt) } : null;
    return user;
  });
  account.users.length = 0;
  account.users.push(...users);
  account.usersById.clear();
  account.usersByEmail.clear();
  for (const user of users) {
    account.usersById.set(user.id, user);
    account.usersByEmail.set(user.email.toLowerCase(), user);
  }
  account.teams.length = 0;
  account.teams.push(...snapshot.teams.map((t) => ({ ...t, ownerIds: [...t.ownerIds] })));
  account.nextUserId = snapshot.nextUserId;
  account.nextTeamId = snapshot.nextTeamId;
  account.boards = snapshot.boards.map((b) => ({
    ...b,
    ownerIds: [...b.ownerIds],
    subscriberIds: [...b.subscriberIds],
  }));
  account.automations = snapshot.automations.map((a) => ({
    ...a,
    createdAt: new Date(a.createdAt),
    updatedAt: new Date(a.updatedAt),
  }));
  account.connections = snapshot.connections.map((c) => ({
    ...c,
    createdAt: new Date(c.createdAt),
    updatedAt: new Date(c.updatedAt),
  }));
}
