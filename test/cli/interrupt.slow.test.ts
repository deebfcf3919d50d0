/**
 * Ctrl-C on the built `memento` during long runs over a big store: `verify --all`,
 * `export` and `import` stop soon after SIGINT (seen under way through
 * MEMENTO_PROGRESS=lines), print a summary saying they were interrupted, exit with 130,
 * and leave nothing half done: no export file, and no id half imported.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PersistentRepr, SnapshotMetadata, wrapSnapshotMetadata } from '../../src/index.js';
import { SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { DEFINITIONS, mementoProcess, tempDir } from './harness.js';

const IDS = 80;
const EVENTS_PER_ID = 2_500;
const SNAPSHOT_EVERY = 500;
/** Generous: a run that ignored Ctrl-C would go on for many times longer on this store. */
const PROMPT_MS = 15_000;

/** `account|NNN` ids with deposits of 1 and correct snapshots every SNAPSHOT_EVERY events. */
async function bigStore(file: string): Promise<void> {
  const journal = new SqliteJournal(file);
  const snapshotStore = new SqliteSnapshotStore(file);
  try {
    for (let index = 0; index < IDS; index++) {
      const persistenceId = `account|${String(index).padStart(3, '0')}`;
      for (let from = 1; from <= EVENTS_PER_ID; from += 1000) {
        const events: PersistentRepr[] = [];
        for (let sequenceNr = from; sequenceNr < from + 1000 && sequenceNr <= EVENTS_PER_ID; sequenceNr++) {
          events.push({ persistenceId, sequenceNr, timestamp: 1_700_000_000_000 + sequenceNr, event: { type: 'deposited', amount: 1 } });
        }
        const [failed] = await journal.write([{ persistenceId, events }]);
        if (failed) throw failed;
      }
      for (let at = SNAPSHOT_EVERY; at <= EVENTS_PER_ID; at += SNAPSHOT_EVERY) {
        await snapshotStore.save(
          new SnapshotMetadata({
            persistenceId,
            sequenceNr: at,
            timestamp: 1_700_000_000_000 + at,
            metadata: wrapSnapshotMetadata(1, undefined),
          }),
          { balance: at, movements: at },
        );
      }
    }
  } finally {
    await snapshotStore.close();
    await journal.close();
  }
}

/** Runs the CLI, sends SIGINT once `underWay` matches stderr, and measures how long it takes to exit after that. */
async function interrupted(args: string[], underWay: (stderr: string) => boolean, cwd: string) {
  let sentAt: number | undefined;
  let stderrSeen = '';
  const result = await mementoProcess(args, {
    cwd,
    env: { MEMENTO_PROGRESS: 'lines' },
    onStderr: (text, child) => {
      stderrSeen = text;
      if (sentAt === undefined && underWay(text)) {
        sentAt = Date.now();
        child.kill('SIGINT');
      }
    },
  });
  expect(sentAt, `the run never showed the progress awaited; stderr: ${stderrSeen}`).toBeDefined();
  return { ...result, afterSignalMs: Date.now() - (sentAt as number) };
}

describe('Ctrl-C on long runs of the built CLI', { timeout: 180_000 }, () => {
  let directory: string;
  let store: string;
  beforeAll(async () => {
    directory = tempDir('interrupt');
    store = join(directory, 'big.db');
    await bigStore(store);
  }, 300_000);

  it('verify --all stops promptly with a summary and exit code 130', async () => {
    const result = await interrupted(
      ['verify', '--all', '--json', '--store', `sqlite:${store}`, '--definitions', DEFINITIONS],
      (stderr) => /verifying \d+ events/.test(stderr),
      directory,
    );
    expect(result.code, result.stderr).toBe(130);
    expect(result.afterSignalMs).toBeLessThan(PROMPT_MS);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ interrupted: true, ok: false, problems: [] });
    expect(report.eventsReplayed).toBeGreaterThan(0);
    expect(report.eventsReplayed).toBeLessThan(IDS * EVENTS_PER_ID);
  });

  it('export stops promptly, says so, and leaves no file behind', async () => {
    const target = join(directory, 'export.ndjson');
    const result = await interrupted(
      ['export', target, '--store', `sqlite:${store}`],
      (stderr) => /exporting \d+ ids/.test(stderr),
      directory,
    );
    expect(result.code, result.stderr).toBe(130);
    expect(result.afterSignalMs).toBeLessThan(PROMPT_MS);
    expect(result.stdout).toMatch(/^interrupted: exported \d+ ids?, [\d,]+ events, [\d,]+ snapshots, 0 durable states \(nothing kept\)\n$/);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(directory).filter((name) => name.includes('.partial-'))).toEqual([]);
  });

  it('import stops promptly between ids: each id is whole or absent, and --skip-existing finishes it', async () => {
    const file = join(directory, 'whole.ndjson');
    expect((await mementoProcess(['export', file, '--store', `sqlite:${store}`], { cwd: directory })).code).toBe(0);
    const target = join(directory, 'target.db');
    // The writing pass is the second half of the bytes read: interrupt there, once something is written.
    const writing = (stderr: string) =>
      [...stderr.matchAll(/importing (\d+)\/(\d+) bytes/g)].some(([, done, total]) => Number(done) > Number(total) * 0.6);
    const result = await interrupted(['import', file, '--store', `sqlite:${target}`], writing, directory);
    expect(result.code, result.stderr).toBe(130);
    expect(result.afterSignalMs).toBeLessThan(PROMPT_MS);
    expect(result.stdout).toMatch(
      /^interrupted: .*every id is imported whole or not at all .*imported [\d,]+ events, [\d,]+ snapshots and 0 durable states of \d+ ids/,
    );
    const ids = JSON.parse(
      (await mementoProcess(['ids', '--json', '--limit', '1000', '--store', `sqlite:${target}`], { cwd: directory })).stdout,
    );
    expect(ids.length).toBeLessThan(IDS);
    for (const summary of ids) {
      expect(summary, summary.persistenceId).toMatchObject({
        highestSequenceNr: EVENTS_PER_ID,
        eventCount: EVENTS_PER_ID,
        snapshotCount: EVENTS_PER_ID / SNAPSHOT_EVERY,
      });
    }
    const finished = await mementoProcess(['import', file, '--skip-existing', '--json', '--store', `sqlite:${target}`], { cwd: directory });
    expect(finished.code).toBe(0);
    expect(JSON.parse(finished.stdout)).toMatchObject({ skippedEvents: ids.length * EVENTS_PER_ID });
    expect(JSON.parse(finished.stdout)).not.toHaveProperty('interrupted');
    const again = join(directory, 'again.ndjson');
    expect((await mementoProcess(['export', again, '--store', `sqlite:${target}`], { cwd: directory })).code).toBe(0);
    const body = (path: string) => readFileSync(path, 'utf8').split('\n').slice(1).join('\n');
    expect(body(again)).toBe(body(file));
  });
});
