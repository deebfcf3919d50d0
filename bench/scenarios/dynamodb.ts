/**
 * Scenario: the DynamoDB journal on dynalite (its own child process), append and replay
 * against the raw SDK calls a hand-written store would make for the same events:
 * BatchWriteItem of 25 unconditional items per request, and a strongly consistent Query in
 * 1 MB pages without decoding. dynalite is far slower than DynamoDB and shares the machine,
 * so only the ratios say something; see docs/dynamodb.md for what they mean in capacity units.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { BatchWriteItemCommand, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { startDynalite } from '../../test/support/dynalite.js';
import { type BenchSettings, check, historyBatch, importCode, median, type Row, type ScenarioResult, timed } from './common.js';

type DynamoDbModule = typeof import('../../src/dynamodb/index.js');

/** Entities appending at once. */
const ENTITIES = 50;
/** Events per AtomicWrite in the batched append. */
const BATCH = 25;

/** Raw BatchWriteItem of one item per event, 25 per request, `ENTITIES` requests in flight. */
async function rawAppend(client: DynamoDBClient, table: string, prefix: string, events: number): Promise<void> {
  const perEntity = Math.ceil(events / ENTITIES);
  const payload = Buffer.from(JSON.stringify(historyBatch('x', 1, 1, Date.now())[0]?.event));
  await Promise.all(
    Array.from({ length: ENTITIES }, async (_, entity) => {
      for (let first = 1; first <= perEntity; first += BATCH) {
        let requests = Array.from({ length: Math.min(BATCH, perEntity - first + 1) }, (_, offset) => ({
          PutRequest: {
            Item: {
              pk: { S: `j#${prefix}-${entity}` },
              sk: { N: String(first + offset) },
              ts: { N: String(Date.now()) },
              ev: { B: payload },
            },
          },
        }));
        while (requests.length > 0) {
          const output = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
          requests = (output.UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      }
    }),
  );
}

/** Our append: `ENTITIES` entities at once, each awaiting its writes of `perWrite` events. */
async function oursAppend(journal: InstanceType<DynamoDbModule['DynamoDbJournal']>, prefix: string, events: number, perWrite: number) {
  const perEntity = Math.ceil(events / ENTITIES);
  const now = Date.now();
  await Promise.all(
    Array.from({ length: ENTITIES }, async (_, entity) => {
      const id = `${prefix}-${entity}`;
      for (let first = 1; first <= perEntity; first += perWrite) {
        check(
          await journal.write([{ persistenceId: id, events: historyBatch(id, first, Math.min(perWrite, perEntity - first + 1), now) }]),
        );
      }
    }),
  );
}

/** Raw replay: every item of the partition, strongly consistent, 1 MB pages, nothing decoded. */
async function rawReplay(client: DynamoDBClient, table: string, partitionKey: string): Promise<number> {
  let items = 0;
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const output = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk >= :one',
        ExpressionAttributeValues: { ':pk': { S: partitionKey }, ':one': { N: '1' } },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items += output.Items?.length ?? 0;
    start = output.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function runDynamoDbScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const { rounds, log } = settings;
  const events = settings.dynamodbEvents;
  const dynamodb = await importCode<DynamoDbModule>('dynamodb/index');
  const server = await startDynalite();
  const client = server.client();
  const table = `memento-bench-${randomBytes(4).toString('hex')}`;
  const rows: Row[] = [];
  try {
    await dynamodb.createTable(client, { tableName: table });
    const journal = new dynamodb.DynamoDbJournal({ client, tableName: table });
    const samples = { raw: [] as number[], single: [] as number[], batched: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      log(`dynamodb append round ${round + 1}/${rounds}: ${events} events, ${ENTITIES} entities`);
      // Interleaved, so each round's three figures saw the same moment of the shared machine.
      samples.raw.push(await timed(() => rawAppend(client, table, `raw-${round}`, events)));
      samples.single.push(await timed(() => oursAppend(journal, `single-${round}`, events, 1)));
      samples.batched.push(await timed(() => oursAppend(journal, `batched-${round}`, events, BATCH)));
    }
    const perSecond = (ms: number) => events / (ms / 1000);
    const raw = perSecond(median(samples.raw));
    for (const [name, values, perWrite] of [
      ['one event per write', samples.single, 1],
      [`${BATCH} events per AtomicWrite`, samples.batched, BATCH],
    ] as const) {
      const ours = perSecond(median(values));
      rows.push({
        name: `DynamoDB append ${events} events, ${ENTITIES} entities, ${name} (DynamoDbJournal)`,
        ours,
        reference: raw,
        referenceName: `raw BatchWriteItem, ${BATCH} unconditional items per request`,
        unit: 'events/s',
        ratio: ours / raw,
        ratioNote: 'ours / raw',
        extra: `${Math.ceil(events / perWrite)} conditional PutItems against ${Math.ceil(events / BATCH)} BatchWriteItems`,
      });
    }

    // Replay one id's history, written as AtomicWrites of BATCH events: both sides read the same items.
    const id = `replay-${randomBytes(4).toString('hex')}`;
    const replayEvents = events;
    log(`dynamodb replay: writing ${replayEvents} events of one id`);
    for (let first = 1; first <= replayEvents; first += BATCH) {
      check(
        await journal.write([
          { persistenceId: id, events: historyBatch(id, first, Math.min(BATCH, replayEvents - first + 1), Date.now()) },
        ]),
      );
    }
    const replay = { raw: [] as number[], ours: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      log(`dynamodb replay round ${round + 1}/${rounds}`);
      replay.raw.push(
        await timed(async () => {
          const items = await rawReplay(client, table, dynamodb.partitionKey(dynamodb.Kind.journal, id));
          if (items !== Math.ceil(replayEvents / BATCH)) throw new Error(`raw replay read ${items} items`);
        }),
      );
      replay.ours.push(
        await timed(async () => {
          let count = 0;
          for await (const _ of journal.replay(id, 1, Number.POSITIVE_INFINITY)) count++;
          if (count !== replayEvents) throw new Error(`replayed ${count} of ${replayEvents}`);
        }),
      );
    }
    const oursReplay = replayEvents / (median(replay.ours) / 1000);
    const rawReplayRate = replayEvents / (median(replay.raw) / 1000);
    rows.push({
      name: `DynamoDB replay ${replayEvents} events of one id, written ${BATCH} per AtomicWrite (DynamoDbJournal, decoded)`,
      ours: oursReplay,
      reference: rawReplayRate,
      referenceName: 'raw strongly consistent Query of the same items, 1 MB pages, not decoded',
      unit: 'events/s',
      ratio: oursReplay / rawReplayRate,
      ratioNote: 'ours / raw',
    });
    await journal.close();
  } finally {
    client.destroy();
    await server.stop();
  }
  return {
    id: 'dynamodb',
    title: 'DynamoDB journal on dynalite: append and replay against raw BatchWriteItem / Query',
    settings: { events, entities: ENTITIES, batch: BATCH, rounds },
    rows,
    notes: [
      'dynalite (DynamoDB API on LevelDB in memory, a child process) is much slower than DynamoDB and shares the machine: read the ratios, not the rates.',
      'Ours stores each AtomicWrite as one item by a conditional PutItem (all or nothing without transactions); raw puts one unconditional item per event, 25 per BatchWriteItem, with no atomicity and no check of sequence numbers.',
    ],
  };
}
