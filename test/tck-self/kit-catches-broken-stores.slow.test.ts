import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface AssertionResult {
  fullName: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
}

// The broken suites run in a child vitest so their failures are data here, not failures of this run.
let results: AssertionResult[] = [];
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'memento-tck-self-'));
  const output = join(directory, 'report.json');
  await promisify(execFile)(
    process.execPath,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      '--config',
      'test/tck-self/vitest.broken.config.ts',
      '--reporter=json',
      `--outputFile=${output}`,
    ],
    { cwd: process.cwd(), maxBuffer: 64 * 1024 * 1024 },
  ).catch((error: { code?: number }) => {
    // vitest exits 1 when tests fail, which is the point; anything else is a broken harness.
    if (error.code !== 1) throw error;
  });
  const report = JSON.parse(await readFile(output, 'utf8')) as { testResults: { assertionResults: AssertionResult[] }[] };
  results = report.testResults.flatMap((file) => file.assertionResults);
}, 120_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const failedTests = (store: string) =>
  results.filter((result) => result.fullName.startsWith(`${store}:`) && result.status === 'failed').map((r) => r.fullName);

describe('the conformance kit catches broken stores', () => {
  const cases: [store: string, defect: string, expectedFailures: string[]][] = [
    [
      'forgetful-highest',
      'deleteTo also lowers the highest sequence number',
      ['does not reset the highest sequence number after deleting every event'],
    ],
    [
      'half-applied',
      'an AtomicWrite is half applied when one event fails',
      ['never stores part of an AtomicWrite', 'rejects one AtomicWrite that cannot be serialized without losing the others'],
    ],
    ['case-folding', 'ids that differ only in case share a stream', ['keeps hostile persistence ids apart']],
    [
      'oldest-first',
      'load returns the oldest match instead of the youngest',
      ['loads the most recent snapshot', 'loads the most recent snapshot under an upper sequence bound'],
    ],
    ['reversed-list', 'list returns newest first', ['lists snapshots oldest first']],
    ['no-fallback', 'load gives up at a damaged snapshot', ['skips a damaged snapshot in favour of the next older one and reports it']],
    [
      'last-writer-wins',
      'durable state ignores revisions',
      [
        'rejects a stale or skipping revision on upsert with ConcurrencyError',
        'lets exactly one of several concurrent writers of a revision win',
      ],
    ],
    [
      'swapped-conflict',
      'ConcurrencyError carries expected and actual swapped',
      ['names the expected and the found sequence number in ConcurrencyError'],
    ],
    [
      'per-event',
      'an AtomicWrite is stored one event per backend operation',
      ['never stores part of an AtomicWrite the backend fails midway'],
    ],
    [
      'untimed',
      'journal reports nothing to hooks.onOperation',
      ['reports each operation to hooks.onOperation with the store and persistence id'],
    ],
    ['leaky', 'journal does not close the client it opened', ['releases the clients and handles it opened itself when closed']],
    [
      'sticky-metadata',
      'saving again without user metadata keeps the old metadata',
      ['replaces the user metadata too when saved again at the same sequence number'],
    ],
    [
      'silent-skip',
      'skipped snapshots are not reported to the logger and hooks',
      ['reports a skipped snapshot to the logger and hooks.onSnapshotSkipped'],
    ],
    [
      'unchecked-delete',
      'durable state delete does not validate its revision',
      ['rejects an invalid revision on delete with InvalidArgumentError'],
    ],
    [
      'deaf-live',
      'journal declares live but never notifies (live queries only poll)',
      ['delivers new events to live queries without restarting them, woken by its own notifications when it declares live'],
    ],
    ['unknown-skip', 'skip list names a test the suite does not have', ['skips only tests this suite has']],
  ];

  it('ran the broken suites', () => {
    expect(results.length).toBeGreaterThan(100);
  });

  it('shows the damaged-snapshot tests as skipped, with the reason, when no damageSnapshot hook is given', () => {
    const skipped = results.filter((result) => result.fullName.startsWith('no-damage-hook:') && result.status === 'skipped');
    expect(skipped.map((result) => result.fullName)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'skips a damaged snapshot in favour of the next older one and reports it (skipped: no damageSnapshot option',
        ),
        expect.stringContaining('reports a skipped snapshot to the logger and hooks.onSnapshotSkipped (skipped: no damageSnapshot option'),
      ]),
    );
  });

  it('passes the stores without planted faults on the tests the broken ones fail', () => {
    // The memory stores behind the fixtures pass these, so each failure above is the planted fault's.
    const unexpected = results.filter(
      (result) =>
        result.fullName.startsWith('no-damage-hook:') &&
        result.status === 'failed' &&
        !result.fullName.endsWith('hooks.onOperation with the store and persistence id'),
    );
    expect(unexpected.map((result) => result.fullName)).toEqual([]);
  });

  for (const [store, defect, expectedFailures] of cases) {
    it(`reports the store whose ${defect}`, () => {
      const failed = failedTests(store);
      for (const title of expectedFailures)
        expect(
          failed.some((name) => name.endsWith(title)),
          `${store}: "${title}" should fail`,
        ).toBe(true);
    });
  }
});
