/**
 * Global ordering: a reader polling by ordering never skips an event whose transaction
 * commits late, and appends NOTIFY listeners.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Serialization } from '../../src/index.js';
import { JOURNAL_LOCK_CLASS, type OrderedEvent, PostgresJournal } from '../../src/postgres/index.js';
import { atomicWrite } from '../../src/tck/index.js';
import { eventually, useSchema } from './support.js';

const pg = useSchema('ordering');
const id = (label: string) => `${label}-${randomUUID()}`;

/** The journal's own insert, run by hand on a connection so the test decides when it commits. */
async function beginManualAppend(client: import('pg').PoolClient, schema: string, pid: string): Promise<number> {
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))', [JOURNAL_LOCK_CLASS, schema]);
  await client.query(`INSERT INTO "${schema}".memento_journal_streams VALUES ($1, 1)`, [pid]);
  // A valid envelope for this row's own place (a payload borrowed from another row would be refused).
  const payload = Buffer.from(new Serialization().serialize('manual', { persistenceId: pid, sequenceNr: 1, what: 'event' }));
  const { rows } = await client.query(
    `INSERT INTO "${schema}".memento_journal (persistence_id, sequence_nr, timestamp_ms, payload, write_id) VALUES ($1, 1, 0, $2, gen_random_uuid()) RETURNING ordering`,
    [pid, payload],
  );
  return Number(rows[0].ordering);
}

describe('PostgresJournal global ordering', () => {
  it('shows why a plain "ordering > checkpoint" poll is unsafe without the lock', async () => {
    const [early, late] = [await pg.pool.connect(), await pg.pool.connect()];
    try {
      await early.query('BEGIN');
      const low = Number(
        (await early.query(`SELECT nextval(pg_get_serial_sequence('"${pg.schema}".memento_journal', 'ordering')) AS n`)).rows[0].n,
      );
      await late.query('BEGIN');
      const high = Number(
        (await late.query(`SELECT nextval(pg_get_serial_sequence('"${pg.schema}".memento_journal', 'ordering')) AS n`)).rows[0].n,
      );
      await late.query('COMMIT');
      // The higher number is final while the lower one is still in flight: identity values
      // are allocated, not committed, in order.
      expect(high).toBeGreaterThan(low);
      await early.query('COMMIT');
    } finally {
      early.release();
      late.release();
    }
  });

  it('never lets a reader skip an event whose lower ordering commits after a higher one was allocated', async () => {
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    const reader = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    expect(await journal.write([atomicWrite(id('seed'), 1)])).toEqual([undefined]);
    let checkpoint = (await reader.readByOrdering(0, 1_000_000)).at(-1)?.ordering ?? 0;
    const seen: OrderedEvent[] = [];
    const poll = async () => {
      const page = await reader.readByOrdering(checkpoint, 100);
      seen.push(...page);
      checkpoint = page.at(-1)?.ordering ?? checkpoint;
    };

    const slow = await pg.pool.connect();
    const slowId = id('slow');
    const fastId = id('fast');
    try {
      // Connection 1 allocates the lower ordering and does not commit yet.
      const low = await beginManualAppend(slow, pg.schema, slowId);
      // Connection 2 (the journal's own) appends meanwhile: it must wait, not commit a higher ordering first.
      const fast = journal.write([atomicWrite(fastId, 1)]);
      await eventually(async () => {
        const { rows } = await pg.pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event = 'advisory' AND starts_with(query, '/* memento:write:') AND strpos(query, $1) > 0`,
          [pg.schema],
        );
        return rows.length === 1;
      });
      await poll();
      expect(seen).toEqual([]);
      await slow.query('COMMIT');
      expect(await fast).toEqual([undefined]);
      await poll();
      expect(seen.map((e) => e.repr.persistenceId)).toEqual([slowId, fastId]);
      expect(seen[0]!.ordering).toBe(low);
      expect(seen[1]!.ordering).toBeGreaterThan(low);
    } finally {
      slow.release();
      await journal.close();
      await reader.close();
    }
  });

  it('reads every event exactly once, in order, while many writers append concurrently', async () => {
    const writers = Array.from({ length: 4 }, () => new PostgresJournal({ pool: pg.pool, schema: pg.schema }));
    const reader = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    let checkpoint = (await reader.readByOrdering(0, 1_000_000)).at(-1)?.ordering ?? 0;
    const ids = Array.from({ length: 20 }, (_, i) => id(`many-${i}`));
    const seen: OrderedEvent[] = [];
    let done = false;
    const polling = (async () => {
      while (!done) {
        const page = await reader.readByOrdering(checkpoint, 50);
        seen.push(...page);
        checkpoint = page.at(-1)?.ordering ?? checkpoint;
      }
    })();
    await Promise.all(
      ids.map(async (pid, index) => {
        const journal = writers[index % writers.length]!;
        for (let nr = 1; nr <= 25; nr++) expect(await journal.write([atomicWrite(pid, nr)])).toEqual([undefined]);
      }),
    );
    done = true;
    await polling;
    seen.push(...(await reader.readByOrdering(checkpoint, 10_000)));
    const mine = seen.filter((e) => ids.includes(e.repr.persistenceId));
    expect(mine).toHaveLength(20 * 25);
    expect(new Set(mine.map((e) => e.ordering)).size).toBe(mine.length);
    for (const pid of ids) {
      expect(mine.filter((e) => e.repr.persistenceId === pid).map((e) => e.repr.sequenceNr)).toEqual(
        Array.from({ length: 25 }, (_, i) => i + 1),
      );
    }
    await Promise.all([...writers, reader].map((j) => j.close()));
  });

  it('NOTIFYs listeners of this schema after each append', async () => {
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    const heard: number[] = [];
    const subscription = await journal.subscribe((n) => heard.push(n.ordering));
    try {
      expect(await journal.write([atomicWrite(id('notify'), 1, 2, 3)])).toEqual([undefined]);
      await eventually(async () => heard.length > 0);
      const latest = await journal.readByOrdering(heard[0]! - 1, 10);
      expect(latest.map((e) => e.ordering)).toEqual([heard[0]]);
      expect(latest[0]!.repr.sequenceNr).toBe(3);
    } finally {
      await subscription.close();
      await journal.close();
    }
  });
});
