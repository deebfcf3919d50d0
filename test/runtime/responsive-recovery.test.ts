/**
 * Recovery that does not hold the event loop (issue 17, point 8) and reports its progress
 * (point 9): a long replay over SQLite, whose pages are read synchronously, lets timers run
 * between slices, and tells `recovery.onProgress` and the hooks how far it has got.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPersistence,
  defineEntity,
  Effect,
  InvalidArgumentError,
  MemorySnapshotStore,
  type RecoveryOptions,
  type ReplayProgress,
} from '../../src/index.js';
import { SqliteJournal } from '../../src/sqlite/index.js';

const EVENTS = 20_000;
const directories: string[] = [];

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A summing entity; its handler can be told to stall on one event so a replay surely spans a clock tick. */
function summing(recovery: RecoveryOptions, stallOn = 0) {
  return defineEntity<number, { type: 'get' }, { amount: number }>({
    name: 'sum',
    emptyState: 0,
    commandHandler: (state) => Effect.reply(state),
    eventHandler: (state, event) => {
      if (event.amount === stallOn) {
        const until = performance.now() + 3;
        while (performance.now() < until) {
          // Busy: the replay must see time pass here.
        }
      }
      return state + event.amount;
    },
    recovery,
  });
}

async function sqliteHistory(events: number): Promise<SqliteJournal> {
  const directory = mkdtempSync(join(tmpdir(), 'memento-responsive-'));
  directories.push(directory);
  const journal = new SqliteJournal(join(directory, 'journal.db'));
  for (let from = 1; from <= events; from += 5000) {
    const batch = Array.from({ length: Math.min(5000, events - from + 1) }, (_, k) => ({
      persistenceId: 'sum|a',
      sequenceNr: from + k,
      timestamp: 0,
      event: { amount: from + k },
    }));
    const [result] = await journal.write([{ persistenceId: 'sum|a', events: batch }]);
    if (result instanceof Error) throw result;
  }
  return journal;
}

const expectedSum = (events: number) => (events * (events + 1)) / 2;

/** Recovers `sum|a`; says whether a timer set when recovery began fired before its reply. */
async function recoverWithTimer(journal: SqliteJournal, recovery: RecoveryOptions, hooks = {}) {
  const persistence = createPersistence({ journal, snapshotStore: new MemorySnapshotStore(), hooks });
  let timerFired = false;
  const timer = setTimeout(() => {
    timerFired = true;
  }, 0);
  const reply = persistence.entity(summing(recovery, 100), 'a').ask<number>({ type: 'get' });
  // Settled the moment the reply arrives: a microtask, before any timer that is still due.
  const firedBeforeReply = reply.then(() => timerFired);
  const value = await reply;
  clearTimeout(timer);
  await persistence.close();
  return { value, firedBeforeReply: await firedBeforeReply };
}

describe('responsive recovery', () => {
  it('lets timers run during a long replay over a synchronous store', async () => {
    const journal = await sqliteHistory(EVENTS);
    const { value, firedBeforeReply } = await recoverWithTimer(journal, { yieldEveryMs: 1 });
    expect(value).toBe(expectedSum(EVENTS));
    expect(firedBeforeReply).toBe(true);
  });

  it('with yieldEveryMs: Infinity replays in one stretch, as before (no timer runs until the reply)', async () => {
    const journal = await sqliteHistory(EVENTS);
    const { value, firedBeforeReply } = await recoverWithTimer(journal, { yieldEveryMs: Number.POSITIVE_INFINITY });
    expect(value).toBe(expectedSum(EVENTS));
    expect(firedBeforeReply).toBe(false);
  });

  it('reports progress to recovery.onProgress and the hooks, ending with a done report of every event', async () => {
    const journal = await sqliteHistory(EVENTS);
    const fromOption: ReplayProgress[] = [];
    const fromHook: ReplayProgress[] = [];
    const { value } = await recoverWithTimer(
      journal,
      { progressEveryMs: 1, onProgress: (progress) => fromOption.push(progress) },
      { onRecoveryProgress: (progress: ReplayProgress) => fromHook.push(progress) },
    );
    expect(value).toBe(expectedSum(EVENTS));
    expect(fromHook).toEqual(fromOption);
    // The handler stalls on event 100, so at least one report falls inside the replay.
    expect(fromOption.length).toBeGreaterThanOrEqual(2);
    const last = fromOption.at(-1) as ReplayProgress;
    expect(last).toMatchObject({ persistenceId: 'sum|a', replayed: EVENTS, total: EVENTS, done: true });
    for (const [index, progress] of fromOption.entries()) {
      expect(progress.total).toBe(EVENTS);
      expect(progress.eventsPerSecond).toBeGreaterThan(0);
      expect(progress.done).toBe(index === fromOption.length - 1);
      if (index > 0) expect(progress.replayed).toBeGreaterThanOrEqual((fromOption[index - 1] as ReplayProgress).replayed);
    }
  });

  it('a replay that ends before the first report is due reports only its end', async () => {
    const journal = await sqliteHistory(50);
    const reports: ReplayProgress[] = [];
    await recoverWithTimer(journal, { progressEveryMs: 3_600_000, onProgress: (progress) => reports.push(progress) });
    expect(reports).toEqual([expect.objectContaining({ persistenceId: 'sum|a', replayed: 50, total: 50, done: true })]);
  });

  it('a throwing progress callback does not fail the recovery', async () => {
    const journal = await sqliteHistory(EVENTS);
    const { value } = await recoverWithTimer(journal, {
      progressEveryMs: 1,
      onProgress: () => {
        throw new Error('broken bar');
      },
    });
    expect(value).toBe(expectedSum(EVENTS));
  });

  it('refuses bad pacing options, naming them', () => {
    expect(() => summing({ yieldEveryMs: -1 })).toThrow(InvalidArgumentError);
    expect(() => summing({ yieldEveryMs: -1 })).toThrow(/options\.recovery\.yieldEveryMs/);
    expect(() => summing({ progressEveryMs: 0 })).toThrow(/options\.recovery\.progressEveryMs/);
    expect(() => summing({ onProgress: 'bar' as never })).toThrow(/options\.recovery\.onProgress/);
  });
});
