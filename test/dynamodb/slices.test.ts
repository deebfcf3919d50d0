/**
 * eventsBySlices on DynamoDB (dynalite): the slice index, timestamp offsets, the
 * backtracking window for items that reach the index late, and the offset store. Reading
 * every slice in four ranges is in slices-ranges.slow.test.ts (slow tier).
 */
import { type AttributeValue, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  Attribute,
  DynamoDbJournal,
  DynamoDbOffsetStore,
  DynamoDbReadJournal,
  Kind,
  partitionKey,
  SLICES_PER_INDEX_KEY,
  sliceKey,
} from '../../src/dynamodb/index.js';
import { type AtomicWrite, type EventEnvelope, NoOffset, runProjection, sliceOf } from '../../src/index.js';
import { useDynamoTable } from '../support/dynalite.js';

const dynamo = useDynamoTable('slices', { sliceIndex: true });
const options = () => ({ client: dynamo.client, tableName: dynamo.tableName });

const write = (persistenceId: string, from: number, count: number): AtomicWrite => ({
  persistenceId,
  events: Array.from({ length: count }, (_, index) => ({ persistenceId, sequenceNr: from + index, event: from + index, timestamp: 1 })),
});

async function collect<T>(iterable: AsyncIterable<T>, count = Number.POSITIVE_INFINITY): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= count) break;
  }
  return out;
}

/** Slices the narrow tests read: inside one slice index group, with other slices of the group around them. */
const NARROW = { minSlice: 100, maxSlice: 115 } as const;

/** `count` ids of `entity` whose slices lie in {@link NARROW}. */
function idsInNarrow(entity: string, count: number): string[] {
  const ids: string[] = [];
  for (let index = 0; ids.length < count; index++) {
    const id = `${entity}|${index}`;
    if (sliceOf(id) >= NARROW.minSlice && sliceOf(id) <= NARROW.maxSlice) ids.push(id);
  }
  return ids;
}

const keys = (envelopes: readonly EventEnvelope[]) => envelopes.map((envelope) => `${envelope.persistenceId}:${envelope.sequenceNr}`);

/** Sets one attribute of the journal item that starts at `firstSequenceNr`. */
async function setAttribute(persistenceId: string, firstSequenceNr: number, attribute: string, value: AttributeValue): Promise<void> {
  await dynamo.client.send(
    new UpdateItemCommand({
      TableName: dynamo.tableName,
      Key: {
        [Attribute.partitionKey]: { S: partitionKey(Kind.journal, persistenceId) },
        [Attribute.sortKey]: { N: String(firstSequenceNr) },
      },
      UpdateExpression: 'SET #a = :a',
      ExpressionAttributeNames: { '#a': attribute },
      ExpressionAttributeValues: { ':a': value },
    }),
  );
}

/** Sets an item's slice key, to hide it from the index and show it again, as a late index entry would. */
const setSliceKey = (persistenceId: string, firstSequenceNr: number, value: string) =>
  setAttribute(persistenceId, firstSequenceNr, Attribute.sliceKey, { S: value });

/** Sets an item's write time, as a writer with another clock (or a burst within one millisecond) would have. */
const setWrittenAt = (persistenceId: string, firstSequenceNr: number, writtenAt: number) =>
  setAttribute(persistenceId, firstSequenceNr, Attribute.writtenAt, { N: String(writtenAt) });

describe('dynamodb eventsBySlices', () => {
  it('reads through more items than a page inside one window and with one write time (no stall)', { timeout: 60_000 }, async () => {
    const journal = new DynamoDbJournal(options());
    const queries = new DynamoDbReadJournal({ ...options(), pageSize: 4, backtrackingWindowMs: 60_000 });
    const entity = `burst${Date.now()}`;
    const [id, other] = idsInNarrow(entity, 2) as [string, string];
    const slice = sliceOf(id);
    for (let sequenceNr = 1; sequenceNr <= 15; sequenceNr++) await journal.write([write(id, sequenceNr, 1)]);
    // Ten more items of one write time, several pages of one slice.
    const same = Date.now() - 1_000;
    for (let sequenceNr = 16; sequenceNr <= 25; sequenceNr++) {
      await journal.write([write(id, sequenceNr, 1)]);
      await setWrittenAt(id, sequenceNr, same);
    }
    await journal.write([write(other, 1, 1)]);
    const envelopes = await collect(queries.eventsBySlices(entity, slice, slice, NoOffset));
    const ofId = envelopes.filter((envelope) => envelope.persistenceId === id).map((envelope) => envelope.sequenceNr);
    expect(ofId).toEqual(Array.from({ length: 25 }, (_, index) => index + 1));
    await journal.close();
    await queries.close();
  });

  it('a range shares its slice index keys with the neighbouring slices of their groups, and delivers only its own', async () => {
    const journal = new DynamoDbJournal(options());
    const queries = new DynamoDbReadJournal(options());
    const entity = `group${Date.now()}`;
    // Ids in the groups NARROW touches, inside and outside NARROW.
    const first = NARROW.minSlice - (NARROW.minSlice % SLICES_PER_INDEX_KEY);
    const last = NARROW.maxSlice - (NARROW.maxSlice % SLICES_PER_INDEX_KEY) + SLICES_PER_INDEX_KEY - 1;
    const inNarrow = (id: string) => sliceOf(id) >= NARROW.minSlice && sliceOf(id) <= NARROW.maxSlice;
    // Six of each, so the test never depends on how the hash happens to spread one run's ids.
    const inside: string[] = [];
    const outside: string[] = [];
    for (let index = 0; inside.length < 6 || outside.length < 6; index++) {
      const id = `${entity}|${index}`;
      if (sliceOf(id) < first || sliceOf(id) > last) continue;
      const side = inNarrow(id) ? inside : outside;
      if (side.length < 6) side.push(id);
    }
    const ids = [...inside, ...outside];
    expect(await journal.write(ids.map((id) => write(id, 1, 1)))).toEqual(ids.map(() => undefined));
    const envelopes = await collect(queries.eventsBySlices(entity, NARROW.minSlice, NARROW.maxSlice, NoOffset));
    expect(keys(envelopes).sort()).toEqual(inside.map((id) => `${id}:1`).sort());
    await journal.close();
    await queries.close();
  });

  it('an event whose index entry stays invisible (later than the window) is read from the table through the sequence gap', async () => {
    const journal = new DynamoDbJournal(options());
    const queries = new DynamoDbReadJournal({ ...options(), backtrackingWindowMs: 0 });
    const entity = `gap${Date.now()}`;
    const [id] = idsInNarrow(entity, 1) as [string];
    await journal.write([write(id, 1, 1)]);
    await journal.write([write(id, 2, 2)]);
    await journal.write([write(id, 4, 1)]);
    const hiddenAt = Date.now() - 10_000;
    for (const [firstSequenceNr, writtenAt] of [
      [1, hiddenAt - 100],
      [2, hiddenAt],
      [4, hiddenAt + 100],
    ] as const) {
      await setWrittenAt(id, firstSequenceNr, writtenAt);
    }
    await setSliceKey(id, 2, 'hidden');
    // Met before the hole: the gap after sequence number 1 is filled.
    const fromStart = await collect(queries.eventsBySlices(entity, NARROW.minSlice, NARROW.maxSlice, NoOffset));
    expect(keys(fromStart)).toEqual([1, 2, 3, 4].map((sequenceNr) => `${id}:${sequenceNr}`));
    const times = fromStart.map((envelope) => (envelope.offset as { value: number }).value);
    expect(times.every((time, at) => at === 0 || time >= (times[at - 1] as number))).toBe(true);
    // Met first after the hole: what was written since the stream's start is owed, older events are not.
    const resumed = await collect(queries.eventsBySlices(entity, NARROW.minSlice, NARROW.maxSlice, { type: 'timestamp', value: hiddenAt }));
    expect(keys(resumed)).toEqual([2, 3, 4].map((sequenceNr) => `${id}:${sequenceNr}`));
    await journal.close();
    await queries.close();
  });

  it('a writer clock running ahead does not move the stream past other writers; a window shorter than the allowed skew is refused', async () => {
    const journal = new DynamoDbJournal(options());
    const queries = new DynamoDbReadJournal({ ...options(), backtrackingWindowMs: 60_000 });
    const entity = `skew${Date.now()}`;
    const [ahead, behind] = idsInNarrow(entity, 2) as [string, string];
    await journal.write([write(ahead, 1, 1)]);
    await setWrittenAt(ahead, 1, Date.now() + 3_600_000);
    await journal.write([write(behind, 1, 1)]);
    const envelopes = await collect(queries.eventsBySlices(entity, NARROW.minSlice, NARROW.maxSlice, NoOffset));
    expect(keys(envelopes)).toEqual([`${behind}:1`]);
    expect((envelopes[0]?.offset as { value: number } | undefined)?.value).toBeLessThanOrEqual(Date.now());
    expect(() => new DynamoDbReadJournal({ ...options(), backtrackingWindowMs: 500, maxClockSkewMs: 1_000 })).toThrow(
      /backtrackingWindowMs: expected at least options.maxClockSkewMs \(1000 ms\), found 500/,
    );
    await journal.close();
    await queries.close();
  });

  it('live: delivers new writes once, and a write that reaches the index late inside the window', async () => {
    const journal = new DynamoDbJournal(options());
    const queries = new DynamoDbReadJournal({ ...options(), minPollMs: 10, maxPollMs: 40, backtrackingWindowMs: 60_000 });
    const entity = `live${Date.now()}`;
    const [early, late, later] = idsInNarrow(entity, 3) as [string, string, string];
    await journal.write([write(early, 1, 1)]);
    await journal.write([write(late, 1, 1)]);
    await setSliceKey(late, 1, 'hidden');
    const controller = new AbortController();
    const seen: EventEnvelope[] = [];
    let wake: () => void = () => {};
    const stream = (async () => {
      for await (const envelope of queries.eventsBySlices(entity, NARROW.minSlice, NARROW.maxSlice, NoOffset, {
        live: true,
        signal: controller.signal,
      })) {
        seen.push(envelope);
        wake();
      }
    })();
    const until = (count: number) =>
      new Promise<void>((resolve) => {
        wake = () => {
          if (seen.length >= count) resolve();
        };
        wake();
      });
    await until(1);
    await journal.write([write(later, 1, 1), write(early, 2, 1)]);
    await until(3);
    await setSliceKey(late, 1, sliceKey(Kind.journal, late));
    await until(4);
    controller.abort();
    await stream;
    expect(keys(seen).at(-1)).toBe(`${late}:1`);
    expect(keys(seen).sort()).toEqual([`${early}:1`, `${early}:2`, `${late}:1`, `${later}:1`].sort());
    await journal.close();
    await queries.close();
  });

  it('resumes after a timestamp offset (window 0); refuses sequence offsets and a table without the index', async () => {
    const journal = new DynamoDbJournal(options());
    const queries = new DynamoDbReadJournal({ ...options(), backtrackingWindowMs: 0 });
    const entity = `resume${Date.now()}`;
    const [id] = idsInNarrow(entity, 1) as [string];
    await journal.write([write(id, 1, 1)]);
    const [first] = await collect(queries.eventsBySlices(entity, NARROW.minSlice, NARROW.maxSlice, NoOffset));
    const firstTime = first?.offset.type === 'timestamp' ? first.offset.value : -1;
    // The next write must get a later write time than the first item's.
    while (Date.now() <= firstTime) await new Promise((resolve) => setImmediate(resolve));
    await journal.write([write(id, 2, 1)]);
    const resumed = await collect(
      queries.eventsBySlices(entity, NARROW.minSlice, NARROW.maxSlice, { type: 'timestamp', value: firstTime + 1 }),
    );
    expect(keys(resumed)).toEqual([`${id}:2`]);
    await expect(collect(queries.eventsBySlices(entity, 0, 1023, { type: 'sequence', value: 3 }))).rejects.toThrow(/no global ordering/);
    const withoutIndex = new DynamoDbReadJournal({
      client: dynamo.client,
      tableName: `${dynamo.tableName}-none`,
      createTableIfMissing: true,
    });
    await expect(collect(withoutIndex.eventsBySlices(entity, 0, 1, NoOffset))).rejects.toThrow(/memento_slices/);
    await journal.close();
    await queries.close();
    await withoutIndex.close();
  });

  it('a sliced projection with the DynamoDB offset store resumes with at-least-once delivery, duplicates only from the window', async () => {
    const journal = new DynamoDbJournal(options());
    const queries = new DynamoDbReadJournal({ ...options(), backtrackingWindowMs: 60_000 });
    const offsetStore = new DynamoDbOffsetStore(options());
    const entity = `projected${Date.now()}`;
    const ids = idsInNarrow(entity, 12);
    await journal.write(ids.map((id) => write(id, 1, 2)));
    const handled = new Map<string, number>();
    const run = () =>
      runProjection({
        name: `${entity}-count`,
        slices: { range: NARROW, offsets: queries.sliceOffsets },
        source: (offset) => queries.eventsBySlices(entity, NARROW.minSlice, NARROW.maxSlice, offset),
        handler: (envelope) => {
          const key = `${envelope.persistenceId}:${envelope.sequenceNr}`;
          handled.set(key, (handled.get(key) ?? 0) + 1);
        },
        offsetStore,
      }).done;
    const last = await run();
    expect(last.type).toBe('timestamp');
    expect(handled.size).toBe(24);
    await journal.write(ids.map((id) => write(id, 3, 1)));
    const resumedAt = await run();
    // Every event at least once; the second run read the whole 60 s window again.
    expect(handled.size).toBe(36);
    expect([...handled.values()].every((count) => count >= 1)).toBe(true);
    const slice = sliceOf(ids[0] as string);
    const stored = await offsetStore.load(`${entity}-count@${slice}`);
    expect(stored.type === 'none' ? 0 : stored.value).toBe((resumedAt as { value: number }).value);
    await journal.close();
    await queries.close();
    await offsetStore.close();
  });
});
