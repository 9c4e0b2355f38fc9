/**
 * A model-based test of what access reviews promise: random sequences of decisions (submitted at once), monday
 * refusing for a while, people changed in monday itself, retries and the close, checking after every step that:
 * - an item is `done` only if monday shows the decision at that moment, and `kept` only for a keep;
 * - a failed item is never reported as carried out, and says why;
 * - after the close every item's evidence is what monday shows (a change undone in monday since is `drifted`,
 *   never `done`), and no item changes any more.
 * SEATWISE_MODEL_SEED / SEATWISE_MODEL_PATH replay a failure; SEATWISE_MODEL_RUNS runs more.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { ReviewCaller } from '../src/app/reviewsService.ts';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import type { ReviewDecision } from '../src/domain/reviews.ts';
import type { EmuUser } from '../src/emulator/model.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { createTestDatabase, describeEachDialect } from './helpers/databases.ts';
import { expectedAccess } from './helpers/expectedAccess.ts';
import { insertAt, modelSeed, Reached, runNamed } from './helpers/modelRuns.ts';

const RUNS = (dialect: 'sqlite' | 'postgres') =>
  Number(process.env.SEATWISE_MODEL_RUNS ?? (dialect === 'sqlite' ? 12 : 8));

const admin: ReviewCaller = { actor: 'cli', personId: null, role: 'admin', via: 'cli' };
const operator: ReviewCaller = { actor: 'cli:operator', personId: null, role: 'operator', via: 'cli' };

interface World {
  /** The items as the first close left them: nothing changes them after it. */
  atClose: unknown[] | null;
  app: Seatwise;
  emulator: RunningEmulator;
  campaignId: string;
  itemIds: string[];
  closed: boolean;
  close(): Promise<void>;
}
type Cmd = fc.AsyncCommand<Record<string, never>, World>;

const userOf = (w: World, id: string): EmuUser => w.emulator.accounts[0]!.users.find((u) => u.id === id)!;

/** Whether monday shows a decision carried out for this user now. */
function mondayShows(user: EmuUser, decision: string, role: string | null): boolean {
  const { role: now, status } = expectedAccess(user);
  if (decision === 'revoke') return status === 'deactivated';
  if (decision === 'downgrade') return now === 'viewer' && status !== 'deactivated';
  if (decision === 'change_role') return now === role && status !== 'deactivated';
  return true;
}

/** monday's roles by how much they may do, written out here apart from Seatwise's own rule. */
const rank: Record<string, number> = { guest: 0, viewer: 1, member: 2, admin: 3 };
/** Whether a decision gives more than the user had at the launch. */
const raises = (decision: string | null, role: string | null, from: string) => {
  const target = decision === 'downgrade' ? 'viewer' : decision === 'change_role' ? role : null;
  return target !== null && (rank[target] ?? 9) > (rank[from] ?? -1);
};

/** Which item outcomes the runs reached: the property fails unless each was met. */
const reached = new Reached();
const PROMISED = ['done', 'kept', 'failed', 'drifted at the close', 'done at the close'] as const;

/** The promises, checked on every item after each step. */
async function check(w: World, touched: readonly string[] = [], atClose = false): Promise<void> {
  const items = await w.app.reviews.items(w.campaignId);
  // After the close every item stays as the close left it, whatever happens next.
  if (w.atClose && !atClose) expect(items).toEqual(w.atClose);
  for (const item of items) {
    reached.saw(item.status);
    // Kept: a keep, or a raise of access no operator approved (reviews only keep or reduce access).
    const raise = raises(item.decision, item.role, item.snapshot.role);
    if (item.status === 'kept') {
      if (item.decision !== 'keep') expect(raise, `${item.id} kept after ${item.decision}`).toBe(true);
    }
    // No monday role rose through a reviewer: a raise is carried out only once an operator approved it.
    if (raise && ['done', 'drifted', 'applying', 'submitted', 'failed'].includes(item.status))
      expect(item.approvedBy, `${item.id} raised without approval`).toBeTruthy();
    if (raise && item.status !== 'done' && item.status !== 'drifted' && !item.approvedBy)
      expect(expectedAccess(userOf(w, item.userId)).role, `${item.id} raised in monday`).not.toBe(item.role);
    if (item.status === 'failed') expect(item.result, `${item.id} failed without a reason`).toBeTruthy();
    if (item.status === 'done') {
      expect(item.after, `${item.id} is done without monday's reading`).toBeDefined();
      // What was just carried out (or read at the close) is what monday shows now.
      if (touched.includes(item.id) || atClose)
        expect(mondayShows(userOf(w, item.userId), item.decision!, item.role), `${item.id} done`).toBe(true);
    }
    if (w.closed) expect(['done', 'kept', 'failed', 'not_reviewed', 'drifted']).toContain(item.status);
    if (atClose) {
      const { role, status } = expectedAccess(userOf(w, item.userId));
      expect(item.after).toMatchObject({ role, status });
      // A carried-out decision is `done` exactly when monday shows it at the close, and `drifted` otherwise.
      if (item.status === 'done' || item.status === 'drifted') {
        const shows = mondayShows(userOf(w, item.userId), item.decision!, item.role);
        expect(item.status, `${item.id} at the close`).toBe(shows ? 'done' : 'drifted');
        const what = `${item.status === 'done' ? 'done' : 'drifted'} at the close`;
        reached.saw(what);
      }
    }
  }
  if (atClose) w.atClose = items;
}

const decide = (index: number, decision: ReviewDecision, role: 'admin' | 'member' | 'guest'): Cmd => ({
  check: () => true,
  async run(_m, w) {
    const itemId = w.itemIds[index % w.itemIds.length]!;
    const answer = await w.app.reviews
      .decide(w.campaignId, [{ itemId, decision, role, comment: 'model' }], admin, { submit: true })
      .catch((error: { code?: string }) => error);
    if (w.closed) expect((answer as { code?: string }).code).toBe('campaign_closed');
    else expect(Array.isArray(answer)).toBe(true);
    // Only an item this decision moved was just carried out; a refused one may have drifted since.
    const moved = Array.isArray(answer) && answer[0]?.ok === true;
    await check(w, moved ? [itemId] : []);
  },
  toString: () => `decide(${index}, ${decision}${decision === 'change_role' ? ` ${role}` : ''})`,
});

const refusing = (times: number): Cmd => ({
  check: () => true,
  async run(_m, w) {
    w.emulator.setFaults(
      times ? { realError: 'userUnauthorized', realErrorTimes: times } : { realError: null },
    );
    await check(w);
  },
  toString: () => `mondayRefuses(${times})`,
});

const changedInMonday = (index: number, to: 'ACTIVE' | 'INACTIVE'): Cmd => ({
  check: () => true,
  async run(_m, w) {
    const item = (await w.app.reviews.items(w.campaignId))[index % w.itemIds.length]!;
    userOf(w, item.userId).status = to;
    await check(w);
  },
  toString: () => `mondaySets(${index}, ${to})`,
});

/** An operator answers every raise waiting for approval (yes or no). */
const approve = (yes: boolean): Cmd => ({
  check: () => true,
  async run(_m, w) {
    const waiting = (await w.app.reviews.items(w.campaignId, undefined, { status: 'awaiting_approval' })).map(
      (i) => i.id,
    );
    if (waiting.length === 0) return;
    const outcomes = await w.app.reviews
      .approve(w.campaignId, waiting, yes, operator)
      .catch((e: { code?: string }) => {
        expect(e.code).toBe('campaign_closed');
        return e;
      });
    if (!(outcomes instanceof Error)) await check(w, yes ? waiting : []);
  },
  toString: () => `operatorAnswers(${yes})`,
});

const retry: Cmd = {
  check: () => true,
  async run(_m, w) {
    const failed = (await w.app.reviews.items(w.campaignId, undefined, { status: 'failed' })).map(
      (i) => i.id,
    );
    if (failed.length === 0) return;
    const outcomes = await w.app.reviews.retry(w.campaignId, failed).catch((e: { code?: string }) => {
      expect(e.code).toBe('campaign_closed');
      return e;
    });
    if (!(outcomes instanceof Error)) await check(w, failed);
  },
  toString: () => 'retryFailed',
};

const close: Cmd = {
  check: () => true,
  async run(_m, w) {
    w.emulator.setFaults({ realError: null });
    // A second close answers with the closed campaign: its evidence stays what monday showed at the first.
    const first = !w.closed;
    const view = await w.app.reviews.close(w.campaignId, admin);
    expect(view.status).toBe('closed');
    w.closed = true;
    await check(w, [], first);
  },
  toString: () => 'close',
};

const decisions = fc
  .tuple(
    fc.nat(20),
    fc.constantFrom(...(['keep', 'revoke', 'downgrade', 'change_role'] as const)),
    fc.constantFrom('admin', 'member', 'guest') as fc.Arbitrary<'admin' | 'member' | 'guest'>,
  )
  .map(([i, d, r]) => decide(i, d, r));
const commands = [
  // Decisions are the most of what happens; the close ends the story, so it comes rarely.
  decisions,
  decisions,
  decisions,
  decisions,
  fc.constantFrom(0, 1, 3, 1000).map(refusing),
  fc
    .tuple(fc.nat(20), fc.constantFrom('ACTIVE' as const, 'INACTIVE' as const))
    .map(([i, s]) => changedInMonday(i, s)),
  fc.constant(retry),
  fc.boolean().map(approve),
  fc.constant(close),
];

/**
 * Sequences every run holds, at random places: a revoke carried out and then undone in monday (drifted at the
 * close), a decision monday refuses (failed), and the close at the very end.
 */
const tour = fc.tuple(fc.nat(20), fc.nat(20), fc.array(fc.nat(), { minLength: 4, maxLength: 4 }));
function withTour(random: Iterable<Cmd>, [undone, refused, at]: [number, number, number[]]): Cmd[] {
  const list = [...random].filter((c) => c !== close);
  const sequences: Cmd[][] = [
    [decide(undone, 'revoke', 'member'), changedInMonday(undone, 'ACTIVE')],
    [refusing(1000), decide(refused, 'downgrade', 'member'), refusing(0)],
  ];
  insertAt(list, sequences, at);
  // A close somewhere in the middle now and then, and always one at the end.
  if (at[2]! % 3 === 0) list.splice(at[3]! % (list.length + 1), 0, close);
  return [...list, close];
}

async function newWorld(dialect: 'sqlite' | 'postgres'): Promise<World> {
  const emulator = await startEmulator({ users: 30, plan: 'enterprise', seed: 919 });
  const db = await createTestDatabase(dialect);
  const app = await createSeatwise(
    { ...db.config, SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.graphqlUrl).origin },
    { remote: { baseDelayMs: 1, maxRetries: 1 } },
  );
  const { id } = await app.connections.add({
    token: emulator.accounts[0]!.tokens.admin,
    apiUrl: emulator.graphqlUrl,
    permission: 'read_and_act',
  });
  await app.connections.update(id, { syncSchedule: 'off' });
  expect((await app.sync.sync(id)).status).toBe('succeeded');
  const reviewer = await app.people.invite({ email: 'rev@model.example', role: 'reviewer' }, 'cli');
  const campaign = await app.reviews.create(
    {
      name: 'model',
      scope: { connectionIds: [id], roles: ['member', 'viewer', 'guest'], statuses: ['active'] },
      reviewers: { kind: 'people', personIds: [reviewer.id] },
      dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      closeDefault: 'none',
    },
    admin,
  );
  const itemIds = (await app.reviews.items(campaign.id)).map((i) => i.id);
  expect(itemIds.length).toBeGreaterThan(3);
  return {
    app,
    emulator,
    campaignId: campaign.id,
    itemIds,
    closed: false,
    atClose: null,
    close: async () => {
      await app.close();
      await db.cleanup();
      await emulator.close();
    },
  };
}

describeEachDialect('what an access review reports is what monday shows (%s)', (dialect) => {
  it('holds through random decisions, refusals, changes in monday, retries and the close', async () => {
    const replay = modelSeed();
    reached.clear();
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 20, size: 'max' }), tour, async (cmds, extra) => {
        const world = await newWorld(dialect);
        try {
          await runNamed(() => ({ model: {}, real: world }), withTour(cmds, extra));
        } finally {
          world.emulator.setFaults({ realError: null });
          await world.close();
        }
      }),
      { numRuns: RUNS(dialect), ...replay },
    );
    reached.expectEvery(`model.reviews (${dialect})`, RUNS(dialect), replay.seed, PROMISED);
  }, 900_000);
});
