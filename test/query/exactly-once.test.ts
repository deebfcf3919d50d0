/**
 * Exactly-once projections: the handler's writes and the offset commit together in SQLite
 * and PostgreSQL, so a failure after the handler neither loses nor repeats an effect.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createReadJournal, type EventEnvelope, MemoryJournal, runProjection } from '../../src/index.js';
import { PostgresOffsetStore } from '../../src/postgres/index.js';
import { SqliteOffsetStore } from '../../src/sqlite/index.js';
import { useSchema } from '../postgres/support.js';
import { removeTempDirs, tempFile } from '../sqlite/helpers.js';

afterAll(removeTempDirs);

async function journalWith(count: number) {
  const journal = new MemoryJournal();
  await journal.write([
    {
      persistenceId: 'acct',
      events: Array.from({ length: count }, (_, index) => ({
        persistenceId: 'acct',
        sequenceNr: index + 1,
        event: { amount: index + 1 },
        timestamp: 1,
        tags: ['money'],
      })),
    },
  ]);
  return createReadJournal(journal);
}

const amount = (envelope: EventEnvelope) => (envelope.event as { amount: number }).amount;

describe('SqliteOffsetStore', () => {
  it('commits the handler writes and the offset together, and rolls both back on failure', async () => {
    const file = tempFile('exactly-once');
    const store = new SqliteOffsetStore(file);
    const queries = await journalWith(5);
    let failAt: number | undefined = 3;
    const run = () =>
      runProjection<{ db: import('../../src/sqlite/index.js').SqliteDatabase }>({
        name: 'totals',
        source: (offset) => queries.eventsByTag('money', offset),
        offsetStore: store,
        handler: (envelope, { transaction }) => {
          const db = transaction?.db;
          if (!db) throw new Error('expected a transaction');
          db.prepare('CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY, amount INTEGER)').run();
          db.prepare('INSERT INTO totals (id, amount) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET amount = amount + excluded.amount').run(
            amount(envelope),
          );
          // Fails after writing: the write must not survive.
          if (amount(envelope) === failAt) throw new Error('crash after the write');
        },
      }).done;
    await expect(run()).rejects.toThrow('crash after the write');
    failAt = undefined;
    await run();
    expect(await store.load('totals')).toEqual({ type: 'sequence', value: 5 });
    // 1+2 before the failure, 3+4+5 after: each exactly once.
    const { Database } = await import('../sqlite/helpers.js');
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT amount FROM totals').get()).toEqual({ amount: 15 });
    db.close();
    await store.close();
  });

  it('refuses an async handler rather than run part of it outside the transaction', async () => {
    const store = new SqliteOffsetStore(tempFile('exactly-once-async'));
    const queries = await journalWith(1);
    const done = runProjection({
      name: 'async',
      source: (offset) => queries.eventsByTag('money', offset),
      offsetStore: store,
      handler: async () => {},
    }).done;
    await expect(done).rejects.toThrow(/synchronous handler/);
    expect(await store.load('async')).toEqual({ type: 'none' });
    await store.close();
  });
});

describe('PostgresOffsetStore', () => {
  const pg = useSchema('offsets');

  it('commits the handler writes and the offset together, and rolls both back on failure', async () => {
    const store = new PostgresOffsetStore({ pool: pg.pool, schema: pg.schema });
    await pg.pool.query(`CREATE TABLE "${pg.schema}".totals (id int PRIMARY KEY, amount int NOT NULL)`);
    const queries = await journalWith(5);
    let failAt: number | undefined = 4;
    const run = () =>
      runProjection<import('../../src/postgres/index.js').PostgresProjectionTransaction>({
        name: 'totals',
        source: (offset) => queries.eventsByTag('money', offset),
        offsetStore: store,
        handler: async (envelope, { transaction }) => {
          await transaction?.client.query(
            `INSERT INTO "${pg.schema}".totals (id, amount) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET amount = totals.amount + excluded.amount`,
            [amount(envelope)],
          );
          if (amount(envelope) === failAt) throw new Error('crash after the write');
        },
      }).done;
    await expect(run()).rejects.toThrow('crash after the write');
    expect(await store.load('totals')).toEqual({ type: 'sequence', value: 3 });
    failAt = undefined;
    await run();
    expect(await store.load('totals')).toEqual({ type: 'sequence', value: 5 });
    const { rows } = await pg.pool.query(`SELECT amount FROM "${pg.schema}".totals`);
    expect(rows).toEqual([{ amount: 15 }]);
    await store.close();
  });
});
