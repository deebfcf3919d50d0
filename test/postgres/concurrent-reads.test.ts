/**
 * Reads of many ids at the same moment (every entity recovering after a restart) share
 * statements: highestSequenceNr and the first page of snapshot loads. Each id still gets
 * its own answer, and its own error.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { SnapshotMetadata } from '../../src/core/snapshot-metadata.js';
import { SnapshotSelectionCriteria } from '../../src/core/snapshot-selection-criteria.js';
import { PostgresJournal, PostgresSnapshotStore, tableNames } from '../../src/postgres/index.js';
import { atomicWrite } from '../../src/tck/index.js';
import { spyPool, useSchema } from './support.js';

const pg = useSchema('concurrent_reads');
const id = (label: string) => `${label}-${randomUUID()}`;

describe('PostgreSQL reads of many ids at once', () => {
  it('highestSequenceNr calls made together share statements, and a damaged record fails only its own id', async () => {
    const seen: string[] = [];
    const journal = new PostgresJournal({ pool: spyPool(pg.pool, seen), schema: pg.schema });
    const ids = Array.from({ length: 40 }, (_, k) => id(`highest-${k}`));
    // Id k holds events 1..k % 4 (none for multiples of 4).
    for (const [k, pid] of ids.entries()) {
      const count = k % 4;
      if (count > 0)
        expect(await journal.write([atomicWrite(pid, ...Array.from({ length: count }, (_, n) => n + 1))])).toEqual([undefined]);
    }
    const damaged = ids[3] as string;
    await pg.pool.query(`UPDATE ${tableNames(pg.schema).streams} SET highest_sequence_nr = 1 WHERE persistence_id = $1`, [damaged]);
    const unknown = id('never-written');
    seen.length = 0;
    const answers = await Promise.allSettled([...ids, unknown].map((pid) => journal.highestSequenceNr(pid)));
    for (const [k, pid] of ids.entries()) {
      const answer = answers[k];
      if (pid === damaged) {
        expect(answer?.status).toBe('rejected');
        const error = (answer as PromiseRejectedResult).reason;
        expect(isMementoError(error, ErrorCodes.corruptData)).toBe(true);
        expect((error as Error).message).toContain(JSON.stringify(damaged));
      } else {
        expect(answer).toEqual({ status: 'fulfilled', value: k % 4 });
      }
    }
    expect(answers[ids.length]).toEqual({ status: 'fulfilled', value: 0 });
    const statements = seen.filter((text) => text.includes('AS highest_stored')).length;
    expect(statements).toBeGreaterThan(0);
    expect(statements).toBeLessThanOrEqual(3);
    await journal.close();
  });

  it('snapshot loads made together share statements; each gets the youngest readable match of its own criteria', async () => {
    const seen: string[] = [];
    const store = new PostgresSnapshotStore({ pool: spyPool(pg.pool, seen), schema: pg.schema });
    const save = (pid: string, sequenceNr: number, snapshot: unknown) =>
      store.save(new SnapshotMetadata({ persistenceId: pid, sequenceNr, timestamp: 1000 + sequenceNr }), snapshot);
    const plain = Array.from({ length: 20 }, (_, k) => id(`plain-${k}`));
    for (const pid of plain) {
      await save(pid, 10, { at: 10, pid });
      await save(pid, 20, { at: 20, pid });
    }
    const none = Array.from({ length: 10 }, (_, k) => id(`none-${k}`));
    const large = id('large');
    const big = 'x'.repeat(300 * 1024);
    await save(large, 5, { at: 5, big });
    const damaged = id('damaged');
    await save(damaged, 1, { at: 1 });
    await save(damaged, 2, { at: 2 });
    await pg.pool.query(`UPDATE ${tableNames(pg.schema).snapshots} SET payload = '\\x00' WHERE persistence_id = $1 AND sequence_nr = 2`, [
      damaged,
    ]);

    seen.length = 0;
    const skipped: string[] = [];
    // Even-numbered plain ids ask for a snapshot at or below 15: their older one.
    const requests: [string, SnapshotSelectionCriteria][] = [
      ...plain.map((pid, k): [string, SnapshotSelectionCriteria] => [
        pid,
        k % 2 === 0 ? new SnapshotSelectionCriteria({ maxSequenceNr: 15 }) : SnapshotSelectionCriteria.Latest,
      ]),
      ...none.map((pid): [string, SnapshotSelectionCriteria] => [pid, SnapshotSelectionCriteria.Latest]),
      [large, SnapshotSelectionCriteria.Latest],
      [damaged, SnapshotSelectionCriteria.Latest],
    ];
    const loaded = await Promise.all(
      requests.map(([pid, criteria]) =>
        store.load(pid, criteria, { onSkipped: (skip) => skipped.push(`${skip.metadata.persistenceId}:${skip.metadata.sequenceNr}`) }),
      ),
    );
    for (const [k, pid] of plain.entries()) {
      const at = k % 2 === 0 ? 10 : 20;
      expect(loaded[k]?.metadata.sequenceNr).toBe(at);
      expect(loaded[k]?.snapshot).toEqual({ at, pid });
    }
    for (let k = 0; k < none.length; k++) expect(loaded[plain.length + k]).toBeNull();
    expect(loaded[plain.length + none.length]?.snapshot).toEqual({ at: 5, big });
    expect(loaded[plain.length + none.length + 1]?.snapshot).toEqual({ at: 1 });
    expect(skipped).toEqual([`${damaged}:2`]);
    const statements = seen.filter((text) => text.includes('ORDER BY sequence_nr DESC')).length;
    // 32 loads: shared first pages, then the large snapshot and the one behind the damaged one on their own.
    expect(statements).toBeLessThan(12);
    await store.close();
  });
});
