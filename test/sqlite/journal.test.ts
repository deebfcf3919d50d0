import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import type { OperationEvent } from '../../src/observability/hooks.js';
import type { SqliteDatabase, SqliteStatement } from '../../src/sqlite/client.js';
import { SqliteJournal, type SqliteJournalOptions, type SqliteTarget } from '../../src/sqlite/index.js';
import { atomicWrite, collect, Database, event, removeTempDirs, tempFile, withDatabase } from './helpers.js';

afterAll(removeTempDirs);

const open: SqliteJournal[] = [];
const journal = (target: SqliteTarget, options?: SqliteJournalOptions) => {
  const created = new SqliteJournal(target, options);
  open.push(created);
  return created;
};
afterEach(async () => {
  for (const created of open.splice(0)) await created.close();
});

const sequenceNrs = (events: readonly { sequenceNr: number }[]) => events.map((repr) => repr.sequenceNr);

/** A real Database whose `BEGIN IMMEDIATE` runs are counted: one per transaction the journal opens. */
function countingTransactions(file: string): { db: SqliteDatabase; begins: () => number } {
  const db = new Database(file);
  let begins = 0;
  const prepare = db.prepare.bind(db);
  const counting = new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') {
        return (sql: string): SqliteStatement => {
          const statement = prepare(sql);
          if (sql !== 'BEGIN IMMEDIATE') return statement;
          const run = statement.run.bind(statement);
          return Object.assign(statement, {
            run: (...params: unknown[]) => {
              begins++;
              return run(...params);
            },
          });
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: counting, begins: () => begins };
}

describe('SqliteJournal', () => {
  it('keeps events across reopening the file', async () => {
    const file = tempFile();
    const first = new SqliteJournal(file);
    expect(await first.write([atomicWrite('a', 1, 3)])).toEqual([undefined]);
    await first.close();
    const second = journal(file);
    expect(sequenceNrs(await collect(second.replay('a', 1, Number.POSITIVE_INFINITY)))).toEqual([1, 2, 3]);
    expect(await second.highestSequenceNr('a')).toBe(3);
  });

  it('replays in pages, honouring from, to and max across page boundaries', async () => {
    const file = tempFile();
    const paged = journal(file, { replayPageSize: 3 });
    for (let first = 1; first <= 20; first += 4) expect(await paged.write([atomicWrite('p', first, 4)])).toEqual([undefined]);
    expect(sequenceNrs(await collect(paged.replay('p', 1, Number.POSITIVE_INFINITY)))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(sequenceNrs(await collect(paged.replay('p', 2, 17)))).toEqual(Array.from({ length: 16 }, (_, i) => i + 2));
    expect(sequenceNrs(await collect(paged.replay('p', 5, Number.POSITIVE_INFINITY, 7)))).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(sequenceNrs(await collect(paged.replay('p', 4, 6, 3)))).toEqual([4, 5, 6]);
    await paged.deleteTo('p', 10);
    expect(sequenceNrs(await collect(paged.replay('p', 1, 12)))).toEqual([11, 12]);
  });

  it('queries at most one page at a time during replay', async () => {
    const file = tempFile();
    const events: OperationEvent[] = [];
    const paged = journal(file, { replayPageSize: 2, hooks: { onOperation: (operation) => events.push(operation) } });
    await paged.write([atomicWrite('q', 1, 5)]);
    const iterator = paged.replay('q', 1, Number.POSITIVE_INFINITY)[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.sequenceNr).toBe(1);
    // Rows written after the first page was read show up: later pages are separate queries.
    await paged.write([atomicWrite('q', 6, 1)]);
    const rest: number[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value.sequenceNr);
    expect(rest).toEqual([2, 3, 4, 5, 6]);
    expect(events.find((operation) => operation.operation === 'journal.replay')?.count).toBe(6);
  });

  it('fails a replay with StoreClosedError when the store is closed between pages', async () => {
    const file = tempFile();
    const paged = new SqliteJournal(file, { replayPageSize: 2 });
    await paged.write([atomicWrite('c', 1, 5)]);
    const iterator = paged.replay('c', 1, Number.POSITIVE_INFINITY)[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    await paged.close();
    await expect(iterator.next()).rejects.toSatisfy((error) => isMementoError(error, ErrorCodes.storeClosed));
  });

  it('groups writes issued in the same tick into one transaction', async () => {
    const file = tempFile();
    const { db, begins } = countingTransactions(file);
    try {
      const grouped = journal(db);
      await grouped.ready();
      const before = begins();
      // 87 ids: their highest sequence numbers are recorded by statements of every chunk size (64 + 16 + 4 + 1 + 1 + 1).
      const results = await Promise.all(Array.from({ length: 87 }, (_, index) => grouped.write([atomicWrite(`g-${index}`, 1, 3)])));
      expect(results.flat()).toEqual(Array.from({ length: 87 }, () => undefined));
      expect(begins() - before).toBe(1);
      await grouped.write([atomicWrite('g-0', 4)]);
      expect(begins() - before).toBe(2);
      for (let index = 0; index < 87; index++) expect(await grouped.highestSequenceNr(`g-${index}`)).toBe(index === 0 ? 4 : 3);
    } finally {
      await Promise.all(open.splice(0).map((created) => created.close()));
      db.close();
    }
  });

  it('sees the highest sequence numbers other connections and other statements on its own connection wrote since its last group', async () => {
    const file = tempFile();
    const ours = journal(file);
    expect(await ours.write([atomicWrite('a', 1, 2)])).toEqual([undefined]);
    // Another process: its own connection to the file.
    const otherDb = new Database(file);
    try {
      expect(await journal(otherDb).write([atomicWrite('a', 3, 2)])).toEqual([undefined]);
    } finally {
      await Promise.all(open.splice(1).map((created) => created.close()));
      otherDb.close();
    }
    expect(await ours.write([atomicWrite('a', 5)])).toEqual([undefined]);
    const [stale] = await ours.write([atomicWrite('a', 5)]);
    expect(stale).toMatchObject({ code: ErrorCodes.concurrency, persistenceId: 'a', expected: 6, actual: 5 });

    // The application's own statements on the Database it handed to the journal.
    const db = new Database(tempFile());
    try {
      const shared = journal(db);
      expect(await shared.write([atomicWrite('b', 1)])).toEqual([undefined]);
      db.prepare("INSERT INTO journal (persistence_id, sequence_nr, timestamp, payload) VALUES ('b', 2, 0, x'00')").run();
      db.prepare("UPDATE journal_highest SET highest = 2 WHERE persistence_id = 'b'").run();
      expect(await shared.write([atomicWrite('b', 3)])).toEqual([undefined]);
      expect(await shared.highestSequenceNr('b')).toBe(3);
    } finally {
      await Promise.all(open.splice(1).map((created) => created.close()));
      db.close();
    }
  });

  it('rejects one write of a group without rolling back the others', async () => {
    const file = tempFile();
    const grouped = journal(file);
    await grouped.write([atomicWrite('x', 1, 2)]);
    const [ok, conflict, gap, other] = await Promise.all([
      grouped.write([atomicWrite('y', 1, 2)]),
      grouped.write([atomicWrite('x', 2, 2)]),
      grouped.write([atomicWrite('z', 2, 1)]),
      grouped.write([atomicWrite('x', 3, 2), atomicWrite('x', 5, 1)]),
    ]);
    expect(ok).toEqual([undefined]);
    expect(isMementoError(conflict?.[0], ErrorCodes.concurrency)).toBe(true);
    expect(conflict?.[0]).toMatchObject({ persistenceId: 'x', expected: 3, actual: 2, source: 'sqlite' });
    expect(gap?.[0]).toMatchObject({ code: ErrorCodes.concurrency, persistenceId: 'z', expected: 1, actual: 2 });
    expect(other).toEqual([undefined, undefined]);
    expect(sequenceNrs(await collect(grouped.replay('x', 1, Number.POSITIVE_INFINITY)))).toEqual([1, 2, 3, 4, 5]);
    expect(await grouped.highestSequenceNr('z')).toBe(0);
  });

  it('maps a unique violation to ConcurrencyError and leaves no part of the write', async () => {
    const file = tempFile();
    const writer = journal(file);
    await writer.ready();
    // Another writer stored event 2 without updating journal_highest (a hand-written row).
    withDatabase(file, (db) =>
      db.prepare("INSERT INTO journal (persistence_id, sequence_nr, timestamp, payload) VALUES ('u', 2, 0, x'00')").run(),
    );
    const [result] = await writer.write([atomicWrite('u', 1, 3)]);
    expect(result).toMatchObject({ code: ErrorCodes.concurrency, persistenceId: 'u', expected: 3, actual: 1 });
    expect(result?.message).toContain('[memento] [sqlite]');
    withDatabase(file, (db) => {
      expect(db.prepare("SELECT sequence_nr FROM journal WHERE persistence_id = 'u'").all()).toEqual([{ sequence_nr: 2 }]);
    });
    // The recorded highest (none) disagrees with the rows: reported, never answered as 0.
    await expect(writer.highestSequenceNr('u')).rejects.toMatchObject({
      code: ErrorCodes.corruptData,
      persistenceId: 'u',
      message: expect.stringMatching(/records highest sequence number 0 but holds rows up to event 2/),
    });
  });

  it('stores the other writes of a group when one of several writes gathered into one INSERT hits a duplicate key', async () => {
    const file = tempFile();
    const writer = journal(file);
    await writer.ready();
    withDatabase(file, (db) =>
      db.prepare("INSERT INTO journal (persistence_id, sequence_nr, timestamp, payload) VALUES ('dup', 2, 0, x'00')").run(),
    );
    // Issued in one turn: one group commit, whose short writes share one INSERT.
    const results = await Promise.all([
      writer.write([atomicWrite('before', 1, 2)]),
      writer.write([atomicWrite('dup', 1, 3), atomicWrite('same-call', 1)]),
      writer.write([atomicWrite('after', 1, 4)]),
    ]);
    expect(results[0]).toEqual([undefined]);
    expect(results[1]?.[0]).toMatchObject({ code: ErrorCodes.concurrency, persistenceId: 'dup' });
    expect(results[1]?.[1]).toBeUndefined();
    expect(results[2]).toEqual([undefined]);
    withDatabase(file, (db) => {
      expect(db.prepare("SELECT sequence_nr FROM journal WHERE persistence_id = 'dup'").all()).toEqual([{ sequence_nr: 2 }]);
    });
    expect(sequenceNrs(await collect(writer.replay('before', 1, 10)))).toEqual([1, 2]);
    expect(sequenceNrs(await collect(writer.replay('same-call', 1, 10)))).toEqual([1]);
    expect(sequenceNrs(await collect(writer.replay('after', 1, 10)))).toEqual([1, 2, 3, 4]);
    expect(await writer.highestSequenceNr('after')).toBe(4);
  });

  it('stores long tagged writes across several insert statements, and rolls a failing one back whole', async () => {
    const file = tempFile();
    const writer = journal(file);
    const long = (first: number, count: number) => ({
      persistenceId: 'long',
      events: Array.from({ length: count }, (_, index) => event('long', first + index, { tags: index % 3 === 0 ? ['third'] : undefined })),
    });
    expect(await writer.write([long(1, 40)])).toEqual([undefined]);
    // Event 75 already exists (written by hand): the 41..80 write fails in its third insert chunk.
    withDatabase(file, (db) =>
      db.prepare("INSERT INTO journal (persistence_id, sequence_nr, timestamp, payload) VALUES ('long', 75, 0, x'00')").run(),
    );
    const [conflict] = await writer.write([long(41, 40)]);
    expect(conflict).toMatchObject({ code: ErrorCodes.concurrency, persistenceId: 'long' });
    withDatabase(file, (db) => {
      expect(db.prepare("SELECT count(*) AS n FROM journal WHERE persistence_id = 'long'").get()).toEqual({ n: 41 });
      expect(db.prepare("SELECT count(*) AS n FROM event_tags WHERE tag = 'third'").get()).toEqual({ n: 14 });
      const tagged = db
        .prepare("SELECT j.sequence_nr FROM event_tags t JOIN journal j USING (ordering) WHERE t.tag = 'third' ORDER BY 1")
        .all();
      expect(tagged).toEqual(Array.from({ length: 14 }, (_, index) => ({ sequence_nr: 1 + index * 3 })));
    });
    expect(sequenceNrs(await collect(writer.replay('long', 1, 40)))).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
  });

  it('stores columns, tags and the global ordering as documented', async () => {
    const file = tempFile();
    const writer = journal(file);
    await writer.write([
      {
        persistenceId: 't',
        events: [
          event('t', 1, { tags: ['red', 'blue', 'red'], manifest: 'm.v1', writerId: 'w-1', metadata: { size: 2 } }),
          event('t', 2, { tags: ['blue'] }),
        ],
      },
    ]);
    await writer.write([{ persistenceId: 'other', events: [event('other', 1, { tags: ['red'] })] }]);
    withDatabase(file, (db) => {
      const rows = db
        .prepare(
          'SELECT ordering, persistence_id, sequence_nr, manifest, writer_id, tags, typeof(payload) AS payload, typeof(metadata) AS metadata FROM journal ORDER BY ordering',
        )
        .all();
      expect(rows).toEqual([
        {
          ordering: 1,
          persistence_id: 't',
          sequence_nr: 1,
          manifest: 'm.v1',
          writer_id: 'w-1',
          tags: '["red","blue","red"]',
          payload: 'blob',
          metadata: 'blob',
        },
        {
          ordering: 2,
          persistence_id: 't',
          sequence_nr: 2,
          manifest: null,
          writer_id: null,
          tags: '["blue"]',
          payload: 'blob',
          metadata: 'null',
        },
        {
          ordering: 3,
          persistence_id: 'other',
          sequence_nr: 1,
          manifest: null,
          writer_id: null,
          tags: '["red"]',
          payload: 'blob',
          metadata: 'null',
        },
      ]);
      expect(db.prepare('SELECT tag, ordering FROM event_tags ORDER BY tag, ordering').all()).toEqual([
        { tag: 'blue', ordering: 1 },
        { tag: 'blue', ordering: 2 },
        { tag: 'red', ordering: 1 },
        { tag: 'red', ordering: 3 },
      ]);
    });
    const [replayed] = await collect(writer.replay('t', 1, 1));
    expect(replayed?.tags).toEqual(['red', 'blue', 'red']);
    await writer.deleteTo('t', 1);
    withDatabase(file, (db) => {
      expect(db.prepare('SELECT tag, ordering FROM event_tags ORDER BY tag, ordering').all()).toEqual([
        { tag: 'blue', ordering: 2 },
        { tag: 'red', ordering: 3 },
      ]);
      expect(db.prepare("SELECT highest FROM journal_highest WHERE persistence_id = 't'").get()).toEqual({ highest: 2 });
    });
  });

  it('never reuses a global ordering after the newest events are deleted', async () => {
    const file = tempFile();
    const writer = journal(file);
    await writer.write([atomicWrite('o', 1, 3)]);
    await writer.deleteTo('o', 3);
    await writer.write([atomicWrite('o', 4)]);
    withDatabase(file, (db) => expect(db.prepare('SELECT ordering FROM journal').all()).toEqual([{ ordering: 4 }]));
  });

  it('commits writes still queued when closed', async () => {
    const file = tempFile();
    const writer = new SqliteJournal(file);
    const pending = writer.write([atomicWrite('q', 1, 2)]);
    await writer.close();
    expect(await pending).toEqual([undefined]);
    const reader = journal(file);
    expect(await reader.highestSequenceNr('q')).toBe(2);
  });

  it('reports write and replay timings through the hooks', async () => {
    const file = tempFile();
    const operations: OperationEvent[] = [];
    const writer = journal(file, { hooks: { onOperation: (operation) => operations.push(operation) } });
    await writer.write([atomicWrite('h', 1, 3), atomicWrite('h2', 1, 2)]);
    await collect(writer.replay('h', 1, Number.POSITIVE_INFINITY));
    expect(operations.map(({ operation, store, count }) => ({ operation, store, count }))).toEqual([
      { operation: 'journal.write', store: 'sqlite', count: 5 },
      { operation: 'journal.replay', store: 'sqlite', count: 3 },
    ]);
  });
});
