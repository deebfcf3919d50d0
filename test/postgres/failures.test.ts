/**
 * Failures: a backend killed mid-append, a connection lost after COMMIT, statement
 * timeouts, an unreachable server, connections dropped by a server restart. Outcomes are
 * reported truthfully and reads are retried.
 */
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError, type MementoError } from '../../src/core/errors.js';
import { SnapshotMetadata } from '../../src/core/snapshot-metadata.js';
import { SnapshotSelectionCriteria } from '../../src/core/snapshot-selection-criteria.js';
import {
  JOURNAL_LOCK_CLASS,
  PostgresDurableStateStore,
  PostgresJournal,
  PostgresOffsetStore,
  PostgresSnapshotStore,
} from '../../src/postgres/index.js';
import { atomicWrite, collect } from '../../src/tck/index.js';
import { eventually, PG_URL, startProxy, urlVia, useSchema } from './support.js';

const pg = useSchema('failures');
const id = (label: string) => `${label}-${randomUUID()}`;
const unavailable = (error: unknown) => isMementoError(error, ErrorCodes.storeUnavailable);

/** Holds the journal's advisory lock on a connection of its own, so appends wait. */
async function holdJournalLock(): Promise<PoolClient> {
  const client = await pg.pool.connect();
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))', [JOURNAL_LOCK_CLASS, pg.schema]);
  return client;
}

/** The pid of this schema's append waiting for the lock. */
async function waitingAppend(): Promise<number> {
  let pid = 0;
  await eventually(async () => {
    const { rows } = await pg.pool.query(
      `SELECT pid FROM pg_stat_activity WHERE wait_event = 'advisory' AND starts_with(query, '/* memento:write:') AND strpos(query, $1) > 0`,
      [pg.schema],
    );
    pid = rows[0]?.pid ?? 0;
    return rows.length === 1;
  });
  return pid;
}

describe('postgres failures', () => {
  it('reports StoreUnavailableError when the backend is killed mid-append, and nothing was stored', async () => {
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    const pid = id('killed');
    expect(await journal.write([atomicWrite(pid, 1)])).toEqual([undefined]);
    const lock = await holdJournalLock();
    try {
      const pending = journal.write([atomicWrite(pid, 2, 3)]);
      const backend = await waitingAppend();
      await pg.pool.query('SELECT pg_terminate_backend($1)', [backend]);
      const error = (await pending.then(
        () => undefined,
        (e: unknown) => e,
      )) as MementoError;
      expect(unavailable(error)).toBe(true);
      expect(error).toMatchObject({ persistenceId: pid, source: 'postgres' });
      expect(error.message).toContain('journal.write');
      expect(error.message).toContain('nothing was stored');
      expect(error.cause).toBeDefined();
    } finally {
      await lock.query('ROLLBACK');
      lock.release();
    }
    expect(await journal.highestSequenceNr(pid)).toBe(1);
    // The truthful "not stored" makes a retry correct.
    expect(await journal.write([atomicWrite(pid, 2, 3)])).toEqual([undefined]);
    expect((await collect(journal.replay(pid, 1, 10))).map((r) => r.sequenceNr)).toEqual([1, 2, 3]);
    await journal.close();
  });

  it('reports success when the connection is lost after the append committed', async () => {
    const proxy = await startProxy();
    const journal = new PostgresJournal({ connectionString: proxy.url, schema: pg.schema });
    const pid = id('lost-answer');
    try {
      expect(await journal.write([atomicWrite(pid, 1)])).toEqual([undefined]);
      proxy.dropAnswerTo('/* memento:write:');
      const other = id('lost-answer-other');
      await pg.pool.query(`INSERT INTO "${pg.schema}".memento_journal_streams VALUES ($1, 5)`, [other]);
      // Two writes in one batch: one commits, one conflicts; both truths survive the lost answer.
      const [stored, conflict] = await Promise.all([journal.write([atomicWrite(pid, 2)]), journal.write([atomicWrite(other, 1)])]);
      expect(stored).toEqual([undefined]);
      expect(isMementoError(conflict[0], ErrorCodes.concurrency)).toBe(true);
      expect(await journal.highestSequenceNr(pid)).toBe(2);
      const [again] = await journal.write([atomicWrite(pid, 2)]);
      expect(isMementoError(again, ErrorCodes.concurrency)).toBe(true);
    } finally {
      await journal.close();
      await proxy.close();
    }
  });

  it('ends the abandoned backend and reports "nothing stored" when the connection is lost before the append ran', async () => {
    const proxy = await startProxy();
    const journal = new PostgresJournal({ connectionString: proxy.url, schema: pg.schema });
    const pid = id('lost-before');
    const lock = await holdJournalLock();
    try {
      // The statement reaches the server and waits for the lock; the client's connection is
      // gone. Unless the check ends that backend first, it would append after we answered.
      proxy.cutAfterSending('/* memento:write:');
      const pending = journal.write([atomicWrite(pid, 1)]).then(
        () => undefined,
        (e: unknown) => e,
      );
      const error = (await pending) as MementoError;
      expect(unavailable(error)).toBe(true);
      expect(error.message).toContain('nothing was stored');
      const { rows } = await pg.pool.query(
        `SELECT pid FROM pg_stat_activity WHERE state <> 'idle' AND starts_with(query, '/* memento:write:') AND strpos(query, $1) > 0`,
        [pg.schema],
      );
      expect(rows).toEqual([]);
    } finally {
      await lock.query('ROLLBACK');
      lock.release();
    }
    expect(await journal.highestSequenceNr(pid)).toBe(0);
    expect(await journal.write([atomicWrite(pid, 1)])).toEqual([undefined]);
    await journal.close();
    await proxy.close();
  });

  it('turns a statement timeout into StoreUnavailableError after retrying, storing nothing', async () => {
    const journal = new PostgresJournal({
      connectionString: PG_URL,
      poolConfig: { statement_timeout: 200 },
      schema: pg.schema,
      retry: { attempts: 2, initialDelayMs: 1 },
    });
    const pid = id('timeout');
    const lock = await holdJournalLock();
    try {
      const error = (await journal.write([atomicWrite(pid, 1)]).then(
        () => undefined,
        (e: unknown) => e,
      )) as MementoError;
      expect(unavailable(error)).toBe(true);
      expect(error.message).toContain('57014');
      expect(error.message).toContain('nothing was stored');
      expect(error.persistenceId).toBe(pid);
    } finally {
      await lock.query('ROLLBACK');
      lock.release();
    }
    expect(await journal.highestSequenceNr(pid)).toBe(0);
    await journal.close();
  });

  it('names each caller its own persistence id when a batch of writes fails together', async () => {
    const journal = new PostgresJournal({
      connectionString: PG_URL,
      poolConfig: { statement_timeout: 200 },
      schema: pg.schema,
      retry: { attempts: 1 },
    });
    const ids = [id('batch-a'), id('batch-b'), id('batch-c'), id('batch-d')];
    const lock = await holdJournalLock();
    try {
      // Issued in one tick, so the journal sends them as one statement.
      const errors = (await Promise.all(
        ids.map((pid) =>
          journal.write([atomicWrite(pid, 1)]).then(
            () => undefined,
            (e: unknown) => e,
          ),
        ),
      )) as MementoError[];
      for (const [index, error] of errors.entries()) {
        const pid = ids[index] as string;
        expect(unavailable(error), String(error)).toBe(true);
        expect(error.persistenceId).toBe(pid);
        expect(error.message).toContain(`journal.write of ${JSON.stringify(pid)}`);
        expect(error.message).toContain(`part of a batch of ${ids.length} writes`);
        expect(error.message).toContain('57014');
        for (const other of ids) if (other !== pid) expect(error.message).not.toContain(other);
      }
    } finally {
      await lock.query('ROLLBACK');
      lock.release();
    }
    await journal.close();
  });

  it('names idle_in_transaction_session_timeout when the server ended a projection transaction', async () => {
    const offsets = new PostgresOffsetStore({
      connectionString: PG_URL,
      poolConfig: { idle_in_transaction_session_timeout: 100 },
      schema: pg.schema,
    });
    const error = (await offsets
      .inTransaction(`projection-${randomUUID()}`, { type: 'sequence', value: 1 }, async ({ client }) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const backend = rows[0]?.pid;
        // The server ends the idle transaction; wait for that backend to be gone.
        await eventually(async () => (await pg.pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [backend])).rowCount === 0);
        await client.query('SELECT 1');
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as Error;
    expect(error, 'the transaction must fail').toBeInstanceOf(Error);
    expect(error.message).toContain('idle_in_transaction_session_timeout');
    await offsets.close();
  });

  it('fails every store with StoreUnavailableError naming operation and id when no server answers', async () => {
    const options = { connectionString: urlVia(1), schema: pg.schema, retry: { attempts: 2, initialDelayMs: 1 } };
    const journal = new PostgresJournal(options);
    const snapshots = new PostgresSnapshotStore(options);
    const state = new PostgresDurableStateStore(options);
    const settled = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (e: unknown) => e,
      );
    const checks: [Promise<unknown>, string][] = [
      [journal.highestSequenceNr('down-1'), 'journal.highestSequenceNr'],
      [journal.write([atomicWrite('down-1', 1)]), 'journal.write'],
      [collect(journal.replay('down-1', 1, 10)), 'journal.replay'],
      [snapshots.load('down-1', SnapshotSelectionCriteria.Latest), 'snapshot.load'],
      [snapshots.save(new SnapshotMetadata({ persistenceId: 'down-1', sequenceNr: 1 }), 's'), 'snapshot.save'],
      [state.get('down-1'), 'state.get'],
      [state.upsert('down-1', 1, 'v'), 'state.upsert'],
    ];
    for (const [promise, operation] of checks.map(([p, o]) => [settled(p), o] as const)) {
      const error = (await promise) as MementoError;
      expect(unavailable(error), operation).toBe(true);
      expect(error.message).toContain(operation);
      expect(error.message).toContain('[memento] [postgres]');
      expect(error.persistenceId).toBe('down-1');
      expect(error.cause).toBeDefined();
    }
    await Promise.all([journal.close(), snapshots.close(), state.close()]);
  });

  it('retries reads over connections dropped by a server restart', async () => {
    const application = `memento-restart-${randomUUID().slice(0, 8)}`;
    const journal = new PostgresJournal({
      connectionString: PG_URL,
      poolConfig: { application_name: application, max: 4 },
      schema: pg.schema,
    });
    const snapshots = new PostgresSnapshotStore({
      connectionString: PG_URL,
      poolConfig: { application_name: application, max: 4 },
      schema: pg.schema,
    });
    const pid = id('restart');
    expect(await journal.write([atomicWrite(pid, 1, 2)])).toEqual([undefined]);
    await snapshots.save(new SnapshotMetadata({ persistenceId: pid, sequenceNr: 2 }), { n: 2 });
    // What a restart does to every open connection.
    await pg.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [application]);
    expect(await journal.highestSequenceNr(pid)).toBe(2);
    expect((await collect(journal.replay(pid, 1, 10))).length).toBe(2);
    expect((await snapshots.load(pid, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 2 });
    await Promise.all([journal.close(), snapshots.close()]);
  });

  it('reports a durable state change as stored when the connection is lost after it committed', async () => {
    const proxy = await startProxy();
    const state = new PostgresDurableStateStore({ connectionString: proxy.url, schema: pg.schema });
    const pid = id('state-lost');
    try {
      await state.upsert(pid, 1, { v: 1 });
      proxy.dropAnswerTo('/* memento:state:');
      await state.upsert(pid, 2, { v: 2 });
      expect(await state.get(pid)).toEqual({ value: { v: 2 }, revision: 2 });
      await expect(state.upsert(pid, 2, { v: 3 })).rejects.toSatisfy((error) => isMementoError(error, ErrorCodes.concurrency));
    } finally {
      await state.close();
      await proxy.close();
    }
  });
});
