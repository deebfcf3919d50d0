/**
 * `preparedStatements: true`: the stores' statements go out as named prepared statements,
 * named from their text (so stores of other schemas sharing a connection never clash), at most
 * MAX_NAMED_STATEMENTS texts per process; off by default. The conformance suites run with the
 * option on in tck.test.ts.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotMetadata } from '../../src/core/snapshot-metadata.js';
import { SnapshotSelectionCriteria } from '../../src/core/snapshot-selection-criteria.js';
import { migrate, PostgresJournal, PostgresSnapshotStore } from '../../src/postgres/index.js';
import { StatementNames } from '../../src/postgres/statement-names.js';
import { atomicWrite } from '../../src/tck/index.js';
import { connect, randomSchema } from './support.js';

describe('StatementNames', () => {
  it('gives one text one name, and different texts different names', () => {
    const names = new StatementNames(10);
    const first = names.nameOf('SELECT 1');
    expect(first).toMatch(/^memento_[0-9a-f]{40}$/);
    expect(names.nameOf('SELECT 1')).toBe(first);
    expect(new StatementNames(10).nameOf('SELECT 1')).toBe(first);
    expect(names.nameOf('SELECT 2')).not.toBe(first);
  });

  it('names at most its limit of texts; later texts go unnamed, named ones keep their names', () => {
    const names = new StatementNames(50);
    const given = Array.from({ length: 50 }, (_, i) => names.nameOf(`SELECT ${i}`));
    expect(new Set(given).size).toBe(50);
    expect(names.nameOf('SELECT 50')).toBeUndefined();
    expect(names.nameOf('SELECT 0')).toBe(given[0]);
  });
});

describe('preparedStatements against PostgreSQL', () => {
  // One connection, so what a store prepared is visible to the next statement.
  let pool: pg.Pool;
  const schemas = [randomSchema('prep_a'), randomSchema('prep_b')];

  beforeAll(async () => {
    pool = await connect(1);
    for (const schema of schemas) await migrate({ pool, schema });
  });

  afterAll(async () => {
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  const prepared = async (schema: string) =>
    (
      await pool.query<{ name: string }>(
        "SELECT name FROM pg_prepared_statements WHERE name LIKE 'memento\\_%' AND statement LIKE '%' || $1 || '%'",
        [`"${schema}"`],
      )
    ).rows.map((row) => row.name);

  const save = (store: PostgresSnapshotStore, id: string, sequenceNr: number, state: unknown) =>
    store.save(new SnapshotMetadata({ persistenceId: id, sequenceNr, timestamp: 1_700_000_000_000 + sequenceNr }), state);

  it('are off by default: nothing is prepared on the connection', async () => {
    const [schema] = schemas as [string, string];
    const store = new PostgresSnapshotStore({ pool, schema });
    await save(store, 'off', 1, { n: 1 });
    expect((await store.load('off', SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 1 });
    expect(await prepared(schema)).toEqual([]);
  });

  it('with the option on, a load and a highest-sequence-number read prepare their statements once and reuse them', async () => {
    const [schema] = schemas as [string, string];
    const store = new PostgresSnapshotStore({ pool, schema, preparedStatements: true });
    const journal = new PostgresJournal({ pool, schema, preparedStatements: true, notifyChannel: false });
    await save(store, 'on', 1, { n: 1 });
    await journal.write([atomicWrite('on', 1, 2, 3)]);
    for (let round = 0; round < 3; round++) {
      expect((await store.load('on', SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 1 });
      expect(await journal.highestSequenceNr('on')).toBe(3);
    }
    const names = await prepared(schema);
    expect(names.length).toBeGreaterThanOrEqual(3); // save, load, highest
    expect(new Set(names).size).toBe(names.length);
    const before = names.length;
    await save(store, 'on', 2, { n: 2 });
    expect((await store.load('on', SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 2 });
    expect((await prepared(schema)).length).toBe(before);
  });

  it('stores of two schemas on one connection each get their own statements', async () => {
    const [a, b] = schemas as [string, string];
    const first = new PostgresSnapshotStore({ pool, schema: a, preparedStatements: true });
    const second = new PostgresSnapshotStore({ pool, schema: b, preparedStatements: true });
    await save(first, 'two', 1, 'in a');
    await save(second, 'two', 1, 'in b');
    expect((await first.load('two', SnapshotSelectionCriteria.Latest))?.snapshot).toBe('in a');
    expect((await second.load('two', SnapshotSelectionCriteria.Latest))?.snapshot).toBe('in b');
    const inA = await prepared(a);
    const inB = await prepared(b);
    expect(inA.length).toBeGreaterThan(0);
    expect(inB.length).toBeGreaterThan(0);
    expect(inA.filter((name) => inB.includes(name))).toEqual([]);
  });

  it('a schema dropped and migrated again under its name is read afresh by the statements prepared before', async () => {
    const schema = schemas[1] as string;
    const store = new PostgresSnapshotStore({ pool, schema, preparedStatements: true });
    await save(store, 'again', 1, 'before');
    expect((await store.load('again', SnapshotSelectionCriteria.Latest))?.snapshot).toBe('before');
    await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    await migrate({ pool, schema });
    expect(await store.load('again', SnapshotSelectionCriteria.Latest)).toBeNull();
    await save(store, 'again', 5, 'after');
    expect((await store.load('again', SnapshotSelectionCriteria.Latest))?.snapshot).toBe('after');
  });

  it('a server connection that lost a prepared statement (as behind PgBouncer 1.18) fails with what to change', async () => {
    const [schema] = schemas as [string, string];
    const store = new PostgresSnapshotStore({ pool, schema, preparedStatements: true });
    await save(store, 'lost', 1, 'kept');
    expect((await store.load('lost', SnapshotSelectionCriteria.Latest))?.snapshot).toBe('kept');
    // pg still believes the connection holds the statement, so it sends only Bind: what a
    // pooler that moved the client to another server connection does.
    await pool.query('DEALLOCATE ALL');
    const failure = await store.load('lost', SnapshotSelectionCriteria.Latest).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(
      /snapshot\.load of "lost": PostgreSQL failed: .*does not exist.*turn preparedStatements off/,
    );
    expect((failure as { expected?: unknown }).expected).toBe('a connection that keeps its prepared statements');
    // The connection cannot run the store's statements again: release it for a new one.
    await pool.end();
    pool = await connect(1);
  });

  it('refuses a value that is not a boolean, naming the option', () => {
    expect(() => new PostgresSnapshotStore({ pool, schema: schemas[0] as string, preparedStatements: 'yes' as never })).toThrow(
      /options\.preparedStatements.*a boolean.*"yes"/,
    );
  });
});
