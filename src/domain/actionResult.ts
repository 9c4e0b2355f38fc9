import type { Status, StoredRole } from './directory.ts';
import type { PersonFootprint } from './footprint.ts';

/** The actions Seatwise runs on monday. */
export type ActionName =
  | 'create'
  | 'deactivate'
  | 'invite'
  | 'set_role'
  | 'reactivate'
  | 'add_to_team'
  | 'remove_from_team';

/** What the plan decided for one target, from the synced state checked against monday. */
export interface PlanItem {
  target: string;
  userId: string | null;
  email: string;
  name: string | null;
  before: { role: StoredRole; status: Status } | null;
  outcome: 'change' | 'noop' | 'fail';
  code: string | null;
  reason: string;
  /** In a plan that takes access away: what the change breaks in monday, read for the plan. */
  footprint?: PersonFootprint;
}

/**
 * What happened to one target, as monday answered; in a repeat, `drifted` when monday no longer shows the earlier
 * effect and `unverified` when monday could not be asked.
 */
export interface ResultItem {
  target: string;
  userId: string | null;
  email: string;
  outcome: 'changed' | 'already' | 'failed' | 'drifted' | 'unverified';
  code: string | null;
  reason: string;
}

/** A target an earlier execution reported in the target state that monday shows otherwise now. */
export interface Drift {
  target: string;
  userId: string;
  now: string;
}

/**
 * planned (dry run); succeeded (every target in the target state as monday showed it); partial; failed;
 * drifted (a repeat whose earlier effect monday no longer shows); unverified (a repeat whose effect could not
 * be checked against monday now).
 */
export type ActionOutcome = 'planned' | 'succeeded' | 'partial' | 'failed' | 'drifted' | 'unverified';

/** The answer to an action request (also what a repeated request with the same key returns). */
export interface ActionResult {
  action: ActionName;
  via: 'scim' | 'graphql';
  connectionId: string;
  dryRun: boolean;
  idempotencyKey: string | null;
  replayed: boolean;
  outcome: ActionOutcome;
  plan: PlanItem[];
  results: ResultItem[];
  summary: { changed: number; already: number; failed: number; planned: number };
  /** Every target is in the action's target state: for a repeat, as monday reports it now. */
  inTargetState: boolean;
  /** For a repeat answered from an earlier execution: which one, and what monday shows now. */
  replay: {
    of: number;
    checkedAt: string;
    drifted: Drift[];
    /** Why monday's current state could not be checked (then `inTargetState` is false). */
    checkError: string | null;
  } | null;
  /** Something that went wrong after monday answered (the results above still say what monday did). */
  warning: string | null;
  requestIds: string[];
  auditId: number;
}

/** Counts beside a plan, computed from its rows (so a count never contradicts the rows shown). */
export function planSummary(plan: readonly PlanItem[]): { change: number; noop: number; fail: number } {
  return {
    change: plan.filter((p) => p.outcome === 'change').length,
    noop: plan.filter((p) => p.outcome === 'noop').length,
    fail: plan.filter((p) => p.outcome === 'fail').length,
  };
}

/**
 * Counts beside results, computed from those rows. A dry run has no results: its counts are the plan's rows
 * (`already` = already there, `failed` = cannot, `planned` = will change; nothing `changed`).
 */
export function resultSummary(
  results: readonly ResultItem[],
  plan: readonly PlanItem[],
  dryRun = false,
): ActionResult['summary'] {
  if (dryRun) {
    const counts = planSummary(plan);
    return { changed: 0, already: counts.noop, failed: counts.fail, planned: counts.change };
  }
  return {
    changed: results.filter((r) => r.outcome === 'changed').length,
    already: results.filter((r) => r.outcome === 'already').length,
    failed: results.filter((r) => r.outcome === 'failed').length,
    planned: plan.filter((p) => p.outcome === 'change').length,
  };
}

/**
 * Whether a result row is a target the plan already said could not be done: it was left out of what was sent
 * to monday, so it was skipped rather than failed (it still counts as not in the target state).
 */
export function wasSkipped(result: ResultItem, plan: readonly PlanItem[]): boolean {
  return result.outcome === 'failed' && plan.some((p) => p.target === result.target && p.outcome === 'fail');
}

/** The counts in words: "1 changed, 0 already in state, 0 failed", with "2 skipped" when the plan left some out. */
export function describeResultCounts(
  result: Pick<ActionResult, 'results' | 'plan' | 'summary'>,
  words: { already: string } = { already: 'already in state' },
): string {
  const skipped = result.results.filter((r) => wasSkipped(r, result.plan)).length;
  const s = result.summary;
  return `${s.changed} changed, ${s.already} ${words.already}, ${s.failed - skipped} failed${skipped ? `, ${skipped} skipped (the plan said they cannot be done: nothing was sent for them)` : ''}`;
}

/**
 * A repeat's results as monday shows them now: each target that drifted says so with what monday shows, and
 * when monday could not be asked, none is claimed.
 */
export function recheckedResults(
  results: readonly ResultItem[],
  drifted: readonly Drift[],
  checkError: string | null,
): ResultItem[] {
  const drift = new Map(drifted.map((d) => [d.target, d]));
  return results.map((r) => {
    if (r.outcome !== 'changed' && r.outcome !== 'already') return r;
    if (checkError !== null) return { ...r, outcome: 'unverified', code: 'unverified', reason: checkError };
    const d = drift.get(r.target);
    return d ? { ...r, outcome: 'drifted', code: 'drifted', reason: `earlier done; now ${d.now}` } : r;
  });
}

/**
 * The one rule for an action's outcome, from monday's answers and, for a repeat, from monday's state read
 * now: never `succeeded` unless monday showed every target in the target state.
 */
export function actionOutcome(input: {
  dryRun: boolean;
  results: readonly ResultItem[];
  replay?: { drifted: readonly Drift[]; checkError: string | null } | null;
}): { outcome: ActionOutcome; inTargetState: boolean } {
  if (input.dryRun) return { outcome: 'planned', inTargetState: false };
  const failed = input.results.filter((r) => r.outcome === 'failed').length;
  const base: ActionOutcome =
    failed === 0 ? 'succeeded' : failed === input.results.length ? 'failed' : 'partial';
  if (input.replay && base === 'succeeded') {
    if (input.replay.checkError !== null) return { outcome: 'unverified', inTargetState: false };
    if (input.replay.drifted.length > 0) return { outcome: 'drifted', inTargetState: false };
  }
  return { outcome: base, inTargetState: base === 'succeeded' };
}
