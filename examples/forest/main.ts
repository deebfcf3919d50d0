/**
 * The Forest demo (`npm run demo`): a Machine over the SQLite journal and snapshot store.
 * It grows a forest by N actions, recovers it with and without snapshots, and travels
 * back in time. Run it again and the same forest keeps growing.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  diffStates,
  type Journal,
  JournalReader,
  type JournalReaderOptions,
  JournalWriter,
  Machine,
  machineTimeTravel,
  type Recorder,
  StoreRecorder,
  summarizeDiff,
} from '../../src/index.js';
import { type Forest, type ForestActions, ForestState } from './forest.js';
import { readOptions } from './options.js';
import { startProgress } from './progress.js';
import { openStores } from './stores.js';
import { describeDifference, formatCount, formatMs, isGrowth, summarizeForest } from './summary.js';
import { nextActions, randomSource } from './workload.js';

const PERSISTENCE_ID = 'forest';

const options = readOptions();
const stores = openStores(options.store, options.directory);

/** A machine over the demo's journal; the recorder decides where snapshots come from. */
const forestMachine = (journal: Journal, recorder: Recorder<Forest>, reading: JournalReaderOptions = {}) =>
  new Machine<Forest, ForestActions>(
    ForestState,
    new JournalReader(journal, PERSISTENCE_ID, reading),
    new JournalWriter(journal, PERSISTENCE_ID),
    recorder,
    { onError: (error) => console.error(`   ! ${error.message}`) },
  );

const snapshotRecorder = () =>
  new StoreRecorder<Forest>(stores.snapshotStore, { persistenceId: PERSISTENCE_ID, every: options.every, keep: options.keep });

/**
 * Starts a machine and waits until it has read the whole journal; returns the time it took
 * (snapshot load included) and the actions replayed, as the reader's progress reports tell
 * (they also drive a bar for long replays).
 */
async function recover(
  label: string,
  create: (reading: JournalReaderOptions) => Machine<Forest, ForestActions>,
): Promise<{ machine: Machine<Forest, ForestActions>; ms: number; replayed: number }> {
  let bar: ReturnType<typeof startProgress> | undefined;
  let replayed = 0;
  const machine = create({
    progressEveryMs: 100,
    onProgress: (progress) => {
      if (!progress.done) {
        bar ??= startProgress(label, progress.total ?? 0);
        bar.update(progress.replayed);
        return;
      }
      bar?.stop();
      replayed = progress.replayed;
    },
  });
  const started = performance.now();
  await machine.start();
  await machine.caughtUp();
  return { machine, ms: performance.now() - started, replayed };
}

async function main(): Promise<void> {
  const highestBefore = await stores.journal.highestSequenceNr(PERSISTENCE_ID);
  console.log(`🌲 Memento forest demo: ${options.store} journal and snapshots in ${stores.location}`);
  console.log(
    highestBefore === 0
      ? '   a new forest'
      : `   continuing a forest of ${formatCount(highestBefore)} actions (pass --dir to start another)`,
  );

  // 1. Grow: write actions in batches; each batch resolves once the reader has applied it.
  const grower = forestMachine(stores.journal, snapshotRecorder());
  await grower.start();
  await grower.caughtUp();
  const random = randomSource(highestBefore + 1);
  const progress = startProgress('writing actions', options.actions);
  const growStarted = performance.now();
  for (let written = 0; written < options.actions; ) {
    const size = Math.min(options.batch, options.actions - written);
    await grower.runMany(nextActions(grower.state, size, random));
    written += size;
    progress.update(written);
  }
  progress.stop();
  await grower.stop();
  const growMs = performance.now() - growStarted;
  const head = await stores.journal.highestSequenceNr(PERSISTENCE_ID);
  console.log(
    `1. grew the forest by ${formatCount(options.actions)} actions in ${formatMs(growMs)} (${formatCount(Math.round(options.actions / (growMs / 1000)))} actions/s), snapshot every ${formatCount(options.every)}`,
  );
  console.log(`   ${summarizeForest(grower.state)}`);

  // 2. Recover from the latest snapshot plus whatever follows it.
  const loadedAt = (await snapshotRecorder().loadSnapshot())?.action?.id ?? 'none';
  const fast = await recover('recovering', (reading) => forestMachine(stores.journal, snapshotRecorder(), reading));
  const withSnapshots = fast.machine;
  await withSnapshots.stop();
  console.log(
    `2. recovery with snapshots:    ${formatMs(fast.ms).padStart(9)}  (snapshot at action #${loadedAt} + ${formatCount(fast.replayed)} replayed actions)`,
  );
  // A crash loses the snapshot stop() would have flushed: recovery starts from the last `every` one.
  const periodic = Math.floor((head - 1) / options.every) * options.every;
  const periodicSnapshot = periodic > 0 ? await snapshotRecorder().loadSnapshot(String(periodic)) : null;
  const recovered: Forest[] = [withSnapshots.state];
  if (periodicSnapshot) {
    const crash = await recover('recovering', (reading) =>
      forestMachine(stores.journal, { afterDispatch: async () => {}, loadSnapshot: async () => periodicSnapshot }, reading),
    );
    const afterCrash = crash.machine;
    await afterCrash.stop();
    recovered.push(afterCrash.state);
    console.log(
      `   after a crash:               ${formatMs(crash.ms).padStart(9)}  (snapshot at action #${periodic} + ${formatCount(crash.replayed)} replayed actions)`,
    );
  }

  // 3. Recover by replaying the whole journal: a recorder without loadSnapshot.
  const slow = await recover('replaying journal', (reading) => forestMachine(stores.journal, { afterDispatch: async () => {} }, reading));
  const replayAll = slow.machine;
  await replayAll.stop();
  recovered.push(replayAll.state);
  const mismatches = recovered.reduce((sum, state) => sum + diffStates(grower.state, state).length, 0);
  console.log(`3. recovery without snapshots: ${formatMs(slow.ms).padStart(9)}  (all ${formatCount(slow.replayed)} actions replayed)`);
  console.log(
    mismatches === 0
      ? `   all ${recovered.length} recovered states equal the state the forest was stopped with`
      : `   MISMATCH: ${mismatches} differences between recovered states and the stopped forest`,
  );
  if (mismatches > 0) process.exitCode = 1;

  // 4. Travel back: rebuild an earlier state from the nearest snapshot plus replay, and diff.
  const travel = machineTimeTravel(withSnapshots);
  const target = Math.max(0, head - options.travel);
  const travelStarted = performance.now();
  const past = await travel.stateAt({ sequenceNr: target });
  const travelMs = performance.now() - travelStarted;
  const from = past.snapshotSequenceNr === null ? 'the initial state' : `snapshot #${past.snapshotSequenceNr}`;
  console.log(`4. time travel to action #${target}: ${formatMs(travelMs)} (${from} + ${formatCount(past.replayed)} replayed actions)`);
  const differences = travel.diff(past.state, withSnapshots.state);
  const { created, removed, changed } = summarizeDiff(differences);
  console.log(`   #${target} → #${head}: ${created} paths created, ${removed} removed, ${changed} changed; for example`);
  // Show trees that stood at both points and grew, then the counters.
  const growth = differences.filter((d) => isGrowth(d, past.state, withSnapshots.state));
  for (const difference of growth.slice(0, 3)) console.log(`     ${describeDifference(difference, past.state, withSnapshots.state)}`);
  for (const difference of differences.filter((d) => d.path.length === 1).slice(0, 4)) {
    console.log(`     ${describeDifference(difference, past.state, withSnapshots.state)}`);
  }
  const recent = (await travel.history({ fromSequenceNr: Math.max(1, head - 2) })).filter((entry) => entry.kind === 'event');
  console.log(`   last actions: ${recent.map((entry) => `#${entry.sequenceNr} ${JSON.stringify(entry.event)}`).join(', ')}`);
}

/** The one command that opens the web inspector on this run's store (`memento` is this package's bin). */
function inspectorCommand(): string | undefined {
  if (options.store !== 'sqlite') return undefined;
  const quote = (text: string) => (/^[\w./:@|-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`);
  const nearby = relative(process.cwd(), stores.location);
  const store = quote(`sqlite:${nearby.startsWith('..') ? stores.location : nearby}`);
  const definitions = quote(relative(process.cwd(), fileURLToPath(new URL('./forest.ts', import.meta.url))));
  const built = existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));
  return `${built ? '' : 'npm run build && '}npx memento serve --store ${store} --definitions ${definitions}`;
}

try {
  await main();
  const command = inspectorCommand();
  if (command) {
    console.log(
      '5. open this forest in the web inspector (docs/inspector.md; the same store works with every memento command, docs/cli.md):',
    );
    console.log(`   ${command}`);
  }
} finally {
  await stores.close();
}
