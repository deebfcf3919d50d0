import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Scales fast-check's runs when MEMENTO_PROPERTY_SCALE is set (the fast tier); all runs otherwise.
    setupFiles: ['./test/support/property-runs.ts'],
    // One dynalite and one s3rver for the run, shared by the files that make a table or bucket.
    globalSetup: ['./test/support/shared-servers.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
