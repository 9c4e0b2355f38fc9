import { defineConfig } from 'vitest/config';

/**
 * The pure rules' own tests, for mutation testing (`npm run mutate`): no emulator, database or process, so
 * each of Stryker's mutants of src/domain is judged in well under a second.
 */
export default defineConfig({
  test: {
    include: ['test/domain.*.test.ts', 'test/economics.domain.test.ts'],
    testTimeout: 60_000,
  },
});
