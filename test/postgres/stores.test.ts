/**
 * PostgreSQL-specific snapshot and durable state behaviour: paging past damaged snapshots,
 * criteria through the index, revision races between pools.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { SnapshotMetadata } from '../../src/core/snapshot-metadata.js';
import { SnapshotSelectionCriteria } from '../../src/core/snapshot-selection-criteria.js';
import type { SkippedSnapshot } from '../../src/observability/hooks.js';
import { PostgresDurableStateStore, PostgresSnapshotStore } from '../../src/postgres/index.js';
import { collect } from '../../src/tck/index.js';
import { connect, spyPool, useSchema } from './support.js';

const pg = useSchema('stores');
const id = (label: string) => `${label}-${randomUUID()}`;

describe('PostgresSnapshotStore', () => {
  it('walks past damaged snapshots page by page, newest first', async () => {
    const queries: string[] = [];
    const store = new PostgresSnapshotStore({ pool: spyPool(pg.pool, queries), schema: pg.schema, loadPageSize: 2 });
    const pid = id('damaged');
    for (let nr = 1; nr <= 10; nr++)
      await store.save(new SnapshotMetadata({ persistenceId: pid, sequenceNr: nr, timestamp: 1000 + nr }), { nr });
    await pg.pool.query(
      `UPDATE "${pg.schema}".memento_snapshots SET payload = set_byte(payload, 3, 255) WHERE persistence_id = $1 AND sequence_nr >= 6`,
      [pid],
    );
    const skipped: SkippedSnapshot[] = [];
    queries.length = 0;
    const loaded = await store.load(pid, SnapshotSelectionCriteria.Latest, { onSkipped: (s) => skipped.push(s) });
    expect(loaded?.metadata.sequenceNr).toBe(5);
    expect(loaded?.snapshot).toEqual({ nr: 5 });
    expect(skipped.map((s) => s.metadata.sequenceNr)).toEqual([10, 9, 8, 7, 6]);
    expect(queries).toHaveLength(3); // pages of two: 10-9, 8-7, 6-5
    // Criteria narrow the query; matches() decides.
    expect((await store.load(pid, new SnapshotSelectionCriteria({ maxTimestamp: 1003 })))?.metadata.sequenceNr).toBe(3);
    expect(
      (await collect(store.list(pid, new SnapshotSelectionCriteria({ minSequenceNr: 4, maxSequenceNr: 7 })))).map((m) => m.sequenceNr),
    ).toEqual([4, 5, 6, 7]);
    await store.deleteMatching(pid, new SnapshotSelectionCriteria({ minSequenceNr: 6 }));
    expect((await collect(store.list(pid))).map((m) => m.sequenceNr)).toEqual([1, 2, 3, 4, 5]);
    await store.close();
  });

  it('replaces a snapshot saved twice at one sequence number and keeps user metadata', async () => {
    const store = new PostgresSnapshotStore({ pool: pg.pool, schema: pg.schema });
    const pid = id('replace');
    await store.save(new SnapshotMetadata({ persistenceId: pid, sequenceNr: 3, timestamp: 1, metadata: { by: 'a' } }), 'first');
    await store.save(new SnapshotMetadata({ persistenceId: pid, sequenceNr: 3, timestamp: 2, metadata: { by: 'b' } }), 'second');
    const loaded = await store.load(pid, SnapshotSelectionCriteria.Latest);
    expect(loaded?.snapshot).toBe('second');
    expect(loaded?.metadata.toJSON()).toEqual({ persistenceId: pid, sequenceNr: 3, timestamp: 2, metadata: { by: 'b' } });
    await store.close();
  });
});

describe('PostgresDurableStateStore', () => {
  it('lets exactly one of two stores on separate pools win each revision', async () => {
    const other = await connect(4);
    const a = new PostgresDurableStateStore({ pool: pg.pool, schema: pg.schema });
    const b = new PostgresDurableStateStore({ pool: other, schema: pg.schema });
    const pid = id('race');
    try {
      for (let revision = 1; revision <= 10; revision++) {
        const outcomes = await Promise.allSettled([
          a.upsert(pid, revision, { by: 'a', revision }),
          b.upsert(pid, revision, { by: 'b', revision }),
        ]);
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        const loser = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        expect(isMementoError(loser.reason, ErrorCodes.concurrency)).toBe(true);
        expect(loser.reason).toMatchObject({ persistenceId: pid, expected: revision + 1, actual: revision, source: 'postgres' });
      }
      expect((await b.get(pid)).revision).toBe(10);
      await a.delete(pid, 11);
      expect(await b.get(pid)).toEqual({ value: null, revision: 11 });
      const { rows } = await pg.pool.query(`SELECT payload, tag FROM "${pg.schema}".memento_durable_state WHERE persistence_id = $1`, [
        pid,
      ]);
      expect(rows).toEqual([{ payload: null, tag: null }]);
    } finally {
      await a.close();
      await b.close();
      await other.end();
    }
  });
});
