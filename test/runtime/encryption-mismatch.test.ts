/** A persistence whose stores disagree about encryption says so, and requireEncryption refuses plaintext. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPersistence, ErrorCodes, type Logger, MemoryJournal, MemorySnapshotStore, Serialization } from '../../src/index.js';
import { SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';

const encrypted = () => new Serialization({ encryption: { keys: { k1: randomBytes(32) }, activeKeyId: 'k1' } });

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, logger: { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} } };
}

describe('stores that disagree about encryption', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  it('a snapshot store without the journal key is warned about through the logger, naming it', async () => {
    const { logger, warnings } = recordingLogger();
    const persistence = createPersistence({
      journal: new MemoryJournal({ serialization: encrypted() }),
      snapshotStore: new MemorySnapshotStore(),
      logger,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/options\.snapshotStore write\(s\) plaintext while options\.journal encrypt\(s\)/);
    expect(warnings[0]).toMatch(/requireEncryption/);
    await persistence.close();
  });

  it('stores that all encrypt, or none, are not warned about', async () => {
    const { logger, warnings } = recordingLogger();
    const serialization = encrypted();
    await createPersistence({
      journal: new MemoryJournal({ serialization }),
      snapshotStore: new MemorySnapshotStore({ serialization }),
      logger,
    }).close();
    await createPersistence({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore(), logger }).close();
    expect(warnings).toEqual([]);
  });

  it('requireEncryption refuses a SQLite snapshot store that would write plaintext, naming it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'memento-encryption-'));
    directories.push(directory);
    const file = join(directory, 'store.db');
    const journal = new SqliteJournal(file, { serialization: encrypted() });
    const snapshotStore = new SqliteSnapshotStore(file);
    try {
      expect(() => createPersistence({ journal, snapshotStore, requireEncryption: true })).toThrow(
        expect.objectContaining({
          code: ErrorCodes.invalidArgument,
          argument: 'options.snapshotStore',
          message: expect.stringContaining('expected a store that encrypts (requireEncryption)'),
        }),
      );
    } finally {
      await journal.close();
      await snapshotStore.close();
    }
  });

  it('requireEncryption refuses a store that cannot show it encrypts, and accepts stores that all do', async () => {
    const serialization = encrypted();
    const journal = new MemoryJournal({ serialization });
    const inner = new MemorySnapshotStore({ serialization });
    const wrapped = {
      load: inner.load.bind(inner),
      save: inner.save.bind(inner),
      delete: inner.delete.bind(inner),
      deleteMatching: inner.deleteMatching.bind(inner),
      list: inner.list.bind(inner),
      close: inner.close.bind(inner),
    };
    expect(() => createPersistence({ journal, snapshotStore: wrapped as never, requireEncryption: true })).toThrow(
      /options\.snapshotStore: expected a store that encrypts .*does not expose its serialization/,
    );
    const persistence = createPersistence({ journal, snapshotStore: inner, requireEncryption: true });
    await persistence.close();
    expect(() => createPersistence({ journal, snapshotStore: inner, requireEncryption: 'yes' as never })).toThrow(
      /options.requireEncryption/,
    );
  });
});
