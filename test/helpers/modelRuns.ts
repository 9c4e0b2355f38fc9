import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * What the model properties share: the seed they run with (SEATWISE_MODEL_SEED replays one, with
 * SEATWISE_MODEL_PATH from a failure), the outcomes their runs reached, and a run that names its commands when
 * it fails.
 */
export function modelSeed(): { seed: number; path?: string; endOnFailure: boolean } {
  // A failing run is reported at once with its seed and path, not shrunk: each command starts processes and
  // waits on monday, so shrinking can outlast the test's time limit and lose the report. SEATWISE_MODEL_SHRINK=1
  // shrinks (to replay a failure into its smallest form).
  const endOnFailure = process.env.SEATWISE_MODEL_SHRINK !== '1';
  const given = process.env.SEATWISE_MODEL_SEED;
  if (!given) return { seed: Date.now() % 2 ** 31, endOnFailure };
  return { seed: Number(given), path: process.env.SEATWISE_MODEL_PATH, endOnFailure };
}

/** Which outcomes the runs of one property reached. */
export class Reached {
  private readonly counts = new Map<string, number>();

  saw(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }

  clear(): void {
    this.counts.clear();
  }

  /**
   * Prints the seed and what was reached, then fails unless every promised outcome was met at least once: runs
   * that never met one proved nothing about it.
   */
  expectEvery(label: string, runs: number, seed: number, promised: readonly string[]): void {
    console.log(
      `${label}: ${runs} runs passed with SEATWISE_MODEL_SEED=${seed}; reached ${[...this.counts].map(([k, n]) => `${k} ×${n}`).join(', ')}`,
    );
    expect(promised.filter((what) => !this.counts.has(what))).toEqual([]);
  }
}

/** Puts each group of commands into the list at a place chosen by a number (modulo the list's length). */
export function insertAt<T>(list: T[], groups: readonly (readonly T[])[], at: readonly number[]): T[] {
  groups.forEach((group, i) => {
    list.splice(at[i]! % (list.length + 1), 0, ...group);
  });
  return list;
}

/** Runs the commands on a world; a failure's message ends with every command of the run, in order. */
export async function runNamed<M extends object, R>(
  setup: () => { model: M; real: R },
  list: readonly fc.AsyncCommand<M, R>[],
): Promise<void> {
  try {
    await fc.asyncModelRun(setup, list);
  } catch (error) {
    (error as Error).message += `\nafter: ${list.map(String).join(', ')}`;
    throw error;
  }
}
