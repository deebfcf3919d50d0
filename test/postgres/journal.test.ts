/**
 * PostgreSQL-specific journal behaviour: grouping, paging, conflicts between processes'
 * pools, the stored row format, pool ownership.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import type { OperationEvent } from '../../src/observability/hooks.js';
import { PostgresJournal } from '../../src/postgres/index.js';
import { JOURNAL_LOCK_CLASS } from '../../src/postgres/schema/journal/index.js';
import { atomicWrite, collect, event } from '../../src/tck/index.js';
import { connect, PG_URL, spyPool, useSchema, watchedPool } from './support.js';

const pg = useSchema('journal');
const id = (label: string) => `${label}-${randomUUID()}`;

describe('PostgresJournal', () => {
  it('groups concurrent writes into one statement and keeps each write all-or-nothing', async () => {
    const operations: OperationEvent[] = [];
    const seen: string[] = [];
    const journal = new PostgresJournal({
      pool: spyPool(pg.pool, seen),
      schema: pg.schema,
      hooks: { onOperation: (e) => operations.push(e) },
    });
    const ids = Array.from({ length: 50 }, (_, index) => id(`group-${index}`));
    const results = await Promise.all(ids.map((pid) => journal.write([atomicWrite(pid, 1, 2)])));
    expect(results.flat()).toEqual(ids.map(() => undefined));
    // 50 calls issued in one tick went out as one statement.
    expect(seen.filter((text) => text.startsWith('/* memento:write:'))).toHaveLength(1);
    // A conflicting write in the middle of a group fails alone.
    const mixed = await Promise.all([
      journal.write([atomicWrite(ids[0]!, 3)]),
      journal.write([atomicWrite(ids[1]!, 2)]),
      journal.write([atomicWrite(ids[2]!, 5)]),
      journal.write([atomicWrite(ids[3]!, 3, 4)]),
    ]);
    expect(mixed[0]).toEqual([undefined]);
    expect(isMementoError(mixed[1]![0], ErrorCodes.concurrency)).toBe(true);
    expect(mixed[1]![0]).toMatchObject({ persistenceId: ids[1], expected: 3, actual: 2, source: 'postgres' });
    expect((mixed[1]![0] as Error).message).toContain('already written');
    expect(mixed[2]![0]).toMatchObject({ expected: 3, actual: 5 });
    expect((mixed[2]![0] as Error).message).toContain('gap');
    expect(mixed[3]).toEqual([undefined]);
    expect(await journal.highestSequenceNr(ids[3]!)).toBe(4);
    expect(operations.filter((e) => e.operation === 'journal.write')).toHaveLength(54);
    await journal.close();
  });

  it("sends one call's consecutive writes of an id in one statement, and answers a rejected run write by write", async () => {
    const seen: string[] = [];
    const journal = new PostgresJournal({ pool: spyPool(pg.pool, seen), schema: pg.schema });
    const statements = () => seen.filter((text) => text.startsWith('/* memento:write:')).length;
    const [a, b] = [id('run-a'), id('run-b')];
    const writes = (pid: string, from: number) => Array.from({ length: 20 }, (_, i) => atomicWrite(pid, from + 2 * i, from + 2 * i + 1));
    const results = await Promise.all([journal.write(writes(a, 1)), journal.write(writes(b, 1))]);
    expect(results.flat()).toEqual(Array.from({ length: 40 }, () => undefined));
    expect(statements()).toBe(1);
    expect(await journal.highestSequenceNr(a)).toBe(40);
    // The first write repeats stored numbers: the run is rejected, then each write is answered on its own.
    const before = statements();
    const [again] = await journal.write([atomicWrite(a, 40, 41), atomicWrite(a, 42)]);
    expect(statements() - before).toBe(3);
    expect(isMementoError(again, ErrorCodes.concurrency)).toBe(true);
    expect(await journal.highestSequenceNr(a)).toBe(40);
    const mixed = await journal.write([atomicWrite(b, 40, 41), atomicWrite(b, 41, 42)]);
    expect(isMementoError(mixed[0], ErrorCodes.concurrency)).toBe(true);
    expect(mixed[1]).toBeUndefined();
    expect((await collect(journal.replay(b, 39, Number.POSITIVE_INFINITY))).map((r) => r.sequenceNr)).toEqual([39, 40, 41, 42]);
    await journal.close();
  });

  it('lets exactly one of two journals on separate pools win the same sequence number', async () => {
    const other = await connect(4);
    const a = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    const b = new PostgresJournal({ pool: other, schema: pg.schema });
    try {
      for (let round = 0; round < 20; round++) {
        const pid = id('race');
        const [ra, rb] = await Promise.all([a.write([atomicWrite(pid, 1, 2)]), b.write([atomicWrite(pid, 1)])]);
        const outcomes = [ra[0], rb[0]];
        expect(outcomes.filter((r) => r === undefined)).toHaveLength(1);
        expect(outcomes.filter((r) => isMementoError(r, ErrorCodes.concurrency))).toHaveLength(1);
        const winner = ra[0] === undefined ? 2 : 1;
        expect(await a.highestSequenceNr(pid)).toBe(winner);
        expect((await collect(b.replay(pid, 1, Number.POSITIVE_INFINITY))).map((r) => r.sequenceNr)).toEqual(winner === 2 ? [1, 2] : [1]);
      }
    } finally {
      await a.close();
      await b.close();
      await other.end();
    }
  });

  it('turns a duplicate key written around the journal into ConcurrencyError, not a pg error', async () => {
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    const pid = id('around');
    expect(await journal.write([atomicWrite(pid, 1)])).toEqual([undefined]);
    // Someone inserted event 2 directly, without advancing the per-id highest.
    await pg.pool.query(
      `INSERT INTO "${pg.schema}".memento_journal (persistence_id, sequence_nr, timestamp_ms, payload, write_id) SELECT persistence_id, 2, timestamp_ms, payload, gen_random_uuid() FROM "${pg.schema}".memento_journal WHERE persistence_id = $1`,
      [pid],
    );
    const other = id('bystander');
    const [dup, fine] = await Promise.all([journal.write([atomicWrite(pid, 2)]), journal.write([atomicWrite(other, 1)])]);
    expect(isMementoError(dup[0], ErrorCodes.concurrency)).toBe(true);
    expect(dup[0]).toMatchObject({ persistenceId: pid, expected: 3, actual: 2 });
    expect(fine).toEqual([undefined]);
    await journal.close();
  });

  it('pages replays by keyset, never asking for more than a page', async () => {
    const queries: string[] = [];
    const journal = new PostgresJournal({ pool: spyPool(pg.pool, queries), schema: pg.schema, replayPageSize: 7 });
    const pid = id('pages');
    expect(await journal.write([atomicWrite(pid, ...Array.from({ length: 50 }, (_, i) => i + 1))])).toEqual([undefined]);
    queries.length = 0;
    const all = await collect(journal.replay(pid, 1, Number.POSITIVE_INFINITY));
    expect(all.map((r) => r.sequenceNr)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(queries.filter((q) => q.includes(') AS start'))).toHaveLength(8);
    queries.length = 0;
    expect((await collect(journal.replay(pid, 10, 40, 9))).map((r) => r.sequenceNr)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(queries).toHaveLength(2);
    // Pages also stop at a byte budget, always carrying at least one event.
    queries.length = 0;
    const small = new PostgresJournal({ pool: spyPool(pg.pool, queries), schema: pg.schema, replayPageBytes: 300 });
    expect((await collect(small.replay(pid, 1, Number.POSITIVE_INFINITY))).map((r) => r.sequenceNr)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(queries.length).toBeGreaterThan(2);
    queries.length = 0;
    const tiny = new PostgresJournal({ pool: spyPool(pg.pool, queries), schema: pg.schema, replayPageBytes: 1 });
    expect((await collect(tiny.replay(pid, 45, 50))).map((r) => r.sequenceNr)).toEqual([45, 46, 47, 48, 49, 50]);
    expect(queries).toHaveLength(6); // one event per page; the last one reaches `to`, so no empty page is asked for
    await Promise.all([small.close(), tiny.close()]);
    // Stopping early does not leave a failed prefetch behind.
    for await (const repr of journal.replay(pid, 1, Number.POSITIVE_INFINITY)) if (repr.sequenceNr === 3) break;
    await journal.close();
  });

  it('reads one page ahead of a slow consumer and no further, and hands it every page in turn', async () => {
    const queries: string[] = [];
    const spy = spyPool(pg.pool, queries);
    let answered = 0;
    let wake: (() => void) | undefined;
    // A page's COPY is a submittable on a pooled client: it has answered once pg hands it ReadyForQuery.
    const pool = {
      ...spy,
      connect: async () => {
        const client = await spy.connect();
        return {
          ...client,
          query: <R>(text: unknown, values?: unknown[]) => {
            if (typeof text !== 'string') {
              const copy = text as { handleReadyForQuery(): void };
              const ready = copy.handleReadyForQuery.bind(copy);
              copy.handleReadyForQuery = () => {
                ready();
                answered++;
                wake?.();
              };
            }
            return client.query<R>(text as string, values);
          },
        };
      },
    };
    const untilAnswered = async (count: number) => {
      while (answered < count) await new Promise<void>((resolve) => (wake = resolve));
    };
    const journal = new PostgresJournal({ pool, schema: pg.schema, replayPageSize: 7 });
    const pid = id('slow-consumer');
    expect(await journal.write([atomicWrite(pid, ...Array.from({ length: 30 }, (_, i) => i + 1))])).toEqual([undefined]);
    answered = 0;
    queries.length = 0;
    const seen: number[] = [];
    const answeredWhileHeld: number[] = [];
    for await (const repr of journal.replay(pid, 1, Number.POSITIVE_INFINITY)) {
      if (repr.sequenceNr === 1) {
        // Holds the first page until the second page's query has answered, then a while longer:
        // a third page's query would start only when the consumer takes the second page.
        await untilAnswered(2);
        for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
        answeredWhileHeld.push(answered, queries.filter((text) => text.includes('COPY')).length);
      }
      seen.push(repr.sequenceNr);
    }
    expect(answeredWhileHeld).toEqual([2, 2]);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await journal.close();
  });

  it('stops a page before a row over its share of the byte budget, and carries that row first in the next page', async () => {
    const queries: string[] = [];
    const journal = new PostgresJournal({ pool: spyPool(pg.pool, queries), schema: pg.schema, replayPageSize: 10, replayPageBytes: 4000 });
    const pid = id('mixed-sizes');
    const sizes = [10, 10, 3000, 10, 10, 10, 5000, 10, 10, 10, 10, 10];
    const events = sizes.map((size, i) => event(pid, i + 1, { text: 'x'.repeat(size) }));
    expect(await journal.write([{ persistenceId: pid, events }])).toEqual([undefined]);
    queries.length = 0;
    const replayed = await collect(journal.replay(pid, 1, Number.POSITIVE_INFINITY));
    expect(replayed.map((r) => r.sequenceNr)).toEqual(sizes.map((_, i) => i + 1));
    expect(replayed.map((r) => (r.event as { text: string }).text.length)).toEqual(sizes);
    // Cut before event 3 (over 400 bytes, a tenth of the budget) and again before event 7.
    expect(queries.length).toBeGreaterThanOrEqual(3);
    await journal.close();
  });

  it('stores payloads as bytea envelopes and writes larger-than-one-statement writes in one transaction', async () => {
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    const pid = id('large');
    const count = 12_000;
    const events = Array.from({ length: count }, (_, i) => event(pid, i + 1, { n: i + 1 }));
    expect(await journal.write([{ persistenceId: pid, events }])).toEqual([undefined]);
    expect(await journal.highestSequenceNr(pid)).toBe(count);
    const { rows } = await pg.pool.query(
      `SELECT count(DISTINCT write_id)::int AS writes, count(*)::int AS events, min(get_byte(payload, 0)) AS m FROM "${pg.schema}".memento_journal WHERE persistence_id = $1`,
      [pid],
    );
    expect(rows[0]).toEqual({ writes: 1, events: count, m: 0x4d });
    const replayed = await collect(journal.replay(pid, 11_990, Number.POSITIVE_INFINITY));
    expect(replayed.map((r) => r.event)).toEqual(Array.from({ length: 11 }, (_, i) => ({ n: 11_990 + i })));
    // The same large write again conflicts as a whole.
    const [again] = await journal.write([{ persistenceId: pid, events }]);
    expect(isMementoError(again, ErrorCodes.concurrency)).toBe(true);
    await journal.close();
  });

  it('cuts each payload of a batch out of the packed payloads, around a rejected write', async () => {
    const seen: string[] = [];
    const journal = new PostgresJournal({ pool: spyPool(pg.pool, seen), schema: pg.schema });
    const sizes = [1, 70_000, 3, 0, 5000];
    const ids = sizes.map((_, index) => id(`packed-${index}`));
    const payload = (size: number, nr: number) => ({ nr, text: 'é€'.repeat(size) });
    const writes = ids.map((pid, index) => ({
      persistenceId: pid,
      // The third write starts at 2: rejected, its payloads sit between accepted ones.
      events: [1, 2].map((nr) => event(pid, index === 2 ? nr + 1 : nr, payload(sizes[index]! + nr, nr))),
    }));
    const results = await Promise.all(writes.map((write) => journal.write([write])));
    expect(seen.filter((text) => text.startsWith('/* memento:write:'))).toHaveLength(1);
    expect(results.map(([r]) => r === undefined)).toEqual([true, true, false, true, true]);
    for (const [index, pid] of ids.entries()) {
      const replayed = (await collect(journal.replay(pid, 1, Number.POSITIVE_INFINITY))).map((r) => r.event);
      expect(replayed).toEqual(index === 2 ? [] : [payload(sizes[index]! + 1, 1), payload(sizes[index]! + 2, 2)]);
    }
    await journal.close();
  });

  it('builds and ends its own pool from a connection string, but never ends an injected one', async () => {
    const owned = new PostgresJournal({ connectionString: PG_URL, schema: pg.schema });
    const pid = id('owned');
    expect(await owned.write([atomicWrite(pid, 1)])).toEqual([undefined]);
    await owned.close();
    await expect(owned.highestSequenceNr(pid)).rejects.toSatisfy((error) => isMementoError(error, ErrorCodes.storeClosed));
    const shared = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    await shared.close();
    expect(await pg.pool.query('SELECT 1 AS one')).toMatchObject({ rows: [{ one: 1 }] });
  });

  it('sends up to maxWritesInFlight statements at once, but never two writes of one id', async () => {
    // The ids of every append statement, as sent.
    const sent: string[][] = [];
    const pool = watchedPool(pg.pool, (statement, values) => {
      // The ids travel as a text[] literal of quoted strings: `{"a","b"}`.
      if (typeof statement === 'string' && statement.startsWith('/* memento:write:'))
        sent.push(JSON.parse(`[${String(values?.[2]).slice(1, -1)}]`) as string[]);
    });
    const journal = new PostgresJournal({ pool, schema: pg.schema, maxWritesInFlight: 2 });
    const [a, b, c] = [id('flight-a'), id('flight-b'), id('flight-c')];
    const waitingOnLock = async (count: number) => {
      for (;;) {
        const { rows } = await pg.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND position($1 in query) > 0`,
          [`"${pg.schema}".memento_append`],
        );
        if (rows[0]!.n >= count) return;
      }
    };
    const turns = async (count: number) => {
      for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
    };
    // Holding the journal lock from outside keeps every append statement waiting on it.
    const holder = await pg.pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1::int, hashtext($2::text))', [JOURNAL_LOCK_CLASS, pg.schema]);
      const first = journal.write([atomicWrite(a, 1)]);
      await waitingOnLock(1);
      // a's next write waits for its first; b goes out beside it; c waits for a free slot.
      const second = journal.write([atomicWrite(a, 2)]);
      const other = journal.write([atomicWrite(b, 1)]);
      await waitingOnLock(2);
      const third = journal.write([atomicWrite(c, 1)]);
      await turns(10);
      expect(sent).toEqual([[a], [b]]);
      await holder.query('SELECT pg_advisory_unlock($1::int, hashtext($2::text))', [JOURNAL_LOCK_CLASS, pg.schema]);
      expect(await Promise.all([first, second, other, third])).toEqual([[undefined], [undefined], [undefined], [undefined]]);
    } finally {
      // Destroyed, not returned: a failed check could leave its session lock held.
      holder.release(true);
    }
    expect(sent.slice(2).flat().sort()).toEqual([a, c].sort());
    expect((await collect(journal.replay(a, 1, Number.POSITIVE_INFINITY))).map((r) => r.sequenceNr)).toEqual([1, 2]);
    await journal.close();
  });

  it('locks the streams rows of a batch before waiting for the journal lock, so only ordering allocation to commit is serialized', async () => {
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    const pid = id('late-lock');
    expect(await journal.write([atomicWrite(pid, 1)])).toEqual([undefined]);
    const holder = await pg.pool.connect();
    const probe = await pg.pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1::int, hashtext($2::text))', [JOURNAL_LOCK_CLASS, pg.schema]);
      const written = journal.write([atomicWrite(pid, 2)]);
      for (;;) {
        const { rows } = await pg.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'advisory' AND position($1 in query) > 0`,
          [`"${pg.schema}".memento_append`],
        );
        if (rows[0]!.n > 0) break;
      }
      // The waiting statement already holds its id's streams row.
      await expect(
        probe.query(`SELECT 1 FROM "${pg.schema}".memento_journal_streams WHERE persistence_id = $1 FOR UPDATE NOWAIT`, [pid]),
      ).rejects.toMatchObject({ code: '55P03' });
      await holder.query('SELECT pg_advisory_unlock($1::int, hashtext($2::text))', [JOURNAL_LOCK_CLASS, pg.schema]);
      expect(await written).toEqual([undefined]);
    } finally {
      probe.release();
      holder.release(true);
    }
    expect(await journal.highestSequenceNr(pid)).toBe(2);
    await journal.close();
  });

  it('answers writes queued before close', async () => {
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    const pid = id('closing');
    const pending = journal.write([atomicWrite(pid, 1)]);
    await journal.close();
    expect(await pending).toEqual([undefined]);
  });
});
