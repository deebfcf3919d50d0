/**
 * Growth and cleanup: the duplicate tag index is gone, deleted durable states are purged
 * after their retention (live ones never), and a journal stream can be forgotten, one id at
 * once or every stream emptied longer ago than a retention.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { PostgresDurableStateStore, PostgresJournal } from '../../src/postgres/index.js';
import { atomicWrite, collect } from '../../src/tck/index.js';
import { useSchema } from './support.js';

const pg = useSchema('pg_cleanup');
const id = (label: string) => `${label}-${randomUUID()}`;

describe('postgres growth and cleanup', () => {
  it('indexes the durable state by its key only, and its changes by tag and ordering without a duplicate prefix', async () => {
    const { rows } = await pg.pool.query<{ tablename: string; indexname: string }>(
      `SELECT tablename, indexname FROM pg_indexes WHERE schemaname = $1 AND tablename LIKE 'memento_durable_state%' ORDER BY indexname`,
      [pg.schema],
    );
    expect(rows).toEqual([
      { tablename: 'memento_durable_state_changes', indexname: 'memento_durable_state_changes_pkey' },
      { tablename: 'memento_durable_state', indexname: 'memento_durable_state_pkey' },
      { tablename: 'memento_durable_state_changes', indexname: 'memento_durable_state_tag_ordering_idx' },
    ]);
  });

  it('purges durable states deleted longer ago than the retention, and nothing else', async () => {
    const store = new PostgresDurableStateStore({ pool: pg.pool, schema: pg.schema });
    const [old, recent, live] = [id('old'), id('recent'), id('live')];
    for (const pid of [old, recent, live]) await store.upsert(pid, 1, { pid }, 'cleanup');
    await store.delete(old, 2);
    await store.delete(recent, 2);
    // Deleted an hour ago, as far as the table can tell.
    await pg.pool.query(
      `UPDATE "${pg.schema}".memento_durable_state SET updated_at = now() - interval '1 hour' WHERE persistence_id = $1`,
      [old],
    );
    const purged = await store.purgeDeleted({ retentionMs: 10 * 60_000 });
    expect(purged).toContain(old);
    expect(purged).not.toContain(recent);
    expect(purged).not.toContain(live);
    expect(await store.get(old)).toEqual({ value: null, revision: 0 });
    expect(await store.get(recent)).toEqual({ value: null, revision: 2 });
    expect(await store.get(live)).toEqual({ value: { pid: live }, revision: 1 });
    // A purged id starts again at revision 1.
    await store.upsert(old, 1, { again: true });
    expect(await store.get(old)).toEqual({ value: { again: true }, revision: 1 });
    const invalid = await store.purgeDeleted({ retentionMs: -1 }).catch((error: unknown) => error);
    expect(isMementoError(invalid, ErrorCodes.invalidArgument), String(invalid)).toBe(true);
    await store.close();
  });

  it('forgets a journal stream with its history on purge', async () => {
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    const [gone, kept] = [id('gone'), id('kept')];
    await journal.write([atomicWrite(gone, 1, 2, 3), atomicWrite(kept, 1)]);
    await journal.deleteTo(gone, 2);
    expect(await journal.highestSequenceNr(gone)).toBe(3); // deleteTo keeps the highest
    expect(await journal.purge(gone)).toBe(1);
    expect(await journal.highestSequenceNr(gone)).toBe(0);
    expect(await journal.listPersistenceIds(undefined, 10_000)).not.toContain(gone);
    expect(await collect(journal.replay(gone, 1, Number.MAX_SAFE_INTEGER))).toEqual([]);
    expect(await journal.highestSequenceNr(kept)).toBe(1);
    expect(await journal.purge(gone)).toBe(0); // idempotent
    expect(await journal.write([atomicWrite(gone, 1)])).toEqual([undefined]);
    await journal.close();
  });

  it('forgets streams emptied longer ago than the retention, and none with events', async () => {
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    const [old, recent, partly, rewritten, live] = [id('old'), id('recent'), id('partly'), id('rewritten'), id('live')];
    expect(
      await journal.write([
        atomicWrite(old, 1, 2),
        atomicWrite(recent, 1),
        atomicWrite(partly, 1, 2),
        atomicWrite(rewritten, 1),
        atomicWrite(live, 1),
      ]),
    ).toEqual([undefined, undefined, undefined, undefined, undefined]);
    await journal.deleteTo(old, Number.POSITIVE_INFINITY);
    await journal.deleteTo(recent, 1);
    await journal.deleteTo(partly, 1);
    await journal.deleteTo(rewritten, 1);
    // Emptied an hour ago, as far as the table can tell; `rewritten` was written since.
    const emptiedAnHourAgo = async (pid: string) =>
      pg.pool.query(
        `UPDATE "${pg.schema}".memento_journal_streams SET emptied_at = now() - interval '1 hour' WHERE persistence_id = $1 AND emptied_at IS NOT NULL`,
        [pid],
      );
    await emptiedAnHourAgo(old);
    await emptiedAnHourAgo(rewritten);
    expect(await journal.write([atomicWrite(rewritten, 2)])).toEqual([undefined]);

    const purged = await journal.purgeDeleted({ retentionMs: 10 * 60_000 });
    expect(purged).toContain(old);
    for (const kept of [recent, partly, rewritten, live]) expect(purged).not.toContain(kept);
    expect(await journal.highestSequenceNr(old)).toBe(0);
    expect(await journal.highestSequenceNr(recent)).toBe(1);
    expect(await journal.highestSequenceNr(partly)).toBe(2);
    expect(await journal.highestSequenceNr(rewritten)).toBe(2);
    expect(await journal.listPersistenceIds(undefined, 10_000)).not.toContain(old);
    // Nothing is left to purge under the same retention; a zero retention takes the recent one.
    expect(await journal.purgeDeleted({ retentionMs: 10 * 60_000 })).not.toContain(old);
    expect(await journal.purgeDeleted({ retentionMs: 0 })).toContain(recent);
    // A forgotten id starts again at 1; a writer still holding its old number conflicts.
    const [stale] = await journal.write([atomicWrite(old, 3)]);
    expect(isMementoError(stale, ErrorCodes.concurrency), String(stale)).toBe(true);
    expect(await journal.write([atomicWrite(old, 1)])).toEqual([undefined]);
    const invalid = await journal.purgeDeleted({ retentionMs: -1 }).catch((error: unknown) => error);
    expect(isMementoError(invalid, ErrorCodes.invalidArgument), String(invalid)).toBe(true);
    await journal.close();
  });

  it('runs the purges like the SPI methods: timed for the hooks, refused once closed', async () => {
    const operations: string[] = [];
    const hooks = { onOperation: (event: { operation: string }) => operations.push(event.operation) };
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema, hooks });
    const store = new PostgresDurableStateStore({ pool: pg.pool, schema: pg.schema, hooks });
    await journal.purge(id('gone'));
    await journal.purgeDeleted({ retentionMs: 60_000 });
    await store.purgeDeleted({ retentionMs: 60_000 });
    expect(operations).toEqual(['journal.purge', 'journal.purgeDeleted', 'state.purgeDeleted']);
    await journal.close();
    await store.close();
    for (const closed of [journal.purge(id('late')), journal.purgeDeleted({ retentionMs: 0 }), store.purgeDeleted({ retentionMs: 0 })]) {
      const error = await closed.catch((caught: unknown) => caught);
      expect(isMementoError(error, ErrorCodes.storeClosed), String(error)).toBe(true);
    }
  });
});
