/**
 * Growth and cleanup: the duplicate tag index is gone, deleted durable states are purged
 * after their retention (live ones never), and a journal stream can be forgotten.
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
  it('has no index duplicating the prefix of the tag-ordering index', async () => {
    const { rows } = await pg.pool.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'memento_durable_state' ORDER BY indexname`,
      [pg.schema],
    );
    expect(rows.map((row) => row.indexname)).toEqual(['memento_durable_state_pkey', 'memento_durable_state_tag_ordering_idx']);
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
});
