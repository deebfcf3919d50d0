/**
 * Long-running readers keep their process alive: each reader of
 * `fixtures/live-reader-child.ts` runs in a process of its own with nothing else scheduled,
 * and must still be there to receive the event this test writes after it said "ready",
 * then end by itself (exit code 0) once it aborts or stops. Before the readers held the
 * process, the live query and the projection exited at once with code 13 (a top-level
 * await that never settles) and the follower machine with code 0, status "running".
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { JournalWriter } from '../../src/machine/index.js';
import { SqliteJournal } from '../../src/sqlite/index.js';

const child = fileURLToPath(new URL('./fixtures/live-reader-child.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'memento-living-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the reader, calls `write` once it prints "ready", and resolves when the process ends. */
function runReader(reader: string, file: string, write: () => Promise<void>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, ['--import', 'tsx', child, file, reader], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let wrote = false;
    process_.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!wrote && stdout.includes('ready\n')) {
        wrote = true;
        write().catch(reject);
      }
    });
    process_.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    process_.on('error', reject);
    process_.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function withJournal(file: string, work: (journal: SqliteJournal) => Promise<unknown>): Promise<void> {
  const journal = new SqliteJournal(file);
  try {
    await work(journal);
  } finally {
    await journal.close();
  }
}

const taggedOrder = (file: string) => () =>
  withJournal(file, (journal) =>
    journal.write([
      {
        persistenceId: 'order-1',
        events: [{ persistenceId: 'order-1', sequenceNr: 1, timestamp: 1, event: { total: 3 }, tags: ['orders'] }],
      },
    ]),
  );

describe('long-running readers keep the process alive until stopped', () => {
  it('a live eventsByTag loop receives an event written after it started, then ends by itself after abort', async () => {
    const file = join(dir, 'events-by-tag.db');
    const exit = await runReader('events-by-tag', file, taggedOrder(file));
    expect(exit.stderr).toBe('');
    expect(exit.stdout).toBe('ready\ngot order-1\nexiting\n');
    expect(exit.code).toBe(0);
  });

  it('a runProjection worker over a live query handles a later event, then done resolves and the process ends', async () => {
    const file = join(dir, 'projection.db');
    const exit = await runReader('projection', file, taggedOrder(file));
    expect(exit.stderr).toBe('');
    expect(exit.stdout).toBe('ready\ngot order-1\nexiting\n');
    expect(exit.code).toBe(0);
  });

  it('a follower machine applies an action written after it started, then ends by itself after stop()', async () => {
    const file = join(dir, 'machine.db');
    const exit = await runReader('machine', file, () =>
      withJournal(file, (journal) =>
        new JournalWriter(journal, 'counter-1').write({ type: 'increment', payload: { by: 2 }, timestamp: 1 }),
      ),
    );
    expect(exit.stderr).toBe('');
    expect(exit.stdout).toBe('ready\ngot increment -> 2 (running)\nexiting\n');
    expect(exit.code).toBe(0);
  });
});
