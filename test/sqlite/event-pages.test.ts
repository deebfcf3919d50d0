/**
 * Packed replay pages: SQLite concatenates a page's envelopes, the journal splits them
 * again. These tests check that the split gives back exactly what was written, whatever
 * the bytes, the optional columns and the page sizes, and that large events shrink pages.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import type { AtomicWrite, PersistentRepr } from '../../src/core/persistent-repr.js';
import { Serialization } from '../../src/serialization/serialization.js';
import type { Serializer } from '../../src/serialization/serializer.js';
import { PAGE_BUDGET_BYTES, PageSizer } from '../../src/sqlite/event-pages.js';
import { SqliteJournal } from '../../src/sqlite/index.js';
import { propertyRuns } from '../support/property-runs.js';
import { collect, Database, removeTempDirs, tempFile, withDatabase } from './helpers.js';

afterAll(removeTempDirs);

/** Stores Uint8Array values as they are: any byte (NUL, invalid UTF-8) reaches the table. */
const rawBytes: Serializer = {
  id: 'raw-bytes',
  manifest: () => 'bytes',
  toBinary: (value) => value as Uint8Array,
  fromBinary: (bytes) => Uint8Array.from(bytes),
};
const serialization = () =>
  new Serialization({ serializers: [rawBytes], serializerFor: (value) => (value instanceof Uint8Array ? 'raw-bytes' : undefined) });

const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const eventFields = fc.record({
  event: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.jsonValue({ maxDepth: 2 })),
  manifest: optional(fc.string({ minLength: 1, maxLength: 12 })),
  writerId: optional(fc.string({ minLength: 1, maxLength: 12 })),
  tags: optional(fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd"quote', 'é'), { minLength: 1, maxLength: 3 })),
  metadata: optional(fc.dictionary(fc.string({ maxLength: 5 }), fc.integer())),
});

/** What the journal should give back for an event as written (JSON drops -0 and undefined). */
const normalized = (repr: PersistentRepr) =>
  ({
    ...repr,
    // The serializer gives every value back exactly (-0 included), so the event is compared as written.
    event: repr.event,
    ...(repr.tags === undefined || repr.tags.length === 0 ? { tags: undefined } : {}),
  }) as PersistentRepr;
const comparable = (repr: PersistentRepr) => {
  const { tags, manifest, writerId, metadata, ...rest } = repr;
  return { ...rest, tags: tags ?? null, manifest: manifest ?? null, writerId: writerId ?? null, metadata: metadata ?? null };
};

describe('SqliteJournal packed pages', () => {
  it('replays and reads by ordering exactly what was written, for any bytes, columns and page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ id: fc.constantFrom('p-1', 'p|2', 'p é3'), events: fc.array(eventFields, { minLength: 1, maxLength: 6 }) }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 9 }),
        async (batches, pageSize, orderingLimit) => {
          const journal = new SqliteJournal(tempFile('packed'), { replayPageSize: pageSize, serialization: serialization() });
          try {
            const written = new Map<string, PersistentRepr[]>();
            const inOrder: PersistentRepr[] = [];
            for (const batch of batches) {
              const history = written.get(batch.id) ?? [];
              const events = batch.events.map((fields, index) => {
                const repr = {
                  persistenceId: batch.id,
                  sequenceNr: history.length + index + 1,
                  timestamp: 1_700_000_000_000 + index,
                };
                return Object.fromEntries(
                  Object.entries({ ...repr, ...fields }).filter(([, value]) => value !== undefined),
                ) as unknown as PersistentRepr;
              });
              const write: AtomicWrite = { persistenceId: batch.id, events };
              expect(await journal.write([write])).toEqual([undefined]);
              history.push(...events.map(normalized));
              inOrder.push(...events.map(normalized));
              written.set(batch.id, history);
            }
            for (const [id, history] of written) {
              const replayed = await collect(journal.replay(id, 1, Number.POSITIVE_INFINITY));
              expect(replayed.map(comparable)).toEqual(history.map(comparable));
            }
            const read: PersistentRepr[] = [];
            let after = 0;
            for (;;) {
              const page = await journal.readByOrdering(after, orderingLimit);
              read.push(...page.map((entry) => entry.repr));
              if (page.length < orderingLimit) break;
              after = (page[page.length - 1] as { ordering: number }).ordering;
            }
            expect(read.map(comparable)).toEqual(inOrder.map(comparable));
            const tagged = await journal.readByOrdering(0, 10_000, { tag: 'd"quote' });
            expect(tagged.map((entry) => comparable(entry.repr))).toEqual(
              inOrder.filter((repr) => repr.tags?.includes('d"quote')).map(comparable),
            );
          } finally {
            await journal.close();
          }
        },
      ),
      { numRuns: propertyRuns(40) },
    );
  });

  it('names the damaged event when one envelope of a page fails its checksum, after yielding those before it', async () => {
    const file = tempFile('packed-damage');
    const journal = new SqliteJournal(file);
    try {
      const events = Array.from({ length: 5 }, (_, index) => ({
        persistenceId: 'd',
        sequenceNr: index + 1,
        timestamp: 1,
        event: { n: index + 1 },
      }));
      await journal.write([{ persistenceId: 'd', events }]);
      withDatabase(file, (db) => {
        const { payload } = db.prepare("SELECT payload FROM journal WHERE persistence_id = 'd' AND sequence_nr = 3").get() as {
          payload: Buffer;
        };
        const damaged = Buffer.from(payload);
        damaged[damaged.length - 6] = (damaged[damaged.length - 6] as number) ^ 0xff;
        db.prepare("UPDATE journal SET payload = ? WHERE persistence_id = 'd' AND sequence_nr = 3").run(damaged);
      });
      const seen: number[] = [];
      const replay = async () => {
        for await (const repr of journal.replay('d', 1, Number.POSITIVE_INFINITY)) seen.push(repr.sequenceNr);
      };
      await expect(replay()).rejects.toSatisfy(
        (error) => isMementoError(error, ErrorCodes.corruptData) && /event 3 of "d"/.test((error as Error).message),
      );
      expect(seen).toEqual([1, 2]);
    } finally {
      await journal.close();
    }
  });

  it('sizes pages so a page of large events stays near the byte budget', () => {
    const sizer = new PageSizer(1000);
    expect(sizer.limit).toBe(16);
    sizer.record(16, 16 * 100);
    expect(sizer.limit).toBe(1000);
    sizer.record(10, 10 * 64 * 1024);
    expect(sizer.limit).toBe(PAGE_BUDGET_BYTES / (64 * 1024));
    sizer.record(1, 64 * 1024 * 1024);
    expect(sizer.limit).toBe(1);
    expect(sizer.shrink(Object.assign(new Error('string or blob too big'), { code: 'SQLITE_TOOBIG' }))).toBe(false);
  });

  it('replays a history of large events whole, in pages near the byte budget after the first', async () => {
    const db = new Database(tempFile('packed-large'));
    const pageRows: number[] = [];
    const prepare = db.prepare.bind(db);
    // Counts the rows each packed page query returns, through the real statement.
    const counting = new Proxy(db, {
      get(target, property) {
        if (property !== 'prepare') return Reflect.get(target, property, target);
        return (sql: string) => {
          const statement = prepare(sql);
          if (!sql.includes('group_concat(payload')) return statement;
          const get = statement.get.bind(statement);
          return Object.assign(statement, {
            get: (...params: unknown[]) => {
              const row = get(...params) as [number];
              pageRows.push(row[0]);
              return row;
            },
          });
        };
      },
    });
    const journal = new SqliteJournal(counting, { serialization: new Serialization({ compression: false }) });
    try {
      const large = 'x'.repeat(256 * 1024);
      for (let first = 1; first <= 200; first += 50) {
        const events = Array.from({ length: 50 }, (_, index) => ({
          persistenceId: 'big',
          sequenceNr: first + index,
          timestamp: 1,
          event: { n: first + index, large },
        }));
        expect(await journal.write([{ persistenceId: 'big', events }])).toEqual([undefined]);
      }
      const replayed = await collect(journal.replay('big', 1, Number.POSITIVE_INFINITY));
      expect(replayed.map((repr) => (repr.event as { n: number }).n)).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
      expect(replayed.every((repr) => (repr.event as { large: string }).large === large)).toBe(true);
      const [bytes] = db
        .prepare("SELECT sum(length(payload)) FROM journal WHERE persistence_id = 'big' AND sequence_nr <= 16")
        .raw(true)
        .get() as [number];
      const perPage = Math.floor(PAGE_BUDGET_BYTES / (bytes / 16));
      expect(perPage).toBeLessThan(16);
      // 16 rows before the size is known, then as many as fit the budget (3 here); a last
      // full page is followed by an empty one that ends the replay.
      const rest = 200 - 16;
      const full = Array.from({ length: Math.floor(rest / perPage) }, () => perPage);
      expect(pageRows).toEqual([16, ...full, rest % perPage]);
    } finally {
      await journal.close();
      db.close();
    }
  });
});
