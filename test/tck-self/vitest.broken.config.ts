import { defineConfig } from 'vitest/config';

// Separate config so the broken suites never run in the main `npm test` pass.
export default defineConfig({
  test: {
    include: ['test/tck-self/fixtures/*.tck.ts'],
    testTimeout: 30_000,
  },
});
