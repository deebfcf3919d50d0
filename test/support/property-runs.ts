/**
 * How many runs each fast-check property makes. `npm test` makes every run a test asks
 * for; the fast tier (vitest.fast.config.ts) sets `MEMENTO_PROPERTY_SCALE` to a fraction,
 * so a property still runs on every change but with fewer random cases.
 *
 * Loaded as a vitest setup file, it also scales fast-check's default (100 runs) for the
 * properties that do not name their number of runs.
 * @module
 */
import fc from 'fast-check';

/** fast-check's own default number of runs. */
const FAST_CHECK_DEFAULT_RUNS = 100;

function scale(): number {
  const text = process.env.MEMENTO_PROPERTY_SCALE;
  if (text === undefined || text === '') return 1;
  const value = Number(text);
  if (!(value > 0 && value <= 1)) {
    throw new Error(`MEMENTO_PROPERTY_SCALE: expected a number above 0 and at most 1, found "${text}"`);
  }
  return value;
}

/** `full` runs scaled by `MEMENTO_PROPERTY_SCALE` (all of them when unset), at least one. */
export function propertyRuns(full: number): number {
  return Math.max(1, Math.round(full * scale()));
}

fc.configureGlobal({ ...fc.readConfigureGlobal(), numRuns: propertyRuns(FAST_CHECK_DEFAULT_RUNS) });
