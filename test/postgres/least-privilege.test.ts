/**
 * The stores under an application role holding only the grants docs/postgres.md lists
 * ("Least-privilege roles", its sql block run as written): migrate() on a current schema
 * succeeds, every store works, a table added later is usable without a new grant, and a
 * missing grant is a PermissionDeniedError naming the privilege.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
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

/**
 * The SQL block of docs/postgres.md, "Least-privilege roles", for `schema` and `role`: what
 * the admin runs before migrating, and the grants after.
 */
function documentedGrants(schema: string, role: string): { beforeMigrate: string; afterMigrate: string } {
  const docs = readFileSync(new URL('../../docs/postgres.md', import.meta.url), 'utf8');
  const section = docs.slice(docs.indexOf('## Least-privilege roles'));
  const block = /```sql\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('docs/postgres.md, "Least-privilege roles": expected a sql block, found none');
  const sql = block.replaceAll('app_role', role).replace(/\bapp\b/g, schema);
  const split = sql.indexOf('-- then migrate');
  if (split === -1) throw new Error('docs/postgres.md, "Least-privilege roles": expected a "-- then migrate" line in the sql block');
  return { beforeMigrate: sql.slice(0, split), afterMigrate: sql.slice(split) };
}

const roleUrl = (role: string) => {
  const url = new URL(PG_URL);
  url.username = role;
  return url.toString();
};

const roles: string[] = [];
const schemas: string[] = [];
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
  for (const name of [schema, ...schemas]) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch(() => {});
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
    const schema = randomSchema('pg_least_docs');
    schemas.push(schema);
    const grants = documentedGrants(schema, role);
    await admin.query(grants.beforeMigrate);
    await migrate({ pool: admin, schema });
    await admin.query(grants.afterMigrate);
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

      // What a later release adds, migrated by the admin role, needs no new grant (the default privileges).
      await admin.query(`CREATE TABLE "${schema}".memento_later (id bigserial PRIMARY KEY, note text)`);
      const application = new pg.Pool({ connectionString, max: 1 });
      try {
        await application.query(`INSERT INTO "${schema}".memento_later (note) VALUES ('added later')`);
        expect((await application.query(`SELECT note FROM "${schema}".memento_later`)).rows).toEqual([{ note: 'added later' }]);
      } finally {
        await application.end();
      }
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
