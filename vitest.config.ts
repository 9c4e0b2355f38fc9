import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The wall time and the ten slowest files are printed after every run.
    reporters: ['default', './test/helpers/timesReporter.ts'],
    // The CLI processes tests start run the TypeScript source, not the build in dist/.
    env: { SEATWISE_FROM_SOURCE: '1' },
  },
});
