/**
 * Framed replay pages: SQLite reads a replay page as a range of sequence numbers and the
 * envelopes frame the events; a page that does not prove itself whole and in order is read
 * packed instead. These tests check that every such page replays exactly as a packed page
 * would: gaps, envelopes without a place or with a damaged length, optional columns.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import type { PersistentRepr } from '../../src/core/persistent-repr.js';
import { Serialization } from '../../src/serialization/serialization.js';
import { SqliteJournal } from '../../src/sqlite/index.js';
import { collect, removeTempDirs, tempFile, withDatabase } from './helpers.js';

afterAll(removeTempDirs);

const ID = 'f"1\'';

const events = (count: number, fields: (sequenceNr: number) => Partial<PersistentRepr> = () => ({})): PersistentRepr[] =>
  Array.from({ length: count }, (_, index) => ({
    persistenceId: ID,
    sequenceNr: index + 1,
    timestamp: 1_700_000_000_000 + index * 7,
    event: { n: index + 1 },
    ...fields(index + 1),
  }));

async function withJournal(pageSize: number, work: (journal: SqliteJournal, file: string) => Promise<void>): Promise<void> {
  const file = tempFile('framed');
  const journal = new SqliteJournal(file, { replayPageSize: pageSize });
  try {
    await work(journal, file);
  } finally {
    await journal.close();
  }
}

const replayAll = (journal: SqliteJournal, from = 1, to = Number.POSITIVE_INFINITY, max?: number) =>
  collect(journal.replay(ID, from, to, max));

describe('SqliteJournal framed replay pages', () => {
  it('replays every event with its columns, for any page size and bounds', async () => {
    const written = events(23, (nr) => ({
      // ASCII and not: a framed page parses an ASCII event from its latin1 text, any other from UTF-8.
      event: { n: nr, text: nr % 3 === 0 ? `é€😀\u0000${nr}` : `plain ${nr}` },
      ...(nr % 5 === 0 ? { manifest: 'm', tags: ['t"a', 'é'] } : {}),
      ...(nr % 7 === 0 ? { writerId: 'w', metadata: { at: nr } } : {}),
    }));
    for (const pageSize of [1, 2, 4, 23, 100]) {
      await withJournal(pageSize, async (journal) => {
        expect(await journal.write([{ persistenceId: ID, events: written }])).toEqual([undefined]);
        expect(await replayAll(journal)).toEqual(written);
        expect(await replayAll(journal, 4, 17)).toEqual(written.slice(3, 17));
        expect(await replayAll(journal, 3, Number.POSITIVE_INFINITY, 9)).toEqual(written.slice(2, 11));
        expect(await replayAll(journal, 24)).toEqual([]);
      });
    }
  });

  it('replays the rows around a gap in the middle of a page, and after it', async () => {
    await withJournal(4, async (journal, file) => {
      const written = events(12);
      await journal.write([{ persistenceId: ID, events: written }]);
      withDatabase(file, (db) => db.prepare('DELETE FROM journal WHERE persistence_id = ? AND sequence_nr IN (6, 11)').run(ID));
      const expected = written.filter((event) => event.sequenceNr !== 6 && event.sequenceNr !== 11);
      expect(await replayAll(journal)).toEqual(expected);
      expect(await replayAll(journal, 5, 10)).toEqual(expected.filter((event) => event.sequenceNr >= 5 && event.sequenceNr <= 10));
    });
  });

  it('reads packed the pages whose envelopes carry no place (version 1, or written without one)', async () => {
    await withJournal(3, async (journal, file) => {
      const written = events(7);
      await journal.write([{ persistenceId: ID, events: written }]);
      const unbound = new Serialization();
      withDatabase(file, (db) => {
        const update = db.prepare('UPDATE journal SET payload = ? WHERE persistence_id = ? AND sequence_nr = ?');
        // The first page (read packed) is placed: framing is tried, and the second page fails it.
        for (const event of written.slice(4)) update.run(unbound.serialize(event.event), ID, event.sequenceNr);
      });
      expect(await replayAll(journal)).toEqual(written);
    });
  });

  it('names the event whose envelope length is damaged, after yielding those before it', async () => {
    await withJournal(3, async (journal, file) => {
      await journal.write([{ persistenceId: ID, events: events(9) }]);
      withDatabase(file, (db) => {
        const { payload } = db.prepare('SELECT payload FROM journal WHERE persistence_id = ? AND sequence_nr = 5').get(ID) as {
          payload: Buffer;
        };
        const damaged = Buffer.from(payload);
        // The payload length field, the last four header bytes before the payload of a plain JSON event.
        const lengthLow = damaged.length - 4 - JSON.stringify({ n: 5 }).length - 1;
        damaged[lengthLow] = (damaged[lengthLow] as number) ^ 0x01;
        db.prepare('UPDATE journal SET payload = ? WHERE persistence_id = ? AND sequence_nr = 5').run(damaged, ID);
      });
      const seen: number[] = [];
      const replay = async () => {
        for await (const repr of journal.replay(ID, 1, Number.POSITIVE_INFINITY)) seen.push(repr.sequenceNr);
      };
      await expect(replay()).rejects.toSatisfy(
        (error) => isMementoError(error, ErrorCodes.corruptData) && /event 5 of "f\\"1'"/.test((error as Error).message),
      );
      expect(seen).toEqual([1, 2, 3, 4]);
    });
  });
});
