import { describe, expect, it, vi } from 'vitest';
import {
  type Logger,
  MemoryJournal,
  MemorySnapshotStore,
  type OperationEvent,
  persistentRepr,
  SnapshotMetadata,
  SnapshotSelectionCriteria,
} from '../../src/index.js';

function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, fields });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

describe('logging and hooks', () => {
  it('reports journal writes and replays with counts and durations', async () => {
    const events: OperationEvent[] = [];
    const journal = new MemoryJournal({ hooks: { onOperation: (event) => events.push(event) } });
    await journal.write([{ persistenceId: 'p', events: [persistentRepr({ persistenceId: 'p', sequenceNr: 1, event: 'a' })] }]);
    for await (const _ of journal.replay('p', 1, 10)) {
      // drain
    }
    expect(events.map((event) => [event.operation, event.store, event.count])).toEqual([
      ['journal.write', 'memory', 1],
      ['journal.replay', 'memory', 1],
    ]);
    expect(events.every((event) => event.durationMs >= 0)).toBe(true);
  });

  it('reports snapshot saves and loads, and warns about skipped snapshots through the logger', async () => {
    const events: OperationEvent[] = [];
    const skipped: number[] = [];
    const { logger, lines } = recordingLogger();
    const store = new MemorySnapshotStore({
      logger,
      hooks: { onOperation: (event) => events.push(event), onSnapshotSkipped: (event) => skipped.push(event.metadata.sequenceNr) },
    });
    await store.save(new SnapshotMetadata({ persistenceId: 'p', sequenceNr: 1 }), 'old');
    await store.save(new SnapshotMetadata({ persistenceId: 'p', sequenceNr: 2 }), 'new');
    const bytes = store.storedBytes('p', 2) as Uint8Array;
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    expect((await store.load('p', SnapshotSelectionCriteria.Latest))?.snapshot).toBe('old');
    expect(skipped).toEqual([2]);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('warn');
    expect(lines[0]?.fields).toMatchObject({ persistenceId: 'p', sequenceNr: 2 });
    expect(events.map((event) => event.operation)).toEqual(['snapshot.save', 'snapshot.save', 'snapshot.load']);
  });

  it('never lets a throwing hook break an operation', async () => {
    const journal = new MemoryJournal({
      hooks: {
        onOperation: () => {
          throw new Error('broken hook');
        },
      },
    });
    expect(
      await journal.write([{ persistenceId: 'p', events: [persistentRepr({ persistenceId: 'p', sequenceNr: 1, event: 'a' })] }]),
    ).toEqual([undefined]);
  });

  /** What the store prints through console while loading a damaged snapshot. */
  async function printedWhileSkipping(options: ConstructorParameters<typeof MemorySnapshotStore>[0]): Promise<unknown[][]> {
    const original = { ...console };
    const printed: unknown[][] = [];
    for (const level of ['log', 'debug', 'info', 'warn', 'error'] as const) console[level] = (...args: unknown[]) => printed.push(args);
    try {
      // A fresh module graph, so the default logger's rate limit is not spent by other files
      // sharing this worker (the fast tier runs without isolation).
      vi.resetModules();
      const { MemorySnapshotStore: FreshStore } = await import('../../src/memory/index.js');
      const fresh = await import('../../src/index.js');
      const store = new FreshStore(options);
      await store.save(new fresh.SnapshotMetadata({ persistenceId: 'p', sequenceNr: 1 }), 'x');
      const bytes = store.storedBytes('p', 1) as Uint8Array;
      bytes[5] = (bytes[5] as number) ^ 1;
      expect(await store.load('p', fresh.SnapshotSelectionCriteria.Latest)).toBeNull();
    } finally {
      Object.assign(console, original);
    }
    return printed;
  }

  it('prints a skipped snapshot as one warning line on stderr by default, with the persistence id', async () => {
    const printed = await printedWhileSkipping(undefined);
    expect(printed).toHaveLength(1);
    expect(String(printed[0]?.[0])).toMatch(/^\[memento\] WARN .*"persistenceId":"p"/);
  });

  it('prints nothing with logger: false', async () => {
    expect(await printedWhileSkipping({ logger: false })).toEqual([]);
  });
});
