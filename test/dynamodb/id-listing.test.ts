/**
 * Persistence ids listed in order through the id index (dynalite): hostile ids paged one
 * by one, snapshot ids deduplicated, deleted ids kept, a table without the index refused
 * with the way out, ids written before the index registered by the backfill; durable
 * states restored whole.
 */
import { DeleteItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  Attribute,
  backfillIdIndex,
  createTable,
  DynamoDbDurableStateStore,
  DynamoDbJournal,
  DynamoDbSnapshotStore,
  ID_INDEX_NAME,
} from '../../src/dynamodb/index.js';
import { ConcurrencyError, comparePersistenceIds, SnapshotMetadata, StoreUnavailableError } from '../../src/index.js';
import { uniqueTableName, useDynamoTable } from '../support/dynalite.js';

const dynamo = useDynamoTable('ids');

/** Ids that break naive keys: separators of our own layout, case and width twins, non-BMP, the top of the BMP. */
const HOSTILE = [
  'a',
  'A',
  'ａ',
  'a#b',
  'j#a',
  '#',
  'a|b',
  'a b',
  'a\'b"c\\d',
  'é',
  'e\u0301',
  '\ue000',
  '\uffff',
  '😀',
  '𝌆x',
  '%2F',
  'a/../b',
  'z'.repeat(255),
];

const stores = () => {
  const place = { client: dynamo.client, tableName: dynamo.tableName };
  return {
    journal: new DynamoDbJournal(place),
    snapshots: new DynamoDbSnapshotStore(place),
    states: new DynamoDbDurableStateStore(place),
  };
};

/** Every id of a listing, `limit` at a time. */
async function all(list: (after: string | undefined, limit: number) => Promise<string[]>, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await list(after, limit);
    expect(page.length).toBeLessThanOrEqual(limit);
    ids.push(...page);
    if (page.length < limit) return ids;
    after = page[page.length - 1];
  }
}

const event = (persistenceId: string, sequenceNr: number) => ({
  persistenceId,
  sequenceNr,
  timestamp: 1_000 + sequenceNr,
  event: { n: sequenceNr },
});

describe('DynamoDB id index', () => {
  it('lists hostile ids of the journal, snapshots and states in code point order, page by page', async () => {
    const { journal, snapshots, states } = stores();
    const prefix = 'list-';
    const ids = HOSTILE.map((id) => `${prefix}${id}`.slice(0, 250));
    for (const id of ids) {
      expect(await journal.write([{ persistenceId: id, events: [event(id, 1), event(id, 2)] }])).toEqual([undefined]);
      expect(await journal.write([{ persistenceId: id, events: [event(id, 3)] }])).toEqual([undefined]);
    }
    // Three snapshots of one id, one of another: each id once.
    for (const sequenceNr of [1, 2, 3])
      await snapshots.save(new SnapshotMetadata({ persistenceId: ids[3] as string, sequenceNr }), { sequenceNr });
    await snapshots.save(new SnapshotMetadata({ persistenceId: ids[0] as string, sequenceNr: 2 }), 'two');
    await states.upsert(ids[5] as string, 1, { v: 1 }, 'tagged');
    await states.upsert(ids[5] as string, 2, { v: 2 }, 'tagged');
    await states.upsert(ids[6] as string, 1, 'x', undefined);
    await states.delete(ids[6] as string, 2);
    // A whole history deleted: the id was written, so it stays listed.
    await journal.deleteTo(ids[1] as string, Number.POSITIVE_INFINITY);

    const sorted = [...new Set(ids)].sort(comparePersistenceIds);
    for (const limit of [1, 4, 100]) {
      expect((await all((after, max) => journal.listPersistenceIds(after, max), limit)).filter((id) => id.startsWith(prefix))).toEqual(
        sorted,
      );
    }
    expect(await all((after, max) => snapshots.listPersistenceIds(after, max), 1)).toEqual(
      [ids[0] as string, ids[3] as string].sort(comparePersistenceIds),
    );
    expect(await all((after, max) => states.listPersistenceIds(after, max), 1)).toEqual(
      [ids[5] as string, ids[6] as string].sort(comparePersistenceIds),
    );
    // After an id in the middle: exactly the ids above it.
    const middle = sorted[7] as string;
    expect(await journal.listPersistenceIds(middle, 100)).toEqual(sorted.slice(8));
    await Promise.all([journal.close(), snapshots.close(), states.close()]);
  });

  it('lists an id no more once its last snapshot is deleted', async () => {
    const { snapshots } = stores();
    const id = 'gone-snapshots';
    await snapshots.save(new SnapshotMetadata({ persistenceId: id, sequenceNr: 1 }), 1);
    expect(await snapshots.listPersistenceIds('gone-', 10)).toContain(id);
    await snapshots.delete(new SnapshotMetadata({ persistenceId: id, sequenceNr: 1 }));
    expect(await snapshots.listPersistenceIds('gone-', 10)).not.toContain(id);
    await snapshots.close();
  });

  it('restores a durable state whole (revision, tag, time, deleted value) and refuses an id already written', async () => {
    const { states } = stores();
    await states.restore({ persistenceId: 'restored|1', revision: 7, value: { kept: [1, 2] }, tag: 'blue', timestamp: 1_234 });
    await states.restore({ persistenceId: 'restored|2', revision: 3, value: null, tag: undefined, timestamp: 99 });
    expect(await states.readStored('restored|1')).toEqual({
      persistenceId: 'restored|1',
      revision: 7,
      value: { kept: [1, 2] },
      tag: 'blue',
      timestamp: 1_234,
    });
    expect(await states.readStored('restored|2')).toEqual({
      persistenceId: 'restored|2',
      revision: 3,
      value: null,
      tag: undefined,
      timestamp: 99,
    });
    expect(await states.readStored('restored|3')).toBeNull();
    const again = states.restore({ persistenceId: 'restored|1', revision: 1, value: 'other', tag: undefined, timestamp: 1 });
    await expect(again).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(again).rejects.toThrow(/restored\|1.*found revision 7/);
    // The next change continues the restored revision, and carries its own time from then on.
    await states.upsert('restored|1', 8, { kept: [] }, 'blue');
    const changed = await states.readStored('restored|1');
    expect(changed).toMatchObject({ revision: 8, value: { kept: [] } });
    expect(changed?.timestamp).toBeGreaterThan(1_234);
    await states.close();
  });

  it('refuses to list on a table without the index, naming it and the way to add it', async () => {
    const tableName = uniqueTableName('noindex');
    await createTable(dynamo.client, { tableName, idIndex: false });
    const journal = new DynamoDbJournal({ client: dynamo.client, tableName });
    expect(await journal.write([{ persistenceId: 'x', events: [event('x', 1)] }])).toEqual([undefined]);
    const listing = journal.listPersistenceIds(undefined, 10);
    await expect(listing).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(listing).rejects.toThrow(new RegExp(`${tableName}.*${ID_INDEX_NAME}.*idIndex: true.*memento migrate`));
    await journal.close();
  });

  it('registers ids written before the index: the backfill gives their items the key, again without harm', async () => {
    const { journal, snapshots, states } = stores();
    const ids = ['old|journal', 'old|snapshot', 'old|state'];
    expect(await journal.write([{ persistenceId: ids[0] as string, events: [event(ids[0] as string, 1)] }])).toEqual([undefined]);
    expect(await journal.write([{ persistenceId: ids[0] as string, events: [event(ids[0] as string, 2)] }])).toEqual([undefined]);
    await snapshots.save(new SnapshotMetadata({ persistenceId: ids[1] as string, sequenceNr: 4 }), 'four');
    await states.upsert(ids[2] as string, 1, 'one', undefined);
    // As an older version wrote them: no `ik` anywhere.
    const items = await dynamo.client.send(new ScanCommand({ TableName: dynamo.tableName }));
    for (const item of items.Items ?? []) {
      if (!ids.some((id) => item[Attribute.partitionKey]?.S?.endsWith(`#${id}`))) continue;
      await dynamo.client.send(
        new UpdateItemCommand({
          TableName: dynamo.tableName,
          Key: { pk: item.pk as never, sk: item.sk as never },
          UpdateExpression: 'REMOVE ik',
        }),
      );
    }
    const listed = async () => [
      ...(await journal.listPersistenceIds('old', 10)),
      ...(await snapshots.listPersistenceIds('old', 10)),
      ...(await states.listPersistenceIds('old', 10)),
    ];
    expect((await listed()).filter((id) => id.startsWith('old|'))).toEqual([]);
    const first = await backfillIdIndex(dynamo.client, { tableName: dynamo.tableName });
    expect(first.registered).toBe(3); // the journal's first write only, the snapshot, the state
    expect((await listed()).filter((id) => id.startsWith('old|'))).toEqual(ids);
    expect((await backfillIdIndex(dynamo.client, { tableName: dynamo.tableName })).registered).toBe(0);
    // A snapshot removed meanwhile is not brought back by a late backfill update.
    await dynamo.client.send(new DeleteItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: `s#${ids[1]}` }, sk: { N: '4' } } }));
    expect(await snapshots.listPersistenceIds('old', 10)).toEqual([]);
    await Promise.all([journal.close(), snapshots.close(), states.close()]);
  });
});
