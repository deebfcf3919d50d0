import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { APPLICATION_ID, migrations, SCHEMA_VERSION, SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { atomicWrite, removeTempDirs, tempDir, tempFile, withDatabase } from './helpers.js';

afterAll(removeTempDirs);

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );

describe('SQLite schema and migrations', () => {
  it('numbers migrations 1, 2, 3... and ends at SCHEMA_VERSION', () => {
    expect(migrations.map((migration) => migration.version)).toEqual(Array.from({ length: migrations.length }, (_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(migrations.length);
  });

  it('creates the documented schema on a new file, in WAL mode, stamped with version and application id', async () => {
    const file = tempFile('schema');
    const journal = new SqliteJournal(file);
    await journal.ready();
    withDatabase(file, (db) => {
      expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
      expect(db.prepare('PRAGMA application_id').get()).toEqual({ application_id: APPLICATION_ID });
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      const objects = db.prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as {
        type: string;
        name: string;
      }[];
      expect(objects).toEqual([
        { type: 'index', name: 'durable_state_by_ordering' },
        { type: 'index', name: 'durable_state_by_tag' },
        { type: 'index', name: 'durable_state_by_tag_ordering' },
        { type: 'table', name: 'durable_state' },
        { type: 'table', name: 'event_tags' },
        { type: 'table', name: 'journal' },
        { type: 'table', name: 'journal_highest' },
        { type: 'table', name: 'projection_offsets' },
        { type: 'table', name: 'snapshots' },
      ]);
      const plan = db
        .prepare(
          'EXPLAIN QUERY PLAN SELECT * FROM journal WHERE persistence_id = ? AND sequence_nr >= ? AND sequence_nr <= ? ORDER BY sequence_nr LIMIT ?',
        )
        .all('x', 1, 2, 3) as { detail: string }[];
      expect(plan.map((step) => step.detail).join('\n')).toMatch(
        /SEARCH journal USING INDEX .*\(persistence_id=\? AND sequence_nr>\? AND sequence_nr<\?\)/,
      );
    });
    await journal.close();
  });

  it('migrates a file once, however many stores and reopenings', async () => {
    const file = tempFile('schema');
    for (let round = 0; round < 3; round++) {
      const journal = new SqliteJournal(file);
      expect(await journal.write([atomicWrite('m', round + 1)])).toEqual([undefined]);
      await journal.close();
    }
    withDatabase(file, (db) => expect(db.prepare("SELECT count(*) AS n FROM journal WHERE persistence_id = 'm'").get()).toEqual({ n: 3 }));
  });

  it('refuses a file written by a newer schema version with SchemaVersionError saying which versions', async () => {
    const file = tempFile('schema');
    const creator = new SqliteJournal(file);
    await creator.ready();
    await creator.close();
    withDatabase(file, (db) => db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 41}`));
    const error = await failureOf(new SqliteJournal(file).write([atomicWrite('n', 1)]));
    expect(isMementoError(error, ErrorCodes.schemaVersion)).toBe(true);
    expect(error?.message).toContain(`schema version ${SCHEMA_VERSION + 41}`);
    expect(error?.message).toContain(`reads schema versions 0 to ${SCHEMA_VERSION}`);
    expect(error?.message).toContain(file);
    expect(error).toMatchObject({ expected: `<= ${SCHEMA_VERSION}`, actual: SCHEMA_VERSION + 41, source: 'sqlite' });
  });

  it("refuses another application's database", async () => {
    const file = tempFile('schema');
    withDatabase(file, (db) => db.exec('PRAGMA application_id = 42; CREATE TABLE notes (body TEXT)'));
    const error = await failureOf(new SqliteSnapshotStore(file).ready());
    expect(isMementoError(error, ErrorCodes.schemaVersion)).toBe(true);
    expect(error?.message).toContain('belongs to another application');
  });

  it('reports a migration that cannot apply (a clashing table) as SchemaVersionError, leaving the file untouched', async () => {
    const file = tempFile('schema');
    withDatabase(file, (db) => db.exec('CREATE TABLE journal (something_else TEXT)'));
    const error = await failureOf(new SqliteJournal(file).ready());
    expect(isMementoError(error, ErrorCodes.schemaVersion)).toBe(true);
    expect(error?.message).toContain('migration to schema version 1');
    withDatabase(file, (db) => {
      expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 0 });
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'snapshots'").get()).toEqual({ n: 0 });
    });
  });

  it('refuses to migrate a file opened read-only, saying how to fix it', async () => {
    const file = join(tempDir('schema'), 'empty.db');
    writeFileSync(file, '');
    const error = await failureOf(new SqliteJournal(file, { readonly: true }).ready());
    expect(isMementoError(error, ErrorCodes.schemaVersion)).toBe(true);
    expect(error?.message).toContain('open it once writable');
  });
});
