import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Bounds that catch a hang, not a slow machine: on a busy two-core machine a test that starts processes or
    // runs a model may take several times what it takes alone.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for a condition, not a lucky second: on a busy machine monday's answers take longer.
    expect: { poll: { timeout: 30_000, interval: 50 } },
    // The wall time and the ten slowest files are printed after every run.
    reporters: ['default', './test/helpers/timesReporter.ts'],
    // dist/ is compiled from this tree first when it is older than src/: the CLI processes tests start run it.
    globalSetup: ['./test/helpers/buildOnce.ts'],
    // Most files wait on processes, sockets and databases more than on the CPU: two at a time per core.
    maxWorkers: Math.max(2, availableParallelism() * 2),
  },
});
