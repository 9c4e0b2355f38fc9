import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints, after the run, the suite's wall time and its ten slowest files (import, hooks and tests), so every
 * run of `npm test` and of CI says where the time goes. SEATWISE_TEST_TIMES=N prints N files instead.
 */
export default class TimesReporter implements Reporter {
  private started = 0;

  onTestRunStart(): void {
    this.started = performance.now();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const wall = (performance.now() - this.started) / 1000;
    const shown = Math.max(1, Number(process.env.SEATWISE_TEST_TIMES) || 10);
    const all = testModules
      .map((m) => {
        const d = m.diagnostic();
        return {
          file: relative(process.cwd(), m.moduleId),
          ms: d.prepareDuration + d.collectDuration + d.duration,
        };
      })
      .sort((a, b) => b.ms - a.ms);
    const rows = all.slice(0, shown);
    const total = all.reduce((sum, r) => sum + r.ms, 0) / 1000;
    const lines = [
      '',
      `Suite wall time: ${wall.toFixed(1)} s over ${testModules.length} files (${total.toFixed(0)} s of file time)`,
      shown === 10 ? 'Ten slowest files:' : `${shown} slowest files:`,
      ...rows.map((r) => `  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.file}`),
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
