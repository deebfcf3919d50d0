/**
 * The stores under an application role holding only the grants docs/postgres.md lists
 * ("Least-privilege roles"): migrate() on a current schema succeeds, every store works,
 * and a missing grant is a PermissionDeniedError naming the privilege.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError, type PermissionDeniedError } from '../../src/core/errors.js';
import type { AtomicWrite } from '../../src/core/persistent-repr.js';
import { SnapshotMetadata } from '../../src/core/snapshot-metadata.js';
import { SnapshotSelectionCriteria } from '../../src/core/snapshot-selection-criteria.js';
import {
  migrate,
  PostgresDurableStateStore,
  PostgresJournal,
  PostgresOffsetStore,
  PostgresSnapshotStore,
  SCHEMA_VERSION,
} from '../../src/postgres/index.js';
import { collect } from '../../src/tck/index.js';
import { connect, PG_URL, randomSchema } from './support.js';

/** The grants of docs/postgres.md, "Least-privilege roles", for `schema` and `role`. */
const applicationGrants = (schema: string, role: string) => `
GRANT USAGE ON SCHEMA "${schema}" TO ${role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO ${role};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "${schema}" TO ${role};`;

const roleUrl = (role: string) => {
  const url = new URL(PG_URL);
  url.username = role;
  return url.toString();
};

const roles: string[] = [];
let admin: pg.Pool;
const schema = randomSchema('pg_least');

/** A LOGIN role with no privileges of its own; dropped after the file. */
async function createRole(label: string): Promise<string> {
  const role = `memento_pg_${label}_${randomBytes(5).toString('hex')}`;
  await admin.query(`CREATE ROLE ${role} LOGIN`);
  roles.push(role);
  return role;
}

beforeAll(async () => {
  admin = await connect(2);
  await migrate({ pool: admin, schema });
});

afterAll(async () => {
  if (!admin) return;
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  for (const role of roles) {
    await admin.query(`DROP OWNED BY ${role}`).catch(() => {});
    await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
  }
  await admin.end();
});

const event = (persistenceId: string, sequenceNr: number, payload: unknown): AtomicWrite => ({
  persistenceId,
  events: [{ persistenceId, sequenceNr, event: payload, timestamp: sequenceNr, tags: ['least'] }],
});

describe('postgres least-privilege role', () => {
  it('migrates a current schema and runs every store with only the documented grants', async () => {
    const role = await createRole('app');
    await admin.query(applicationGrants(schema, role));
    const { rows } = await admin.query<{ create: boolean }>(`SELECT has_database_privilege($1, current_database(), 'CREATE') AS create`, [
      role,
    ]);
    expect(rows[0]?.create, 'the application role must not hold CREATE on the database').toBe(false);
    const connectionString = roleUrl(role);
    expect(await migrate({ connectionString, schema })).toEqual({ applied: [], version: SCHEMA_VERSION });

    const journal = new PostgresJournal({ connectionString, schema });
    const snapshots = new PostgresSnapshotStore({ connectionString, schema });
    const state = new PostgresDurableStateStore({ connectionString, schema });
    const offsets = new PostgresOffsetStore({ connectionString, schema });
    try {
      const pid = `least-${randomUUID()}`;
      expect(await journal.write([event(pid, 1, { n: 1 }), event(pid, 2, { n: 2 })])).toEqual([undefined, undefined]);
      expect((await collect(journal.replay(pid, 1, Number.MAX_SAFE_INTEGER))).map((r) => r.event)).toEqual([{ n: 1 }, { n: 2 }]);
      expect(await journal.highestSequenceNr(pid)).toBe(2);
      expect((await journal.readByOrdering(0, 10, { tag: 'least' })).length).toBeGreaterThanOrEqual(2);
      await journal.deleteTo(pid, 1);

      await snapshots.save(new SnapshotMetadata({ persistenceId: pid, sequenceNr: 2, timestamp: 1 }), { n: 2 });
      expect((await snapshots.load(pid, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 2 });
      await snapshots.deleteMatching(pid, SnapshotSelectionCriteria.Latest);

      await state.upsert(pid, 1, { v: 1 }, 'least');
      await state.upsert(pid, 2, { v: 2 }, 'least');
      expect(await state.get(pid)).toEqual({ value: { v: 2 }, revision: 2 });
      expect((await state.readChangesByTag('least', 0, 10)).length).toBe(1);
      await state.delete(pid, 3);

      await offsets.save(`projection-${pid}`, { type: 'sequence', value: 2 });
      expect(await offsets.load(`projection-${pid}`)).toEqual({ type: 'sequence', value: 2 });

      // The cleanup of "Growth and cleanup" needs no more grants either.
      expect(await state.purgeDeleted({ retentionMs: 0 })).toContain(pid);
      await journal.deleteTo(pid, 2);
      expect(await journal.purgeDeleted({ retentionMs: 0 })).toContain(pid);
    } finally {
      await Promise.all([journal.close(), snapshots.close(), state.close(), offsets.close()]);
    }
  });

  it('reports a missing sequence grant as PermissionDeniedError naming the sequence', async () => {
    const role = await createRole('noseq');
    await admin.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO ${role};`);
    const state = new PostgresDurableStateStore({ connectionString: roleUrl(role), schema });
    try {
      const pid = `least-${randomUUID()}`;
      const error = (await state.upsert(pid, 1, { v: 1 }).catch((caught: unknown) => caught)) as PermissionDeniedError;
      expect(isMementoError(error, ErrorCodes.permissionDenied), String(error)).toBe(true);
      expect(error.privilege).toBe('USAGE, SELECT on sequence memento_durable_state_ordering_seq');
      expect(error.persistenceId).toBe(pid);
      expect(error.message).toContain('Least-privilege roles');
    } finally {
      await state.close();
    }
  });

  it('reports migrating a new schema without CREATE as PermissionDeniedError, not an unreachable server', async () => {
    const role = await createRole('nocreate');
    const fresh = randomSchema('pg_least_fresh');
    const error = (await migrate({ connectionString: roleUrl(role), schema: fresh }).catch(
      (caught: unknown) => caught,
    )) as PermissionDeniedError;
    expect(isMementoError(error, ErrorCodes.permissionDenied), String(error)).toBe(true);
    expect(error.privilege).toMatch(/^CREATE on database /);
    expect(error.message).toContain('migrate: PostgreSQL refused: the role lacks CREATE on database');
  });
});
