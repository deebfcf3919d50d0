/**
 * The slow tier (`*.slow.test.ts`, run by `npm test`, not by `npm run test:fast`): a replay
 * page whose packed row would pass SQLite's 1 GB string limit. It writes and reads about a
 * gigabyte, so it takes seconds to minutes depending on the disk.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Serialization } from '../../src/serialization/serialization.js';
import { SqliteJournal } from '../../src/sqlite/index.js';
import { removeTempDirs, tempFile, withDatabase } from './helpers.js';

afterAll(removeTempDirs);

describe('SqliteJournal packed pages beyond SQLite string limit', () => {
  it('halves a first page that SQLite refuses as too big (over 1 GB) and replays every event', async () => {
    const file = tempFile('packed-toobig');
    const journal = new SqliteJournal(file);
    try {
      await journal.write([{ persistenceId: 'huge', events: [{ persistenceId: 'huge', sequenceNr: 1, timestamp: 1, event: 'seed' }] }]);
      // A first page holds 16 rows: 16 rows of 64 MB sum past SQLite's 1,000,000,000-byte
      // string limit; stored directly, all with one real envelope, because serializing a
      // gigabyte would only slow the test.
      const envelope = new Serialization({ compression: false }).serialize('y'.repeat(64_000_000));
      withDatabase(file, (db) => {
        const insert = db.prepare("INSERT INTO journal (persistence_id, sequence_nr, timestamp, payload) VALUES ('huge', ?, 1, ?)");
        db.exec('BEGIN');
        db.prepare("DELETE FROM journal WHERE persistence_id = 'huge'").run();
        for (let sequenceNr = 1; sequenceNr <= 16; sequenceNr++) insert.run(sequenceNr, envelope);
        db.exec('COMMIT');
      });
      let count = 0;
      for await (const repr of journal.replay('huge', 1, Number.POSITIVE_INFINITY)) {
        expect((repr.event as string).length).toBe(64_000_000);
        count++;
      }
      expect(count).toBe(16);
    } finally {
      await journal.close();
    }
  }, 120_000);
});
