/**
 * Brings a database file to the current schema on open, and refuses files it cannot read.
 * @module
 */
import { SchemaVersionError } from '../../core/errors.js';
import type { SqliteDatabase } from '../client.js';
import { sqliteCode } from '../errors.js';
import { NAME } from '../options.js';
import { APPLICATION_ID } from './0001-initial-schema.js';
import type { Migration } from './migration.js';

const readPragma = (db: SqliteDatabase, name: 'user_version' | 'application_id'): number =>
  Number((db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown>)[name]);

/**
 * Applies the migrations newer than the file's `user_version`, all in one write
 * transaction (so two processes opening a new file at once migrate it once). Throws
 * {@link SchemaVersionError} when the file is newer than `migrations`, belongs to another
 * application, or needs migrating but is open read-only.
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[], file: string, readonly: boolean): void {
  const latest = migrations.length;
  const check = (): number => {
    const applicationId = readPragma(db, 'application_id');
    if (applicationId !== 0 && applicationId !== APPLICATION_ID) {
      throw new SchemaVersionError(
        `${JSON.stringify(file)} belongs to another application: expected application_id ${APPLICATION_ID} (Memento) or 0, found ${applicationId}`,
        { source: NAME, expected: APPLICATION_ID, actual: applicationId },
      );
    }
    const found = readPragma(db, 'user_version');
    if (!Number.isInteger(found) || found < 0 || found > latest) {
      throw new SchemaVersionError(
        `${JSON.stringify(file)} has schema version ${found}, written by a newer Memento; this version reads schema versions 0 to ${latest}: upgrade Memento`,
        { source: NAME, expected: `<= ${latest}`, actual: found },
      );
    }
    return found;
  };
  if (check() === latest) return;
  if (readonly) {
    const found = readPragma(db, 'user_version');
    throw new SchemaVersionError(
      `${JSON.stringify(file)} has schema version ${found} and needs migrating to ${latest}, but it is open read-only: open it once writable`,
      { source: NAME, expected: latest, actual: found },
    );
  }
  db.exec('BEGIN IMMEDIATE');
  try {
    // Re-read under the write lock: another process may have migrated meanwhile.
    for (const migration of migrations.slice(check())) {
      try {
        db.exec(migration.sql);
      } catch (cause) {
        if (sqliteCode(cause) !== 'SQLITE_ERROR') throw cause;
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new SchemaVersionError(
          `${JSON.stringify(file)}: migration to schema version ${migration.version} (${migration.description}) failed: ${reason}`,
          { source: NAME, expected: `schema version ${migration.version}`, actual: reason, cause },
        );
      }
      db.exec(`PRAGMA user_version = ${migration.version}`);
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
