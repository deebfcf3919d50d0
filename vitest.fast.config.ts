import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:fast`: the tier to run after each change. Leaves out the slow tier
 * (`*.slow.test.ts`: the 1 GB replay page, the SIGKILL crash test, multi-process races,
 * browser tests) and the tests of the built package (`test/package/`, which need
 * `npm run build`). `npm test` builds and runs everything.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, 'test/**/*.slow.test.ts', 'test/package/**'],
    },
  }),
);
