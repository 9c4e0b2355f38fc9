/**
 * A model-based test of what Seatwise promises: random sequences of syncs, actions (with and without keys),
 * offboardings, proposal approvals, changes made in monday itself (status, role, invitations, users vanishing
 * and coming back) and bent answers (pages and look-ups cut short, exact email matching) against the emulator,
 * checking after every step that what Seatwise reports is what monday shows:
 * - after a successful sync the copy equals monday, but for removals held for review (which monday confirmed gone);
 * - nobody is marked removed who is in monday;
 * - no action, offboarding result or proposal says `succeeded` / `deactivated` / `applied` unless monday shows it;
 * - a repeat is answered without acting on monday again.
 * A failure prints fast-check's seed and path; SEATWISE_MODEL_SEED and SEATWISE_MODEL_PATH replay it, and
 * SEATWISE_MODEL_RUNS runs more.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../../src/compose.ts';
import { AppError } from '../../src/domain/appError.ts';
import type { FaultSettings } from '../../src/emulator/faults.ts';
import type { EmuUser } from '../../src/emulator/model.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { spawnCli, waitFor } from '../helpers/cli.ts';
import { createTestDatabase, type Dialect, describeDialect } from '../helpers/databases.ts';
import { gql } from '../helpers/emulator.ts';
import { expectedAccess } from '../helpers/expectedAccess.ts';
import { insertAt, modelSeed, Reached, runNamed } from '../helpers/modelRuns.ts';

/** Runs per dialect: bounded for CI (a fresh database per run costs more on PostgreSQL). */
const RUNS = (dialect: 'sqlite' | 'postgres') =>
  Number(process.env.SEATWISE_MODEL_RUNS ?? (dialect === 'sqlite' ? 16 : 8));
/** Short, so a killed process's execution lapses soon. */
const LEASE_SECONDS = 2;
const INVITE = `mutation ($emails: [String!]!) { invite_users(emails: $emails, user_role: MEMBER) { invited_users { id } } }`;

/** The world a run acts on: Seatwise, the emulator, and the users taken out of monday for now. */
interface World {
  app: Seatwise;
  emulator: RunningEmulator;
  connectionId: string;
  vanished: { at: number; user: EmuUser }[];
  invited: number;
  /** How monday bends its answers now (a kill adds a late answer on top). */
  bends: Partial<FaultSettings>;
  /** The environment a Seatwise process on the same data runs with. */
  env: NodeJS.ProcessEnv;
}
type Model = Record<string, never>;
type Cmd = fc.AsyncCommand<Model, World>;

/**
 * Which outcomes the runs reached: the property fails unless every outcome it promises about was met at least
 * once, so a generator that stops reaching the dangerous sequences cannot pass quietly.
 */
const reached = new Reached();
const saw = (what: string) => reached.saw(what);
const PROMISED = [
  'action succeeded',
  'action drifted replay',
  'action failed',
  'offboarding deactivated',
  'offboarding not_deactivated on repeat',
  'approval applied',
  'approval not applied',
  'approval repeated',
  'removal held',
  'sync on capped pages',
  'killed process retried',
] as const;

const account = (w: World) => w.emulator.accounts[0]!;
const mutations = (w: World) => w.emulator.state.mutationsExecuted.length;
/** A user monday has now that Seatwise may act on (never a token's owner), picked by a number. */
function pick(w: World, n: number): EmuUser {
  const owners = new Set(Object.values(account(w).tokenOwners));
  const users = account(w).users.filter((u) => !owners.has(u.id) && expectedAccess(u).role !== 'other');
  return users[n % users.length]!;
}
const mondayUser = (w: World, id: string) => account(w).usersById.get(id);

/** An error an action may meet in a world that changes under it: a clear refusal, never a wrong answer. */
function expectedRefusal(error: unknown): void {
  expect(error).toBeInstanceOf(AppError);
  expect(['invalid_input', 'conflict', 'precondition', 'not_found']).toContain((error as AppError).kind);
}

const inTarget = (user: EmuUser | undefined, action: string, role: string): boolean =>
  user !== undefined &&
  (action === 'deactivate'
    ? user.status === 'INACTIVE'
    : action === 'reactivate'
      ? user.status === 'ACTIVE'
      : expectedAccess(user).role === role);

class Sync implements Cmd {
  constructor(readonly confirm: boolean) {}
  check = () => true;
  async run(_: Model, w: World) {
    const result = await w.app.sync.sync(w.connectionId, { confirmRemovals: this.confirm });
    expect(result.status).toBe('succeeded');
    const held = new Set((await w.app.sync.heldRemovals(w.connectionId)).map((h) => h.userId));
    expect(held.size).toBe(result.removalsHeld);
    if (result.removalsHeld > 0) saw('removal held');
    if (w.bends.pageCap) saw('sync on capped pages');
    const rows = await w.app.store.db
      .selectFrom('directory_users')
      .select(['remote_id', 'role', 'status', 'removed_at'])
      .where('connection_id', '=', w.connectionId)
      .execute();
    const monday = new Map(account(w).users.map((u) => [u.id, u]));
    const copy = new Map<string, string>();
    for (const row of rows) {
      if (row.removed_at !== null) {
        // Nobody is removed who is in monday.
        expect(monday.has(row.remote_id), `${row.remote_id} removed but in monday`).toBe(false);
        continue;
      }
      if (held.has(row.remote_id)) {
        // Held: monday confirmed them gone.
        expect(monday.has(row.remote_id), `${row.remote_id} held but in monday`).toBe(false);
        continue;
      }
      copy.set(row.remote_id, `${row.role}/${row.status}`);
    }
    const expected = new Map(
      [...monday.values()].map((u) => {
        const { role, status } = expectedAccess(u);
        return [u.id, `${role}/${status}`];
      }),
    );
    expect(copy).toEqual(expected);
  }
  toString = () => `sync${this.confirm ? ' --confirm-removals' : ''}`;
}

type ActionAnswer = Awaited<ReturnType<Seatwise['actions']['run']>>;

/**
 * An action's answer against monday, both ways: what it calls done monday shows (no over-claim), and what monday
 * shows done by this very execution it calls done (no under-claim); a repeat acts on monday no more.
 */
function expectHonest(
  w: World,
  result: ActionAnswer,
  action: Act['action'],
  role: 'viewer' | 'member',
  before: number,
): void {
  const [item] = result.results;
  const now = mondayUser(w, item?.userId ?? '');
  const there = inTarget(now, action, role);
  const acted = mutations(w) - before;
  if (result.outcome === 'succeeded') expect(there).toBe(true);
  if (result.outcome === 'drifted') expect(there).toBe(false);
  if (item?.outcome === 'changed' || item?.outcome === 'already') expect(there).toBe(true);
  if (result.replayed) {
    expect(acted).toBe(0);
    // A repeat of a success says what monday shows now: still done is `succeeded`, undone is `drifted`.
    if (result.outcome === 'succeeded' || result.outcome === 'drifted')
      expect(result.outcome).toBe(there ? 'succeeded' : 'drifted');
    if (result.outcome === 'drifted') saw('action drifted replay');
    return;
  }
  expect(acted).toBeLessThanOrEqual(result.summary.changed);
  // monday changed this user and shows the target state: that is a change and a success, never a failure.
  if (acted > 0 && there) {
    expect(item?.outcome).toBe('changed');
    expect(result.outcome).toBe('succeeded');
  }
  if (result.outcome === 'succeeded') saw('action succeeded');
  if (result.outcome === 'failed') saw('action failed');
}

class Act implements Cmd {
  constructor(
    readonly action: 'deactivate' | 'reactivate' | 'set_role',
    readonly who: number,
    readonly role: 'viewer' | 'member',
    readonly key: string | null,
  ) {}
  check = () => true;
  async run(m: Model, w: World): Promise<void> {
    await this.attempt(m, w);
  }
  async attempt(_: Model, w: World): Promise<ActionAnswer | null> {
    const user = pick(w, this.who);
    const before = mutations(w);
    const request =
      this.action === 'set_role'
        ? { action: 'set_role' as const, role: this.role }
        : this.action === 'deactivate'
          ? { action: 'deactivate' as const, via: 'graphql' as const }
          : { action: 'reactivate' as const };
    let result: ActionAnswer;
    try {
      result = await w.app.actions.run(
        {
          ...request,
          connectionId: w.connectionId,
          targets: [{ userId: user.id }],
          ...(this.key ? { idempotencyKey: `${this.key}-${this.action}-${user.id}` } : {}),
        },
        'model',
      );
    } catch (error) {
      expectedRefusal(error);
      return null;
    }
    expectHonest(w, result, this.action, this.role, before);
    return result;
  }
  toString = () =>
    `${this.action}(${this.who}${this.action === 'set_role' ? `, ${this.role}` : ''}, key ${this.key})`;
}

class Offboard implements Cmd {
  constructor(
    readonly who: number,
    readonly key: string | null,
  ) {}
  check = () => true;
  async run(m: Model, w: World): Promise<void> {
    await this.attempt(m, w);
  }
  async attempt(_: Model, w: World) {
    const user = pick(w, this.who);
    const before = mutations(w);
    let view: Awaited<ReturnType<Seatwise['offboardings']['offboard']>>;
    try {
      view = await w.app.offboardings.offboard(
        { emails: [user.email], ...(this.key ? { idempotencyKey: `${this.key}-${user.id}` } : {}) },
        'model',
      );
    } catch (error) {
      expectedRefusal(error);
      return;
    }
    const items = view.steps.flatMap((s) => s.items);
    for (const item of items) {
      const now = mondayUser(w, item.userId);
      if (item.result === 'deactivated' || item.result === 'already') expect(now?.status).toBe('INACTIVE');
      if (item.result === 'not_deactivated') expect(now?.status).not.toBe('INACTIVE');
    }
    const count = (r: string) => items.filter((i) => i.result === r).length;
    if (count('deactivated') > 0) saw('offboarding deactivated');
    if (view.repeated && count('not_deactivated') > 0) saw('offboarding not_deactivated on repeat');
    expect(view.summary).toMatchObject({
      deactivated: count('deactivated'),
      already: count('already'),
      notDeactivated: count('not_deactivated'),
    });
    if (view.repeated) expect(mutations(w)).toBe(before);
    else expect(mutations(w) - before).toBeLessThanOrEqual(count('deactivated') + count('not_deactivated'));
    return view;
  }
  toString = () => `offboard(${this.who}, key ${this.key})`;
}

/**
 * Approves a proposal and checks the answer against monday: `applied` only if monday shows the user a viewer,
 * never `applied` for a user monday does not have, one change at most in monday, and none on a repeat.
 */
async function approveAndCheck(w: World, proposalId: string, userId: string): Promise<string | null> {
  const before = mutations(w);
  const decided = await w.app.policies.approve([proposalId], 'model').catch((error) => {
    expectedRefusal(error);
    return null;
  });
  const status = decided?.proposals[0]?.status ?? null;
  const now = mondayUser(w, userId);
  const acted = mutations(w) - before;
  expect(acted).toBeLessThanOrEqual(1);
  if (status === 'applied') {
    expect(now && expectedAccess(now).role).toBe('viewer');
    saw('approval applied');
  } else {
    saw('approval not applied');
    // Not applied, yet monday changed: only where monday refused to show the change (never here).
    if (acted > 0) expect(now && expectedAccess(now).role).not.toBe('viewer');
  }
  return status;
}

class Approve implements Cmd {
  constructor(readonly which: number) {}
  check = () => true;
  async run(_: Model, w: World) {
    const open = await w.app.policies.proposals({ connectionId: w.connectionId, status: 'open' });
    if (open.length === 0) return;
    const proposal = open[this.which % open.length]!;
    await approveAndCheck(w, proposal.id, proposal.userId);
  }
  toString = () => `approve(${this.which})`;
}

/** monday changes by itself: someone's status or role, an invitation, users leaving or coming back. */
class MondayChange implements Cmd {
  constructor(
    readonly change: 'status' | 'role' | 'invite' | 'vanish' | 'return',
    readonly who: number,
    readonly count: number,
  ) {}
  check = () => true;
  async run(_: Model, w: World) {
    const acc = account(w);
    if (this.change === 'return') {
      for (const { at, user } of w.vanished.splice(0).sort((a, b) => a.at - b.at)) {
        acc.users.splice(Math.min(at, acc.users.length), 0, user);
        acc.usersById.set(user.id, user);
      }
      return;
    }
    if (this.change === 'invite') {
      const email = `model.hire.${w.invited++}@example.com`;
      await gql(w.emulator, acc.tokens.admin, INVITE, { emails: [email] });
      return;
    }
    const user = pick(w, this.who);
    if (this.change === 'status') user.status = user.status === 'INACTIVE' ? 'ACTIVE' : 'INACTIVE';
    else if (this.change === 'role') user.kind = user.kind === 'view_only' ? 'member' : 'view_only';
    else {
      const owners = new Set(Object.values(acc.tokenOwners));
      let start = acc.users.indexOf(user);
      for (let i = 0; i < this.count && start < acc.users.length; i++) {
        const gone = acc.users[start]!;
        if (owners.has(gone.id)) {
          start++;
          continue;
        }
        acc.users.splice(start, 1);
        acc.usersById.delete(gone.id);
        w.vanished.push({ at: start, user: gone });
      }
    }
  }
  toString = () => `monday ${this.change}(${this.who}, ${this.count})`;
}

/**
 * A `seatwise action deactivate` process killed right after monday carried it out, before it heard so. The
 * same request again (once the dead execution's lease has lapsed) finds monday done and does not act twice.
 */
class KillAfterMondayActs implements Cmd {
  constructor(readonly who: number) {}
  check = () => true;
  async run(_: Model, w: World) {
    const user = pick(w, this.who);
    if (user.status !== 'ACTIVE') return;
    const request = { action: 'deactivate' as const, via: 'graphql' as const, connectionId: w.connectionId };
    const key = `killed-${user.id}-${mutations(w)}`;
    const before = mutations(w);
    w.emulator.setFaults({ ...w.bends, answerDelayMs: 30_000, surfaces: ['graphql'] });
    const cli = spawnCli(
      ['action', 'deactivate', '--connection', w.connectionId, '--user', user.id, '--via', 'graphql'].concat([
        '--idempotency-key',
        key,
        '--json',
      ]),
      w.env,
    );
    let exited = false;
    void cli.done.then(() => {
      exited = true;
    });
    try {
      await waitFor(
        () => mutations(w) > before || exited,
        'monday to carry out the killed process request',
        60_000,
      );
    } finally {
      cli.child.kill('SIGKILL');
      await cli.done;
      w.emulator.setFaults(w.bends);
    }
    if (mutations(w) === before) return; // it stopped before monday acted (refused): nothing to prove
    expect(mondayUser(w, user.id)?.status).toBe('INACTIVE');
    const acted = mutations(w);
    // Until the dead execution's lease lapses the key is refused as still running; then it checks monday.
    let again: Awaited<ReturnType<Seatwise['actions']['run']>> | null = null;
    await waitFor(
      async () => {
        try {
          again = await w.app.actions.run(
            { ...request, targets: [{ userId: user.id }], idempotencyKey: key },
            'model',
          );
          return true;
        } catch (error) {
          expectedRefusal(error);
          return false;
        }
      },
      'the dead execution to lapse',
      60_000,
    );
    expect(again!.outcome).toBe('succeeded');
    expect(mutations(w)).toBe(acted);
    saw('killed process retried');
  }
  toString = () => `kill after monday acts(${this.who})`;
}

/** monday itself undoes or redoes what an action did (status for (re)activation, kind for a role). */
function flipInMonday(user: EmuUser, action: Act['action']): void {
  if (action === 'set_role') user.kind = user.kind === 'view_only' ? 'member' : 'view_only';
  else user.status = user.status === 'INACTIVE' ? 'ACTIVE' : 'INACTIVE';
}

/**
 * The sequence replays go wrong on: an action with a key, monday undoing it by itself, the same request again.
 * The repeat must act no more and say what monday shows now (`drifted` when the change is undone).
 */
class ActDriftRepeat implements Cmd {
  constructor(
    readonly action: Act['action'],
    readonly who: number,
    readonly role: 'viewer' | 'member',
  ) {}
  check = () => true;
  async run(m: Model, w: World) {
    const act = new Act(this.action, this.who, this.role, `drift-${w.invited}-${mutations(w)}`);
    const first = await act.attempt(m, w);
    if (first === null || first.outcome !== 'succeeded') return;
    const user = mondayUser(w, first.results[0]!.userId!)!;
    flipInMonday(user, this.action);
    const before = mutations(w);
    const again = await act.attempt(m, w);
    expect(again).not.toBeNull();
    expect(again!.replayed).toBe(true);
    expect(mutations(w)).toBe(before);
    expect(again!.outcome).toBe(inTarget(user, this.action, this.role) ? 'succeeded' : 'drifted');
  }
  toString = () => `act, monday undoes it, act again(${this.action}, ${this.who}, ${this.role})`;
}

/** monday loses a person Seatwise's copy still has, then an action on them: it fails, and says so. */
class ActOnGone implements Cmd {
  constructor(
    readonly action: Act['action'],
    readonly who: number,
  ) {}
  check = () => true;
  async run(_m: Model, w: World) {
    const acc = account(w);
    const user = pick(w, this.who);
    const at = acc.users.indexOf(user);
    acc.users.splice(at, 1);
    acc.usersById.delete(user.id);
    w.vanished.push({ at, user });
    const before = mutations(w);
    let result: ActionAnswer | null = null;
    try {
      result = await w.app.actions.run(
        {
          ...(this.action === 'set_role'
            ? { action: 'set_role' as const, role: 'viewer' as const }
            : this.action === 'deactivate'
              ? { action: 'deactivate' as const, via: 'graphql' as const }
              : { action: 'reactivate' as const }),
          connectionId: w.connectionId,
          targets: [{ userId: user.id }],
        },
        'model',
      );
    } catch (error) {
      expectedRefusal(error);
    }
    expect(mutations(w) - before).toBeLessThanOrEqual(1);
    if (result) {
      // A keyless request that repeats an earlier one from the same stored state is that request's replay: its
      // effect is checked against monday now, where the person is gone (drifted). Anything else fails.
      expect(result.outcome).toBe(result.replayed ? 'drifted' : 'failed');
      expect(result.inTargetState).toBe(false);
      if (result.replayed) expect(mutations(w)).toBe(before);
      saw('action failed');
    }
  }
  toString = () => `monday loses them, then ${this.action}(${this.who})`;
}

/**
 * monday caps its pages below what was asked, and someone new joins at the end of the list: the sync must read
 * past the short pages to find them (the people already stored would be found by look-up anyway).
 */
class CappedJoinSync implements Cmd {
  constructor(
    readonly cap: number,
    readonly offset: 'follows' | 'unchanged',
  ) {}
  check = () => true;
  async run(m: Model, w: World) {
    await new Bend(this.cap, this.offset, null, false).run(m, w);
    await new MondayChange('invite', 0, 1).run(m, w);
    await new Sync(false).run(m, w);
  }
  toString = () => `monday pages of ${this.cap} (${this.offset}), someone joins, sync`;
}

/** Many people leave monday at once, then a sync: it holds their removal for review instead of removing them. */
class MassLeave implements Cmd {
  constructor(
    readonly who: number,
    readonly count: number,
  ) {}
  check = () => true;
  async run(m: Model, w: World) {
    await new MondayChange('vanish', this.who, this.count).run(m, w);
    await new Sync(false).run(m, w);
  }
  toString = () => `${this.count} leave monday at once (from ${this.who}), then sync`;
}

/** An offboarding with a key, monday reactivating the person, the same offboarding again: `not_deactivated`. */
class OffboardUndoneRepeat implements Cmd {
  constructor(readonly who: number) {}
  check = () => true;
  async run(m: Model, w: World) {
    const offboard = new Offboard(this.who, `undone-${mutations(w)}`);
    const first = await offboard.attempt(m, w);
    if (!first) return;
    const done = first.steps.flatMap((s) => s.items).filter((i) => i.result === 'deactivated');
    if (done.length === 0) return;
    for (const item of done) mondayUser(w, item.userId)!.status = 'ACTIVE';
    const again = await offboard.attempt(m, w);
    expect(again?.repeated).toBe(true);
    const items = again!.steps.flatMap((s) => s.items);
    for (const item of done)
      expect(items.find((i) => i.userId === item.userId)?.result).toBe('not_deactivated');
  }
  toString = () => `offboard, monday reactivates, offboard again(${this.who})`;
}

/**
 * Approvals where they go wrong: the same proposal approved twice (the second acts no more), or approved after
 * monday lost the person (never `applied`).
 */
class ApproveHard implements Cmd {
  constructor(
    readonly which: number,
    readonly how: 'twice' | 'user gone',
  ) {}
  check = () => true;
  async run(_: Model, w: World) {
    const open = await w.app.policies.proposals({ connectionId: w.connectionId, status: 'open' });
    if (open.length === 0) return;
    const proposal = open[this.which % open.length]!;
    if (this.how === 'twice') {
      await approveAndCheck(w, proposal.id, proposal.userId);
      // monday gives the person their seat back by itself; approving the decided proposal again must not act.
      const user = mondayUser(w, proposal.userId);
      if (user?.kind === 'view_only') user.kind = 'member';
      const before = mutations(w);
      await approveAndCheck(w, proposal.id, proposal.userId);
      expect(mutations(w)).toBe(before);
      saw('approval repeated');
      return;
    }
    const acc = account(w);
    const user = mondayUser(w, proposal.userId);
    if (!user || Object.values(acc.tokenOwners).includes(user.id)) return;
    const at = acc.users.indexOf(user);
    acc.users.splice(at, 1);
    acc.usersById.delete(user.id);
    w.vanished.push({ at, user });
    const status = await approveAndCheck(w, proposal.id, proposal.userId);
    expect(status).not.toBe('applied');
  }
  toString = () => `approve ${this.how}(${this.which})`;
}

/** monday bends its answers: its own page size (offset following it or not), capped look-ups, exact emails. */
class Bend implements Cmd {
  constructor(
    readonly pageCap: number | null,
    readonly offset: 'follows' | 'unchanged',
    readonly lookupCap: number | null,
    readonly exact: boolean,
  ) {}
  check = () => true;
  async run(_: Model, w: World) {
    w.bends = {
      pageCap: this.pageCap,
      pageCapOffset: this.offset,
      lookupCap: this.lookupCap,
      emailMatch: this.exact ? 'exact' : 'insensitive',
    };
    w.emulator.setFaults(w.bends);
  }
  toString = () =>
    `bend(page ${this.pageCap} ${this.offset}, look-ups ${this.lookupCap}, exact ${this.exact})`;
}

// Mostly a handful of people, so actions, repeats and monday's own changes meet the same users often.
const who = fc.oneof(
  { arbitrary: fc.nat({ max: 2 }), weight: 4 },
  { arbitrary: fc.nat({ max: 200 }), weight: 1 },
);
const key = fc.option(fc.constant('k1'), { nil: null, freq: 3 });
const act = fc
  .tuple(
    fc.constantFrom('deactivate', 'reactivate', 'set_role') as fc.Arbitrary<Act['action']>,
    who,
    fc.constantFrom('viewer', 'member') as fc.Arbitrary<'viewer' | 'member'>,
    key,
  )
  .map(([a, w, r, k]) => new Act(a, w, r, k));
const mondayFlip = fc
  .tuple(fc.constantFrom('status', 'role') as fc.Arbitrary<MondayChange['change']>, who)
  .map(([c, w]) => new MondayChange(c, w, 1));
const mondayMoves = fc
  .tuple(
    fc.constantFrom('invite', 'vanish', 'return') as fc.Arbitrary<MondayChange['change']>,
    who,
    fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 20, max: 40 })),
  )
  .map(([c, w, n]) => new MondayChange(c, w, n));
// Actions and monday's own flips come more often than the rest, so repeats meet drift.
const commands = [
  fc.boolean().map((confirm) => new Sync(confirm)),
  fc.constant(new Sync(false)),
  act,
  act,
  act,
  fc.tuple(who, key).map(([w, k]) => new Offboard(w, k)),
  fc.nat().map((n) => new Approve(n)),
  mondayFlip,
  mondayFlip,
  mondayMoves,
  fc
    .tuple(
      fc.option(fc.integer({ min: 1, max: 1200 }), { nil: null }),
      fc.constantFrom('follows', 'unchanged') as fc.Arbitrary<'follows' | 'unchanged'>,
      fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }),
      fc.boolean(),
    )
    .map(([p, o, l, e]) => new Bend(p, o, l, e)),
];

const action = fc.constantFrom('deactivate', 'reactivate', 'set_role') as fc.Arbitrary<Act['action']>;
/**
 * The sequences the riskiest promises need, built whole rather than left to chance: every run holds one of
 * each, at random places among the random commands, so each promise is put to the test in every run.
 */
const tour = fc.tuple(
  fc
    .tuple(action, who, fc.constantFrom('viewer', 'member') as fc.Arbitrary<'viewer' | 'member'>)
    .map(([a, w, r]): Cmd => new ActDriftRepeat(a, w, r)),
  who.map((w): Cmd => new OffboardUndoneRepeat(w)),
  fc.tuple(action, who).map(([a, w]): Cmd => new ActOnGone(a, w)),
  fc.tuple(fc.nat({ max: 60 }), fc.integer({ min: 25, max: 40 })).map(([w, n]): Cmd => new MassLeave(w, n)),
  fc.nat().map((n): Cmd => new ApproveHard(n, 'twice')),
  fc.nat().map((n): Cmd => new ApproveHard(n, 'user gone')),
  fc
    .tuple(
      fc.integer({ min: 7, max: 120 }),
      fc.constantFrom('follows', 'unchanged') as fc.Arbitrary<'follows' | 'unchanged'>,
    )
    .map(([c, o]): Cmd => new CappedJoinSync(c, o)),
  // Slow (a process starts, a lease lapses), so once a run rather than at random.
  who.map((w): Cmd => new KillAfterMondayActs(w)),
);
const places = fc.array(fc.nat(), { minLength: 8, maxLength: 8 });

/** The random commands with the tour's put in at the given places. */
function withTour(random: Iterable<Cmd>, sequences: readonly Cmd[], at: readonly number[]): Cmd[] {
  return insertAt(
    [...random],
    sequences.map((cmd) => [cmd]),
    at,
  );
}

/** A fresh world: monday with 150 users on Enterprise, Seatwise connected with SCIM and synced once. */
async function newWorld(dialect: 'sqlite' | 'postgres'): Promise<World & { close(): Promise<void> }> {
  const emulator = await startEmulator({ users: 150, plan: 'enterprise', seed: 777 });
  const db = await createTestDatabase(dialect);
  const app = await createSeatwise(
    { ...db.config, SEATWISE_LEASE_SECONDS: LEASE_SECONDS },
    { remote: { baseDelayMs: 1 } },
  );
  const acc = emulator.accounts[0]!;
  const { id } = await app.connections.add({
    token: acc.tokens.admin,
    apiUrl: emulator.graphqlUrl,
    scimToken: acc.scimToken!,
    scimUrl: emulator.scimUrl,
    permission: 'read_and_act',
  });
  await app.connections.update(id, { graphqlOffboarding: true, syncSchedule: 'off' });
  await app.policies.add({ connectionId: id, kind: 'inactive_members_to_viewer', days: 30 });
  expect((await app.sync.sync(id)).status).toBe('succeeded');
  return {
    app,
    emulator,
    connectionId: id,
    vanished: [],
    invited: 0,
    bends: {},
    env: {
      ...db.env,
      SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.url).origin,
      SEATWISE_LEASE_SECONDS: String(LEASE_SECONDS),
      LOG_LEVEL: 'silent',
    },
    close: async () => {
      await app.close();
      await db.cleanup();
      await emulator.close();
    },
  };
}

/** Registers this file's suite for one dialect (each dialect is a test file of its own, so they run in parallel). */
export function register(dialect: Dialect): void {
  describeDialect(dialect, 'what Seatwise reports is what monday shows, whatever happens (%s)', (dialect) => {
    it('holds every promise through random syncs, actions, offboardings, approvals, monday changes and bent answers', async () => {
      const replay = modelSeed();
      reached.clear();
      await fc.assert(
        fc.asyncProperty(
          fc.commands(commands, { maxCommands: 30, size: 'max' }),
          tour,
          places,
          async (cmds, sequences, at) => {
            // Every run (and every shrink of one) starts from the same fresh world, so a printed seed replays.
            const world = await newWorld(dialect);
            try {
              await runNamed(() => ({ model: {}, real: world }), withTour(cmds, sequences, at));
            } finally {
              await world.close();
            }
          },
        ),
        { numRuns: RUNS(dialect), ...replay },
      );
      // Every outcome the property promises about was met, or the runs proved nothing about it.
      reached.expectEvery(`model.promises (${dialect})`, RUNS(dialect), replay.seed, PROMISED);
    }, 900_000);
  });
}
