/**
 * eventsBySlices on DynamoDB (dynalite) over every slice: the four ranges of
 * sliceRanges(4) split one entity type. Slow tier: each of the 1,024 slices is one Query
 * per round, and dynalite answers each in milliseconds of its own CPU. The narrow-range
 * tests are in slices.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DynamoDbJournal, DynamoDbReadJournal } from '../../src/dynamodb/index.js';
import { type AtomicWrite, type EventEnvelope, NoOffset, sliceOf, sliceRanges } from '../../src/index.js';
import { useDynamoTable } from '../support/dynalite.js';

const dynamo = useDynamoTable('slices', { sliceIndex: true });
const options = () => ({ client: dynamo.client, tableName: dynamo.tableName });

const write = (persistenceId: string, from: number, count: number): AtomicWrite => ({
  persistenceId,
  events: Array.from({ length: count }, (_, index) => ({ persistenceId, sequenceNr: from + index, event: from + index, timestamp: 1 })),
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const keys = (envelopes: readonly EventEnvelope[]) => envelopes.map((envelope) => `${envelope.persistenceId}:${envelope.sequenceNr}`);

describe('dynamodb eventsBySlices', () => {
  it('the four ranges of sliceRanges(4) deliver every event of the entity type once, by write time', async () => {
    const journal = new DynamoDbJournal(options());
    const queries = new DynamoDbReadJournal({ ...options(), pageSize: 3 });
    const entity = `split${Date.now()}`;
    const ids = Array.from({ length: 30 }, (_, index) => `${entity}|${index}`);
    for (const id of ids) await journal.write([write(id, 1, 2), write(id, 3, 1)]);
    await journal.write([write(`${entity}x|1`, 1, 1)]);
    const byRange = await Promise.all(
      sliceRanges(4).map((range) => collect(queries.eventsBySlices(entity, range.minSlice, range.maxSlice, NoOffset))),
    );
    for (const [index, envelopes] of byRange.entries()) {
      const range = sliceRanges(4)[index];
      for (const envelope of envelopes) expect(sliceOf(envelope.persistenceId)).toBeGreaterThanOrEqual(range?.minSlice ?? -1);
      for (const envelope of envelopes) expect(sliceOf(envelope.persistenceId)).toBeLessThanOrEqual(range?.maxSlice ?? -1);
      const times = envelopes.map((envelope) => (envelope.offset as { value: number }).value);
      expect(times.every((time, at) => at === 0 || time >= (times[at - 1] as number))).toBe(true);
      expect(envelopes.every((envelope) => envelope.offset.type === 'timestamp')).toBe(true);
    }
    expect(keys(byRange.flat()).sort()).toEqual(ids.flatMap((id) => [`${id}:1`, `${id}:2`, `${id}:3`]).sort());
    await journal.close();
    await queries.close();
  });
});
