/**
 * The CLI on `dynamodb://` stores (dynalite): ids of hostile names over several pages in
 * order, export DynamoDB -> import SQLite -> export equal, an import refused whole, events too
 * large for one item per batch, and every bad URL or missing table named in one line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTable, DynamoDbDurableStateStore, DynamoDbJournal, DynamoDbSnapshotStore } from '../../src/dynamodb/index.js';
import { comparePersistenceIds, SnapshotMetadata } from '../../src/index.js';
import { seed } from '../inspect/seed.js';
import { uniqueTableName } from '../support/dynalite.js';
import { openStoreSet } from '../support/store-set.js';
import { dynamoDbBackend, type Location, sqliteBackend, withStores } from './backends.js';
import { body } from './cli-suite.js';
import { memento, tempDir } from './harness.js';

const dynamo = dynamoDbBackend();
const sqlite = sqliteBackend();
afterAll(() => dynamo.cleanup());

const cli = (location: Location, ...args: string[]) => memento([...args, ...location.args]);

/** Names that break naive keys and orders: our own separators, case and width twins, non-BMP above the top of the BMP. */
const HOSTILE = ['a', 'A', 'ａ', 'a#b', 'j#x', 'a|b', 'a b', 'q\'"\\', 'é', 'e\u0301', '\ue000', '\uffff', '😀', '𝌆', '%2F', '../x'];

describe('memento on DynamoDB stores', () => {
  it('ids: more than a page of hostile ids, in code point order, with a prefix', async () => {
    const location = await dynamo.location('hostile');
    const ids = Array.from({ length: 104 }, (_, index) => `${HOSTILE[index % HOSTILE.length]}-${index}`);
    await withStores(location, async ({ journal, snapshotStore, durableStateStore }) => {
      const writes = ids.map((id) => ({ persistenceId: id, events: [{ persistenceId: id, sequenceNr: 1, timestamp: 1, event: id }] }));
      expect(await journal.write(writes)).toEqual(ids.map(() => undefined));
      await snapshotStore.save(new SnapshotMetadata({ persistenceId: 'only-a-snapshot', sequenceNr: 0 }), {});
      await durableStateStore.upsert('only-a-state', 1, 'state', undefined);
    });
    const all = [...ids, 'only-a-snapshot', 'only-a-state'].sort(comparePersistenceIds);
    const listed = await cli(location, 'ids', '--json');
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { persistenceId: string }[]).map((row) => row.persistenceId)).toEqual(all);
    const prefixed = JSON.parse((await cli(location, 'ids', '--json', '--prefix', 'a')).stdout) as { persistenceId: string }[];
    expect(prefixed.map((row) => row.persistenceId)).toEqual(all.filter((id) => id.startsWith('a')));
  }, 120_000); // summarizing a hundred ids is some 600 requests to dynalite

  it('export DynamoDB -> import SQLite -> export: the same lines; a second import into DynamoDB is refused whole', async () => {
    const source = await dynamo.location('export');
    await withStores(source, (stores) => seed(stores));
    const directory = tempDir('dynamodb-transfer');
    const first = join(directory, 'dynamodb.ndjson');
    expect(await cli(source, 'export', first)).toMatchObject({ code: 0 });
    const target = await sqlite.location('from-dynamodb');
    const imported = await cli(target, 'import', first);
    expect(imported).toMatchObject({ code: 0 });
    const second = join(directory, 'sqlite.ndjson');
    expect(await cli(target, 'export', second)).toMatchObject({ code: 0 });
    expect(body(readFileSync(second, 'utf8'))).toEqual(body(readFileSync(first, 'utf8')));
    expect(body(readFileSync(first, 'utf8'))).toMatch(/"kind":"state"/);

    // Back into a DynamoDB table that already holds an id of the file: nothing written, not even the others.
    const back = await dynamo.location('refused');
    await withStores(back, async ({ journal }) => {
      const event = { persistenceId: 'account|2', sequenceNr: 1, timestamp: 5, event: 'there first' };
      expect(await journal.write([{ persistenceId: 'account|2', events: [event] }])).toEqual([undefined]);
    });
    const refused = await cli(back, 'import', second);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/import refused, nothing was written: "account\|2": the target already has events up to 1/);
    const after = JSON.parse((await cli(back, 'ids', '--json')).stdout) as { persistenceId: string }[];
    expect(after.map((row) => row.persistenceId)).toEqual(['account|2']);
    // The rest with --skip-existing; then the third export is the first but for what the target kept.
    expect(await cli(back, 'import', second, '--skip-existing')).toMatchObject({ code: 0 });
    const third = join(directory, 'back.ndjson');
    expect(await cli(back, 'export', third)).toMatchObject({ code: 0 });
    const withoutKept = (text: string) =>
      body(text)
        .split('\n')
        .filter((line) => !line.includes('"persistenceId":"account|2"'));
    expect(withoutKept(readFileSync(third, 'utf8'))).toEqual(withoutKept(readFileSync(first, 'utf8')));
  });

  it('import: events too large for one DynamoDB item per batch are written in smaller atomic batches, every field kept', async () => {
    const source = await sqlite.location('large');
    const id = 'large|1';
    const events = Array.from({ length: 600 }, (_, index) => ({
      persistenceId: id,
      sequenceNr: index + 1,
      timestamp: 1_700_000_000_000 + index,
      event: { blob: 'x'.repeat(1_000), index },
      tags: ['big'],
      writerId: 'w',
      metadata: { index },
    }));
    await withStores(source, async ({ journal }) => {
      expect(await journal.write([{ persistenceId: id, events }])).toEqual([undefined]);
    });
    const directory = tempDir('dynamodb-large');
    const file = join(directory, 'large.ndjson');
    expect(await cli(source, 'export', file)).toMatchObject({ code: 0 });
    const target = await dynamo.location('large');
    expect(await cli(target, 'import', file)).toMatchObject({ code: 0 });
    const again = join(directory, 'again.ndjson');
    expect(await cli(target, 'export', again)).toMatchObject({ code: 0 });
    expect(body(readFileSync(again, 'utf8'))).toEqual(body(readFileSync(file, 'utf8')));
  });

  it('names a bad URL, a missing table and an unreachable endpoint in one line', async () => {
    const run = (url: string, ...args: string[]) => memento(['ids', '--store', url, ...args]);
    expect(await run('dynamodb://ab')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^memento: --store dynamodb:\/\/ab: expected a table name after dynamodb:\/\/ .*3 to 255 characters.*\n$/,
      ),
    });
    expect(await run('dynamodb://table-x?endpont=http://127.0.0.1:1')).toMatchObject({
      code: 1,
      stderr: 'memento: --store dynamodb://table-x?endpont=http://127.0.0.1:1: unknown parameter "endpont" (expected endpoint, region)\n',
    });
    const somewhere = await dynamo.location('missing');
    const endpoint = (somewhere.args[1] as string).split('endpoint=')[1]?.split('&')[0];
    const missing = `dynamodb://no-such-table?endpoint=${endpoint}`;
    expect(await run(missing)).toMatchObject({
      code: 2,
      stderr: `memento: cannot open ${missing}: table "no-such-table" does not exist (memento migrate creates it)\n`,
    });
    const unreachable = await run('dynamodb://table-x?endpoint=http://127.0.0.1:1&region=us-east-1');
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(
      /^memento: cannot open dynamodb:\/\/table-x\?endpoint=http:\/\/127.0.0.1:1&region=us-east-1: .*ECONNREFUSED/,
    );
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a table without the id index: ids names the index and the fix; migrate registers older ids and says what is missing', async () => {
    const location = await dynamo.location('noindex');
    const url = location.args[1] as string;
    const tableName = url.slice('dynamodb://'.length, url.indexOf('?'));
    const noIndex = uniqueTableName('noindex');
    const noIndexUrl = url.replace(tableName, noIndex);
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const endpoint = url.split('endpoint=')[1]?.split('&')[0] as string;
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      await createTable(client, { tableName: noIndex, idIndex: false });
      const stores = openStoreSet(
        { Journal: DynamoDbJournal, SnapshotStore: DynamoDbSnapshotStore, DurableStateStore: DynamoDbDurableStateStore },
        { client, tableName: noIndex },
      );
      expect(
        await stores.journal.write([{ persistenceId: 'x', events: [{ persistenceId: 'x', sequenceNr: 1, timestamp: 1, event: 1 }] }]),
      ).toEqual([undefined]);
      await stores.close();
      const ids = await memento(['ids', '--store', noIndexUrl]);
      expect(ids.code).not.toBe(0);
      expect(ids.stderr).toMatch(/memento_ids.*UpdateTable.*idIndex: true.*memento migrate/);
      expect(ids.stderr.trim().split('\n')).toHaveLength(1);
      const migrated = await memento(['migrate', '--store', noIndexUrl]);
      expect(migrated.code).toBe(0);
      expect(migrated.stdout).toMatch(/has no id index memento_ids yet, so ids cannot be listed: add it with UpdateTable/);
      // On a table with the index, migrate says so and registers nothing new.
      expect((await memento(['migrate', '--store', url])).stdout).toMatch(/with its id index \(0 items registered in the id index\)/);
    } finally {
      client.destroy();
    }
  });
});
