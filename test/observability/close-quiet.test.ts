/**
 * A normal `close()` is quiet: the runtime messages it drops on purpose (the result of the
 * idle snapshot it takes on the way out) are not logged at any level, so a user's logger
 * at debug level sees no "dropped a runtime message" noise.
 */
import { describe, expect, it } from 'vitest';
import { createPersistence, defineEntity, Effect, type Logger, MemoryJournal, MemorySnapshotStore } from '../../src/index.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => lines.push(`${level} ${message}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const Counter = defineEntity<{ value: number }, number, number>({
  name: 'counter',
  emptyState: { value: 0 },
  commandHandler: (_state, by) => Effect.persist(by),
  eventHandler: (state, by) => ({ value: state.value + by }),
  // Pending when close() comes: close takes it, and its result arrives after the entity left.
  snapshotAfterIdleMs: 60_000,
});

describe('close()', () => {
  it('takes the pending idle snapshot and logs nothing about the messages it drops', async () => {
    const logger = recordingLogger();
    const saved: string[] = [];
    const snapshotStore = new (class extends MemorySnapshotStore {
      override async save(...args: Parameters<MemorySnapshotStore['save']>): Promise<void> {
        await super.save(...args);
        saved.push(args[0].persistenceId);
      }
    })();
    const persistence = createPersistence({ journal: new MemoryJournal(), snapshotStore, logger });
    await persistence.entity(Counter, 'c-1').ask(2);
    await persistence.entity(Counter, 'c-2').ask(3);
    await persistence.close();
    expect(saved.sort()).toEqual(['counter|c-1', 'counter|c-2']);
    expect(logger.lines.filter((line) => /dropped|not running/.test(line))).toEqual([]);
  });
});
