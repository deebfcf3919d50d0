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
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, 'test/**/*.slow.test.ts', 'test/package/**'],
      isolate: false,
    },
  }),
);
