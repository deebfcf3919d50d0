/**
 * Replay pages read as binary COPY: ids that need quoting in a statement without parameters,
 * optional columns, damaged streams, and pools whose clients take only query text.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { CopyReplayPage } from '../../src/postgres/copy-page.js';
import { PostgresJournal } from '../../src/postgres/index.js';
import { Serialization } from '../../src/serialization/serialization.js';
import { collect, event } from '../../src/tck/index.js';
import { useSchema, watchedPool } from './support.js';

const pg = useSchema('copy_replay');

describe('PostgresJournal replay through COPY', () => {
  it('replays ids with quotes and backslashes, with every optional column', async () => {
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    for (const pid of [`it's-${randomUUID()}`, `back\\slash'\\'-${randomUUID()}`, `ünï—${randomUUID()}`]) {
      const events = [
        { ...event(pid, 1, { n: 1 }), manifest: 'm1', tags: ['a', 'b'], writerId: 'w', metadata: { trace: 't' } },
        event(pid, 2, { n: 2 }),
      ];
      expect(await journal.write([{ persistenceId: pid, events }])).toEqual([undefined]);
      const replayed = await collect(journal.replay(pid, 1, Number.POSITIVE_INFINITY));
      expect(replayed).toEqual([
        {
          persistenceId: pid,
          sequenceNr: 1,
          timestamp: events[0]!.timestamp,
          event: { n: 1 },
          manifest: 'm1',
          tags: ['a', 'b'],
          writerId: 'w',
          metadata: { trace: 't' },
        },
        { persistenceId: pid, sequenceNr: 2, timestamp: events[1]!.timestamp, event: { n: 2 } },
      ]);
    }
    await journal.close();
  });

  it('reads the packed text rows through a pool whose clients take only query text', async () => {
    let texts = 0;
    const pool = watchedPool(pg.pool, (statement) => {
      if (typeof statement !== 'string') throw new TypeError('expected query text');
      texts++;
    });
    const journal = new PostgresJournal({ pool, schema: pg.schema, replayPageSize: 3 });
    const pid = `text-only-${randomUUID()}`;
    expect(await journal.write([{ persistenceId: pid, events: [1, 2, 3, 4, 5].map((n) => event(pid, n, { n })) }])).toEqual([undefined]);
    const replayed = await collect(journal.replay(pid, 2, Number.POSITIVE_INFINITY));
    expect(replayed.map((r) => r.event)).toEqual([{ n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    expect(texts).toBeGreaterThan(0);
    await journal.close();
  });

  it('fails a damaged or truncated COPY page as corrupt, naming the id', async () => {
    const serialization = new Serialization();
    const header = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
    const int8 = (value: number) => {
      const bytes = Buffer.alloc(8);
      bytes.writeBigInt64BE(BigInt(value));
      return bytes;
    };
    const field = (bytes: Buffer | null) => {
      const length = Buffer.alloc(4);
      length.writeInt32BE(bytes === null ? -1 : bytes.length);
      return bytes === null ? length : Buffer.concat([length, bytes]);
    };
    const row = (sequenceNr: number) =>
      Buffer.concat([
        Buffer.from([0, 8]),
        field(int8(sequenceNr)),
        field(int8(0)),
        field(Buffer.from(serialization.serialize({ n: sequenceNr }, { persistenceId: 'p', sequenceNr, what: 'event' }))),
        ...[null, null, null, null, null].map(field),
      ]);
    const trailer = Buffer.from([0xff, 0xff]);
    const good = Buffer.concat([header, row(1), row(2), trailer]);
    expect(new CopyReplayPage(good, 'p', serialization).item(1)).toMatchObject({ sequenceNr: 2, event: { n: 2 } });
    const damaged = [
      good.subarray(0, good.length - 1),
      Buffer.concat([header, row(2), row(1), trailer]),
      Buffer.concat([header, row(1), row(1), trailer]),
      Buffer.concat([Buffer.from('XGCOPY'), good.subarray(6)]),
      Buffer.concat([good, Buffer.from([0])]),
    ];
    for (const bytes of damaged) {
      expect(() => new CopyReplayPage(bytes, 'p', serialization)).toThrow(
        expect.toSatisfy((error) => isMementoError(error, ErrorCodes.corruptData) && error.persistenceId === 'p'),
      );
    }
  });
});
