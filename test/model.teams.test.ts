/**
 * A model-based test of what Seatwise promises about teams: random sequences of changes made in monday itself
 * (people joining and leaving teams, deactivated, gone from the account and back; teams renamed, created,
 * deleted; owners given and taken), bent answers (pages and look-ups cut short), syncs that fail part way, and
 * team actions (with and without keys), checking after every step that:
 * - after a successful sync the stored teams, owners and memberships equal monday's;
 * - a failed sync leaves them exactly as they were;
 * - no sync records a departure (or a removed team) that monday does not show;
 * - an action reports a user added or removed only when monday shows it, and a repeat acts on monday no more.
 * SEATWISE_MODEL_SEED / SEATWISE_MODEL_PATH replay a failure; SEATWISE_MODEL_RUNS runs more.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { AppError } from '../src/domain/appError.ts';
import type { EmuAccount, EmuUser } from '../src/emulator/model.ts';
import { scimGroupId } from '../src/emulator/model.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { createTestDatabase, describeEachDialect } from './helpers/databases.ts';
import { mondayTeams, storedTeams } from './helpers/teams.ts';

const RUNS = (dialect: 'sqlite' | 'postgres') =>
  Number(process.env.SEATWISE_MODEL_RUNS ?? (dialect === 'sqlite' ? 12 : 6));

interface World {
  app: Seatwise;
  emulator: RunningEmulator;
  connectionId: string;
  /** Users taken out of the account for now. */
  vanished: EmuUser[];
  nextTeam: number;
  close(): Promise<void>;
}
type Model = Record<string, never>;
type Cmd = fc.AsyncCommand<Model, World>;

const account = (w: World): EmuAccount => w.emulator.accounts[0]!;
const people = (w: World) => {
  const owners = new Set(Object.values(account(w).tokenOwners));
  return account(w).users.filter(
    (u) => !owners.has(u.id) && ['admin', 'member', 'view_only', 'guest'].includes(u.kind),
  );
};
const pickUser = (w: World, n: number) => people(w)[n % people(w).length]!;
const pickTeam = (w: World, n: number) => account(w).teams[n % account(w).teams.length];

const stored = (w: World) => storedTeams(w.app.store.db, w.connectionId);
const monday = (w: World) => mondayTeams(account(w));

/** monday changes on its own: one of the ways teams change between syncs. */
class MondayChange implements Cmd {
  constructor(
    readonly kind:
      | 'join'
      | 'leave'
      | 'rename'
      | 'create'
      | 'delete'
      | 'own'
      | 'unown'
      | 'deactivate'
      | 'vanish'
      | 'return',
    readonly who: number,
    readonly which: number,
  ) {}
  check = () => true;
  async run(_: Model, w: World) {
    const a = account(w);
    const user = pickUser(w, this.who);
    const team = pickTeam(w, this.which);
    switch (this.kind) {
      case 'join':
        if (team && !user.teamIds.includes(team.id)) user.teamIds.push(team.id);
        break;
      case 'leave':
        if (team) {
          user.teamIds = user.teamIds.filter((t) => t !== team.id);
          team.ownerIds = team.ownerIds.filter((o) => o !== user.id);
        }
        break;
      case 'rename':
        if (team) team.name = `${team.name.split(' ')[0]} ${this.who % 7}`;
        break;
      case 'create': {
        const id = String(900_000_000 + w.nextTeam++);
        a.teams.push({
          id,
          name: `New ${id}`,
          isGuest: this.who % 2 === 0,
          ownerIds: [],
          scimProvisioned: false,
          scimId: scimGroupId(id),
        });
        break;
      }
      case 'delete':
        if (team) {
          a.teams = a.teams.filter((t) => t !== team);
          for (const u of [...a.users, ...w.vanished]) u.teamIds = u.teamIds.filter((t) => t !== team.id);
        }
        break;
      case 'own':
        if (team && user.teamIds.includes(team.id) && !team.ownerIds.includes(user.id))
          team.ownerIds.push(user.id);
        break;
      case 'unown':
        if (team) team.ownerIds = team.ownerIds.slice(1);
        break;
      case 'deactivate':
        user.status = 'INACTIVE';
        break;
      case 'vanish':
        // Gone from the account (a user monday no longer lists), teams and all, for now.
        if (w.vanished.length < 2) {
          a.users.splice(a.users.indexOf(user), 1);
          a.usersById.delete(user.id);
          for (const t of a.teams) t.ownerIds = t.ownerIds.filter((o) => o !== user.id);
          w.vanished.push(user);
        }
        break;
      case 'return': {
        const back = w.vanished.shift();
        if (back) {
          back.teamIds = back.teamIds.filter((t) => a.teams.some((team) => team.id === t));
          a.users.push(back);
          a.usersById.set(back.id, back);
        }
        break;
      }
    }
  }
  toString = () => `monday ${this.kind} ${this.who}/${this.which}`;
}

class Sync implements Cmd {
  constructor(readonly bend: 'none' | 'pages' | 'lookups') {}
  check = () => true;
  async run(_: Model, w: World) {
    w.emulator.setFaults(
      this.bend === 'pages' ? { pageCap: 7 } : this.bend === 'lookups' ? { lookupCap: 3, pageCap: 50 } : {},
    );
    try {
      const result = await w.app.sync.sync(w.connectionId);
      expect(result.status, result.error?.message).toBe('succeeded');
      expect(await stored(w)).toEqual(monday(w));
      // Every departure and removal this run recorded is one monday shows.
      const events = await w.app.store.db
        .selectFrom('change_events')
        .select(['kind', 'team_id', 'remote_user_id'])
        .where('run_id', '=', result.runId)
        .where('team_id', 'is not', null)
        .execute();
      const a = account(w);
      for (const e of events) {
        if (e.kind === 'left_team')
          expect(
            a.usersById.get(e.remote_user_id)?.teamIds ?? [],
            `${e.remote_user_id} left ${e.team_id}`,
          ).not.toContain(e.team_id);
        if (e.kind === 'team_removed') expect(a.teams.some((t) => t.id === e.team_id)).toBe(false);
      }
    } finally {
      w.emulator.setFaults({ pageCap: null, lookupCap: null });
    }
  }
  toString = () => `sync (${this.bend})`;
}

/** monday fails the teams question: the run fails and the stored teams stay as they were. */
class FailingSync implements Cmd {
  check = () => true;
  async run(_: Model, w: World) {
    const before = await stored(w);
    const a = account(w);
    const real = Object.getOwnPropertyDescriptor(a, 'teams')!;
    Object.defineProperty(a, 'teams', {
      configurable: true,
      get() {
        throw new Error('teams unavailable');
      },
    });
    try {
      const result = await w.app.sync.sync(w.connectionId);
      expect(result.status).toBe('failed');
    } finally {
      Object.defineProperty(a, 'teams', real);
    }
    expect(await stored(w)).toEqual(before);
  }
  toString = () => 'sync failing on teams';
}

class TeamAct implements Cmd {
  constructor(
    readonly add: boolean,
    readonly who: number,
    readonly which: number,
    readonly key: string | null,
  ) {}
  check = () => true;
  async run(_: Model, w: World) {
    const user = pickUser(w, this.who);
    const team = pickTeam(w, this.which);
    if (!team) return;
    const before = w.emulator.state.mutationsExecuted.length;
    let result: Awaited<ReturnType<Seatwise['actions']['run']>>;
    try {
      result = await w.app.actions.run(
        {
          action: this.add ? 'add_to_team' : 'remove_from_team',
          connectionId: w.connectionId,
          teamId: team.id,
          targets: [{ userId: user.id }],
          ...(this.key ? { idempotencyKey: `${this.key}-${this.add}-${user.id}-${team.id}` } : {}),
        },
        'model',
      );
    } catch (error) {
      // A team or user the copy does not know yet: refused clearly, nothing sent.
      expect(error).toBeInstanceOf(AppError);
      expect(['invalid_input', 'conflict']).toContain((error as AppError).kind);
      expect(w.emulator.state.mutationsExecuted.length).toBe(before);
      return;
    }
    const now = account(w).usersById.get(user.id);
    const inTeam = now?.teamIds.includes(team.id) ?? false;
    for (const r of result.results) {
      if (r.outcome === 'changed' || r.outcome === 'already')
        expect(inTeam, `${r.outcome}: ${r.reason}`).toBe(this.add);
    }
    if (result.replayed) expect(w.emulator.state.mutationsExecuted.length).toBe(before);
    else if (now) {
      // What monday showed the action is in the copy at once.
      const link = await w.app.store.db
        .selectFrom('directory_team_members')
        .select('user_id')
        .where('connection_id', '=', w.connectionId)
        .where('team_id', '=', team.id)
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      expect(Boolean(link), `copy of ${user.id} in ${team.id}`).toBe(inTeam);
    }
    if (result.outcome === 'succeeded') expect(result.inTargetState).toBe(true);
  }
  toString = () =>
    `${this.add ? 'add' : 'remove'} ${this.who} ${this.add ? 'to' : 'from'} ${this.which}${this.key ? ` key ${this.key}` : ''}`;
}

const commands = [
  fc
    .tuple(
      fc.constantFrom(
        'join',
        'leave',
        'rename',
        'create',
        'delete',
        'own',
        'unown',
        'deactivate',
        'vanish',
        'return',
      ),
      fc.nat(400),
      fc.nat(20),
    )
    .map(([kind, who, which]) => new MondayChange(kind as MondayChange['kind'], who, which)),
  fc.constantFrom('none', 'pages', 'lookups').map((bend) => new Sync(bend as Sync['bend'])),
  fc.constant(new FailingSync()),
  fc
    .tuple(fc.boolean(), fc.nat(400), fc.nat(20), fc.option(fc.constantFrom('k1', 'k2'), { nil: null }))
    .map(([add, who, which, key]) => new TeamAct(add, who, which, key)),
];

async function newWorld(dialect: 'sqlite' | 'postgres'): Promise<World> {
  const emulator = await startEmulator({ users: 150, plan: 'enterprise', seed: 77 });
  const db = await createTestDatabase(dialect);
  const app = await createSeatwise(db.config, { remote: { baseDelayMs: 1 } });
  const acc = emulator.accounts[0]!;
  // No SCIM token: team actions go through GraphQL, and monday refuses those on the teams an IdP manages.
  const { id } = await app.connections.add({
    token: acc.tokens.admin,
    apiUrl: emulator.graphqlUrl,
    permission: 'read_and_act',
  });
  await app.connections.update(id, { syncSchedule: 'off' });
  expect((await app.sync.sync(id)).status).toBe('succeeded');
  return {
    app,
    emulator,
    connectionId: id,
    vanished: [],
    nextTeam: 0,
    close: async () => {
      await app.close();
      await db.cleanup();
      await emulator.close();
    },
  };
}

describeEachDialect('what Seatwise reports about teams is what monday shows (%s)', (dialect) => {
  it('holds through random monday changes, bent answers, failed syncs and team actions', async () => {
    const seed = process.env.SEATWISE_MODEL_SEED;
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 25, size: 'max' }), async (cmds) => {
        const world = await newWorld(dialect);
        try {
          await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
        } finally {
          await world.close();
        }
      }),
      {
        numRuns: RUNS(dialect),
        ...(seed ? { seed: Number(seed), path: process.env.SEATWISE_MODEL_PATH, endOnFailure: true } : {}),
      },
    );
  }, 900_000);
});
