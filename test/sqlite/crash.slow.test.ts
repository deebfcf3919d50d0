/**
 * Kills a writing process with SIGKILL at random moments, 50 times, and checks after each
 * kill that every acknowledged event is stored, no AtomicWrite is partial, and the file is
 * intact. SIGKILL simulates a process crash (the OS still flushes its page cache), not a
 * power loss; docs/sqlite.md says what `synchronous` changes for the latter.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { PersistentRepr } from '../../src/core/persistent-repr.js';
import { SqliteJournal } from '../../src/sqlite/index.js';
import { collect, removeTempDirs, tempFile, withDatabase } from './helpers.js';

afterAll(removeTempDirs);

const child = fileURLToPath(new URL('./fixtures/crash-child.mjs', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * How to start the writer: the built dist/ with plain node when it is at least as new as
 * every source file of the plugin (fast start: 50 kills fit in well under a minute), else
 * src/ through tsx (always current, slower to start).
 */
function writerCommand(): string[] {
  const newest = (dir: string, extension: string): number =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith(extension))
      .reduce((latest, name) => Math.max(latest, statSync(join(dir, name)).mtimeMs), 0);
  const dist = join(root, 'dist', 'sqlite', 'index.js');
  const fresh = existsSync(dist) && newest(join(root, 'dist'), '.js') >= newest(join(root, 'src'), '.ts');
  return fresh ? [child, dist] : ['--import', 'tsx', child, join(root, 'src', 'sqlite', 'index.ts')];
}
const command = writerCommand();
const ids = ['crash-a', 'crash-b', 'crash-c', 'crash-d'];
const KILLS = 50;

/**
 * Seed of the kill times: MEMENTO_CRASH_SEED replays a run (the test prints the seed it
 * used), otherwise a fresh one per run.
 */
const SEED = process.env.MEMENTO_CRASH_SEED === undefined ? Math.floor(Math.random() * 2 ** 32) : Number(process.env.MEMENTO_CRASH_SEED);
if (!Number.isInteger(SEED) || SEED < 0 || SEED >= 2 ** 32) {
  throw new Error(`MEMENTO_CRASH_SEED: expected an integer in [0, 2^32), found ${process.env.MEMENTO_CRASH_SEED}`);
}

/** mulberry32: a small seeded generator of numbers in [0, 1), so a failing run can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Run {
  /** Highest acknowledged sequence number per id. */
  readonly acknowledged: Map<string, number>;
  readonly stderr: string;
}

/** Starts the writer, kills it `delayMs` after its first acknowledgement (or after spawn), and collects its output. */
function runAndKill(file: string, synchronous: 'FULL' | 'NORMAL', delayMs: number, fromSpawn: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const writer = spawn(process.execPath, [...command, file, synchronous], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged = new Map<string, number>();
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const killLater = () => {
      timer ??= setTimeout(() => writer.kill('SIGKILL'), delayMs);
    };
    if (fromSpawn) killLater();
    writer.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [id, last] = line.split(' ');
        if (id && last) acknowledged.set(id, Math.max(acknowledged.get(id) ?? 0, Number(last)));
      }
      killLater();
    });
    writer.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    writer.on('error', reject);
    // 'close' fires after stdout is drained, so every printed acknowledgement was counted.
    writer.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited by itself (code ${code}): ${stderr}`));
      else resolve({ acknowledged, stderr });
    });
  });
}

async function verify(file: string, acknowledged: Map<string, number>): Promise<number> {
  withDatabase(file, (db) => {
    expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
  });
  const journal = new SqliteJournal(file);
  let total = 0;
  try {
    for (const id of ids) {
      const events = (await collect(journal.replay(id, 1, Number.POSITIVE_INFINITY))) as PersistentRepr[];
      const highest = await journal.highestSequenceNr(id);
      total += events.length;
      const gaps = events.filter((repr, index) => repr.sequenceNr !== index + 1).length;
      expect({ id, gaps, stored: events.length }).toEqual({ id, gaps: 0, stored: highest });
      expect(highest).toBeGreaterThanOrEqual(acknowledged.get(id) ?? 0);
      // Every write is whole: each event lies inside its write, the write's first event agrees, and no write runs past highest.
      // Plain checks collected into one assertion: tens of thousands of expect() calls would dominate the run time.
      const partial = events.filter((repr) => {
        const { writeFirst, writeSize } = repr.metadata as { writeFirst: number; writeSize: number };
        const head = events[writeFirst - 1]?.metadata as { writeFirst: number; writeSize: number } | undefined;
        return (
          repr.sequenceNr < writeFirst ||
          repr.sequenceNr >= writeFirst + writeSize ||
          writeFirst + writeSize - 1 > highest ||
          head?.writeFirst !== writeFirst ||
          head.writeSize !== writeSize
        );
      });
      expect(partial.map((repr) => [repr.sequenceNr, repr.metadata])).toEqual([]);
    }
  } finally {
    await journal.close();
  }
  return total;
}

describe('SqliteJournal under SIGKILL', () => {
  it(`keeps every acknowledged write whole across ${KILLS} kills at random moments`, { timeout: 120_000 }, async () => {
    let file = tempFile('crash');
    let acknowledged = new Map<string, number>();
    let killsDuringWrites = 0;
    let stored = 0;
    const timings: number[] = [];
    const random = seededRandom(SEED);
    console.log(`crash test: kill times seeded with ${SEED} (replay with MEMENTO_CRASH_SEED=${SEED})`);
    for (let kill = 0; kill < KILLS; kill++) {
      // A new file every ten kills: each file still crashes and recovers ten times, and verification stays fast.
      if (kill > 0 && kill % 10 === 0) {
        file = tempFile('crash');
        acknowledged = new Map();
      }
      // Mostly mid-stream; every fifth kill counts from spawn, so some land during start-up and migration.
      const fromSpawn = kill % 5 === 4;
      const synchronous = kill % 2 === 0 ? 'FULL' : 'NORMAL';
      const run = await runAndKill(file, synchronous, fromSpawn ? random() * 600 : random() * 100, fromSpawn);
      expect(run.stderr).not.toContain('write rejected');
      if (run.acknowledged.size > 0) killsDuringWrites++;
      for (const [id, last] of run.acknowledged) acknowledged.set(id, Math.max(acknowledged.get(id) ?? 0, last));
      const verifying = performance.now();
      stored += await verify(file, acknowledged);
      timings.push(performance.now() - verifying);
    }
    console.log(`crash test: ${stored} events verified; verification took ${Math.round(timings.reduce((a, b) => a + b, 0))} ms in total`);
    expect(killsDuringWrites).toBeGreaterThanOrEqual(KILLS * 0.6);
    expect(stored).toBeGreaterThan(0);
  });
});
