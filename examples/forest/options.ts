/**
 * Command-line flags of the demo, each with an environment variable fallback:
 * `--actions` / FOREST_ACTIONS and so on.
 */
import { parseArgs } from 'node:util';
import type { StoreKind } from './stores.js';

/** What the demo does. */
export interface DemoOptions {
  /** Actions written by this run. */
  readonly actions: number;
  /** Actions per journal write. */
  readonly batch: number;
  /** Snapshot every N actions. */
  readonly every: number;
  /** Snapshots kept. */
  readonly keep: number;
  /** How many actions back time travel goes. */
  readonly travel: number;
  readonly store: StoreKind;
  readonly directory: string;
}

const USAGE = `usage: npm run demo -- [--actions 200000] [--batch 2000] [--every 10000] [--keep 5] [--travel 2500] [--store sqlite|memory] [--dir .memento]`;

/** Parses argv and the environment; exits with the usage on bad input. */
export function readOptions(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): DemoOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      actions: { type: 'string' },
      batch: { type: 'string' },
      every: { type: 'string' },
      keep: { type: 'string' },
      travel: { type: 'string' },
      store: { type: 'string' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const count = (name: string, value: string | undefined, fallback: number, min: number): number => {
    const parsed = Number((value ?? String(fallback)).replaceAll('_', ''));
    if (!Number.isSafeInteger(parsed) || parsed < min) {
      console.error(`--${name}: expected an integer >= ${min}, found ${JSON.stringify(value)}\n${USAGE}`);
      process.exit(2);
    }
    return parsed;
  };
  const store = values.store ?? env.FOREST_STORE ?? 'sqlite';
  if (store !== 'sqlite' && store !== 'memory') {
    console.error(`--store: expected sqlite or memory, found ${JSON.stringify(store)}\n${USAGE}`);
    process.exit(2);
  }
  return {
    actions: count('actions', values.actions ?? env.FOREST_ACTIONS, 200_000, 1),
    batch: count('batch', values.batch ?? env.FOREST_BATCH, 2_000, 1),
    every: count('every', values.every ?? env.FOREST_SNAPSHOT_EVERY, 10_000, 1),
    keep: count('keep', values.keep ?? env.FOREST_SNAPSHOT_KEEP, 5, 1),
    travel: count('travel', values.travel ?? env.FOREST_TRAVEL, 2_500, 1),
    store,
    directory: values.dir ?? env.FOREST_DIR ?? '.memento',
  };
}
