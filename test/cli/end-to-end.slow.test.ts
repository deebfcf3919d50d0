/**
 * The built `memento` as a real child process: a SQLite -> PostgreSQL -> SQLite round trip
 * that keeps every byte (events, snapshots, durable states), a live `events --follow` stopped by Ctrl-C, and settings from the
 * environment and memento.config.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { type PersistentRepr, Serialization } from '../../src/index.js';
import { SqliteDurableStateStore, SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { ledgerAction, seed, timeOf } from '../inspect/seed.js';
import { connect, PG_URL, randomSchema } from '../postgres/support.js';
import { body } from './cli-suite.js';
import { DEFINITIONS, mementoProcess, tempDir } from './harness.js';

/** Seeds a SQLite file; with msgpack, one id carries values JSON cannot keep. */
async function seededFile(directory: string, serialization: Serialization): Promise<string> {
  const file = join(directory, 'source.db');
  const journal = new SqliteJournal(file, { serialization });
  const snapshotStore = new SqliteSnapshotStore(file, { serialization });
  const durableStateStore = new SqliteDurableStateStore(file, { serialization });
  await seed({ journal, snapshotStore, durableStateStore });
  const rich: PersistentRepr = {
    persistenceId: 'rich|1',
    sequenceNr: 1,
    timestamp: timeOf(1),
    event: { at: new Date(timeOf(1)), counts: new Map([['a', 1n]]), bytes: new Uint8Array([1, 2, 3]), nothing: undefined },
    metadata: { traceId: 'abc' },
  };
  const [failed] = await journal.write([{ persistenceId: 'rich|1', events: [rich] }]);
  if (failed) throw failed;
  await journal.deleteTo('account|2', 1);
  // Durable states: one deleted (its revision stays), one JSON cannot keep.
  await durableStateStore.upsert('profile|2', 1, { name: 'Grace' }, 'people');
  await durableStateStore.delete('profile|2', 2);
  await durableStateStore.upsert('session|1', 1, { since: new Date(timeOf(2)), seen: new Set(['a']) });
  await Promise.all([snapshotStore.close(), durableStateStore.close()]);
  await journal.close();
  return file;
}

const rows = (file: string, sql: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
};

describe('memento as a child process', () => {
  const schemas: string[] = [];
  afterAll(async () => {
    if (schemas.length === 0) return;
    const pool = await connect(1);
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it('round-trips SQLite -> PostgreSQL -> SQLite keeping every field, byte for byte', async () => {
    const directory = tempDir('roundtrip');
    // Settings from memento.config.json in the working directory: MessagePack for every store.
    writeFileSync(join(directory, 'memento.config.json'), JSON.stringify({ serialization: { defaultSerializer: 'msgpack' } }));
    const source = await seededFile(directory, new Serialization({ defaultSerializer: 'msgpack' }));
    const schema = randomSchema('cli_roundtrip');
    schemas.push(schema);
    const postgres = ['--store', PG_URL, '--schema', schema];
    const run = (...args: string[]) => mementoProcess(args, { cwd: directory });

    expect(await run('export', 'first.ndjson', '--store', 'sqlite:source.db')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('exported 7 ids, 19 events, 3 snapshots, 3 durable states'),
    });
    expect(await run('import', 'first.ndjson', ...postgres)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('imported 19 events, 3 snapshots and 3 durable states of 7 ids'),
    });
    expect((await run('export', 'second.ndjson', ...postgres)).code).toBe(0);
    expect((await run('import', 'second.ndjson', '--store', 'sqlite:copy.db')).code).toBe(0);
    expect((await run('export', 'third.ndjson', '--store', 'sqlite:copy.db')).code).toBe(0);

    const first = readFileSync(join(directory, 'first.ndjson'), 'utf8');
    expect(body(readFileSync(join(directory, 'second.ndjson'), 'utf8'))).toBe(body(first));
    expect(body(readFileSync(join(directory, 'third.ndjson'), 'utf8'))).toBe(body(first));
    // Values JSON cannot keep travel as MessagePack; JSON ones stay readable.
    expect(first).toContain('"eventMsgpack":');
    expect(first).toContain('"event":{"type":"deposited","amount":10}');
    expect(first).toContain('{"kind":"state","persistenceId":"profile|2","revision":2,');
    expect(first).toMatch(/"kind":"state","persistenceId":"session\|1","revision":1,"timestamp":\d+,"valueMsgpack":/);
    const copy = join(directory, 'copy.db');
    const snapshotRows =
      'SELECT persistence_id, sequence_nr, timestamp, payload, metadata FROM snapshots ORDER BY persistence_id, sequence_nr';
    expect(rows(copy, snapshotRows)).toEqual(rows(source, snapshotRows));
    expect(rows(copy, 'SELECT * FROM journal_highest ORDER BY 1')).toEqual(rows(source, 'SELECT * FROM journal_highest ORDER BY 1'));
    const states = 'SELECT persistence_id, revision, payload, tag, updated_at FROM durable_state ORDER BY 1';
    expect(rows(copy, states)).toEqual(rows(source, states));
    expect(rows(copy, states)).toHaveLength(3);
    const events = 'SELECT * FROM journal ORDER BY 1, 2';
    expect(rows(copy, events)).toEqual(rows(source, events));
  });

  it('follows new events live and stops on Ctrl-C with a summary', async () => {
    const directory = tempDir('follow');
    const file = await seededFile(directory, new Serialization());
    let appended = false;
    const result = await mementoProcess(['events', 'ledger', '--follow', '--store', `sqlite:${file}`], {
      onStdout: (text, child) => {
        if (!appended && /\n\s+6\s/.test(text)) {
          appended = true;
          const journal = new SqliteJournal(file);
          void journal.write([{ persistenceId: 'ledger', events: [ledgerAction(7)] }]).finally(() => journal.close());
        }
        if (/\n\s+7\s/.test(text)) child.kill('SIGINT');
      },
    });
    expect(result.stdout).toMatch(/\n\s+7\s+2026-01-01T12:00:07.000Z\s+add\s+\{"type":"add","payload":\{"amount":7\}\}\n/);
    expect(result).toMatchObject({ code: 0, stderr: '6 events, then followed 1 new event\n' });
  });

  it('takes the store from MEMENTO_STORE, prints help, and names a store it cannot open (exit 2)', async () => {
    const directory = tempDir('env');
    await seededFile(directory, new Serialization());
    const fromEnv = await mementoProcess(['ids', '--json'], { cwd: directory, env: { MEMENTO_STORE: 'sqlite:source.db' } });
    expect(JSON.parse(fromEnv.stdout)).toHaveLength(7);
    const state = await mementoProcess(['state', 'account|1', '--at', '6'], {
      cwd: directory,
      env: { MEMENTO_STORE: 'sqlite:source.db', MEMENTO_DEFINITIONS: DEFINITIONS },
    });
    expect(state).toMatchObject({ code: 0, stdout: expect.stringContaining('rebuilt by "account" from snapshot #5 + 1 event replayed') });
    expect(await mementoProcess(['--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Usage: memento [options] [command]'),
    });
    expect(await mementoProcess(['ids', '--store', 'sqlite:nothing-here.db'], { cwd: directory })).toMatchObject({
      code: 2,
      stderr: `memento: cannot open sqlite:nothing-here.db: no such file ${join(directory, 'nothing-here.db')}\n`,
    });
    expect(await mementoProcess(['ids', '--store', 'postgres://nobody@127.0.0.1:1/none'])).toMatchObject({
      code: 2,
      stderr: 'memento: cannot open postgres://nobody@127.0.0.1:1/none: connect ECONNREFUSED 127.0.0.1:1\n',
    });
    expect(await mementoProcess(['bogus'])).toMatchObject({ code: 1, stderr: "memento: unknown command 'bogus'\n" });
  });
});
