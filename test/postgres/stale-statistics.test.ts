/**
 * The journal's per-id reads touch only the rows they return even when the table's
 * statistics predate the stream. PostgreSQL then estimates one row for the id, and planned
 * the replay page's `min()` as an aggregate over every later row of it: each page scanned
 * the rest of the history. Asserted on the rows the executed plans read (EXPLAIN ANALYZE),
 * not on time.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../src/postgres/copy-out.js';
import { tableNames } from '../../src/postgres/identifier.js';
import { PostgresJournal } from '../../src/postgres/index.js';
import {
  copyEventPageSql,
  highestSequenceNrBatchSql,
  highestSequenceNrSql,
  highestStoredEventSql,
  readEventPageSql,
} from '../../src/postgres/schema/journal/index.js';
import { event } from '../../src/tck/index.js';
import { useSchema } from './support.js';

const pg = useSchema('stale_stats');

const EVENTS = 3000;
const PAGE = 100;

interface PlanNode {
  readonly 'Relation Name'?: string;
  readonly 'Actual Rows': number;
  readonly 'Actual Loops': number;
  readonly Plans?: readonly PlanNode[];
}

/** Rows that the executed plan of `sql` read from `relation`, summed over every scan of it. */
async function rowsRead(sql: string, values: unknown[], relation: string): Promise<number> {
  const result = await pg.pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values);
  const plan = (result.rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
  const walk = (node: PlanNode): number =>
    (node['Relation Name'] === relation ? node['Actual Rows'] * node['Actual Loops'] : 0) +
    (node.Plans ?? []).reduce((sum, child) => sum + walk(child), 0);
  return walk(plan);
}

describe('PostgresJournal reads with statistics older than the stream', () => {
  const persistenceId = `stale-${randomUUID()}`;
  const journalTable = 'memento_journal';

  beforeAll(async () => {
    const journal = tableNames(pg.schema).journal;
    // Statistics of the table before the stream existed, and no autovacuum to refresh them.
    await pg.pool.query(`ALTER TABLE ${journal} SET (autovacuum_enabled = false)`);
    await pg.pool.query(`ANALYZE ${journal}`);
    const writer = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    for (let from = 1; from <= EVENTS; from += 500) {
      const events = Array.from({ length: 500 }, (_, index) => event(persistenceId, from + index, { n: from + index }));
      expect(await writer.write([{ persistenceId, events }])).toEqual([undefined]);
    }
    await writer.close();
  });

  it('reads one page of a replay by the rows of that page, not the rest of the history', async () => {
    const tables = tableNames(pg.schema);
    const bytesPerRow = 1024 * 1024;
    // The first page and one in the middle: both would scan every later row through min().
    for (const from of [1, EVENTS / 2]) {
      const copy = copyEventPageSql(tables, quoteLiteral(persistenceId), from, Number.MAX_SAFE_INTEGER, PAGE, bytesPerRow);
      const select = copy.replace(/^COPY \(/, '').replace(/\) TO STDOUT \(FORMAT binary\)$/, '');
      expect(select).not.toBe(copy);
      const copyRows = await rowsRead(select, [], journalTable);
      expect(copyRows, `COPY page from ${from}`).toBeGreaterThanOrEqual(PAGE);
      expect(copyRows, `COPY page from ${from}`).toBeLessThanOrEqual(2 * PAGE + 2);
      const packedRows = await rowsRead(
        readEventPageSql(tables),
        [persistenceId, from, Number.MAX_SAFE_INTEGER, PAGE, bytesPerRow],
        journalTable,
      );
      expect(packedRows, `packed page from ${from}`).toBeGreaterThanOrEqual(PAGE);
      expect(packedRows, `packed page from ${from}`).toBeLessThanOrEqual(2 * PAGE + 2);
    }
  });

  it('reads the highest stored sequence number from one row', async () => {
    const tables = tableNames(pg.schema);
    expect(await rowsRead(highestSequenceNrSql(tables), [persistenceId], journalTable)).toBe(1);
    expect(await rowsRead(highestSequenceNrBatchSql(tables), [[persistenceId]], journalTable)).toBe(1);
    expect(await rowsRead(highestStoredEventSql(tables), [persistenceId], journalTable)).toBe(1);
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    expect(await journal.highestSequenceNr(persistenceId)).toBe(EVENTS);
    await journal.close();
  });
});
