import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:fast`: the tier to run after each change. Leaves out the slow tier
 * (`*.slow.test.ts`: the 1 GB replay page, the SIGKILL crash test, multi-process races,
 * browser tests, whatever runs the built CLI) and the tests of the built package
 * (`test/package/`), which need `npm run build`. `npm test` builds and runs everything.
 *
 * Files share their worker's module cache (`isolate: false`): sources are transformed and
 * loaded once per worker instead of once per file. That is safe because no test mocks
 * modules and every test that fakes timers restores them.
 *
 * Most of a store test's time is spent waiting on PostgreSQL, dynalite or s3rver, so at
 * least three files run at once, even on two cores, where vitest's default (one fewer than
 * the cores) runs them one by one.
 * Properties make a fifth of their runs (`MEMENTO_PROPERTY_SCALE`, read by
 * test/support/property-runs.ts), and the conformance kit's large-value tests move 1 MiB
 * instead of 10 (`MEMENTO_LARGE_PAYLOAD_BYTES`, read by test/support/large-payloads.ts);
 * `npm test` makes every run at full size.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, 'test/**/*.slow.test.ts', 'test/package/**'],
      isolate: false,
      maxWorkers: Math.max(3, availableParallelism() - 1),
      env: { MEMENTO_PROPERTY_SCALE: '0.2', MEMENTO_LARGE_PAYLOAD_BYTES: String(1024 * 1024) },
    },
  }),
);
