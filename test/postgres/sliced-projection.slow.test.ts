/**
 * A sliced projection on PostgreSQL: the PostgreSQL journal's eventsBySlices and the
 * transactional offset store, so each event's effect commits with its slice's offset
 * (exactly-once), through a failed handler and a change from 4 ranges to 8. Slow tier: one
 * transaction per event, for 60 entities written three times.
 */
import { describe, expect, it } from 'vitest';
import { createReadJournal, runProjection, type SliceRange, sliceRanges } from '../../src/index.js';
import { PostgresJournal, PostgresOffsetStore, type PostgresProjectionTransaction } from '../../src/postgres/index.js';
import { useSchema } from './support.js';

const pg = useSchema('sliced');

describe('postgres sliced projection', () => {
  it('handles every event exactly once across a failed handler and a change from 4 ranges to 8', async () => {
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    const offsets = new PostgresOffsetStore({ pool: pg.pool, schema: pg.schema });
    const queries = createReadJournal(journal, { pageSize: 10 });
    const table = `"${pg.schema}".handled`;
    await pg.pool.query(
      `CREATE TABLE ${table} (persistence_id text, sequence_nr int, times int, PRIMARY KEY (persistence_id, sequence_nr))`,
    );
    const ids = Array.from({ length: 60 }, (_, index) => `account|${index}`);
    const writeRound = (sequenceNr: number) =>
      journal.write(
        ids.map((persistenceId) => ({ persistenceId, events: [{ persistenceId, sequenceNr, event: sequenceNr, timestamp: 1 }] })),
      );
    let failAt: string | undefined = 'account|17:1';
    const run = (range: SliceRange) =>
      runProjection<PostgresProjectionTransaction>({
        name: 'handled',
        slices: { range, checkpointEvery: 20 },
        source: (offset) => queries.eventsBySlices('account', range.minSlice, range.maxSlice, offset),
        offsetStore: offsets,
        handler: async (envelope, { transaction }) => {
          await transaction?.client.query(
            `INSERT INTO ${table} VALUES ($1, $2, 1) ON CONFLICT (persistence_id, sequence_nr) DO UPDATE SET times = ${table}.times + 1`,
            [envelope.persistenceId, envelope.sequenceNr],
          );
          // After the write: the write must be rolled back with the offset.
          if (`${envelope.persistenceId}:${envelope.sequenceNr}` === failAt) throw new Error('crash after the write');
        },
      }).done;
    await writeRound(1);
    const first = await Promise.allSettled(sliceRanges(4).map(run));
    expect(first.filter((result) => result.status === 'rejected')).toHaveLength(1);
    failAt = undefined;
    await Promise.all(sliceRanges(4).map(run));
    await writeRound(2);
    await Promise.all(sliceRanges(8).map(run));
    await writeRound(3);
    await Promise.all(sliceRanges(2).map(run));
    const { rows } = await pg.pool.query<{ count: string; max: number; min: number }>(
      `SELECT count(*), max(times), min(times) FROM ${table}`,
    );
    expect(rows[0]).toEqual({ count: String(ids.length * 3), max: 1, min: 1 });
    await journal.close();
    await offsets.close();
  });
});
