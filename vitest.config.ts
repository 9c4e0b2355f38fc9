import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // The CLI processes tests start run the TypeScript source, not the build in dist/.
    env: { SEATWISE_FROM_SOURCE: '1' },
  },
});
