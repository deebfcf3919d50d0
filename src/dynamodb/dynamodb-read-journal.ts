/**
 * Slice queries on DynamoDB: `eventsBySlices` through the slice index (`memento_slices`:
 * hash `sl` = journal kind, entity type and group of slices; range `ts` = write time). DynamoDB has no
 * global ordering, and an index entry appears some time after its write (index propagation,
 * the writer's clock), so offsets are write times and every pass looks back a backtracking
 * window (src/dynamodb/timestamp-index.ts). Each id's events are delivered in sequence
 * order without holes: a sequence gap sends the reader to the table for the missing events.
 * The guarantees and their limits are in docs/scaling.md.
 * @module
 */
import { Serialization } from '../serialization/serialization.js';
import type { PollOptions } from '../spi/change-waiter.js';
import { decodeEvent, type StoredEvent } from '../spi/journal-support.js';
import type { EventEnvelope, Offset, QueryOptions, SliceQueries } from '../spi/read-journal.js';
import { sliceOf, validateEntityType, validateSliceRange } from '../spi/slices.js';
import { StoreLifecycle } from '../spi/store-options.js';
import { numberValue, readNumber, readOptionalBinary, readOptionalNumber, stringValue } from './attributes.js';
import type { Item } from './client.js';
import type { DynamoDbOptions, Ready } from './connection.js';
import { NAME } from './errors.js';
import { unpackEvents } from './event-frame.js';
import { Attribute, Kind, partitionKey, SLICE_INDEX_NAME, sliceKeysOf } from './layout.js';
import { type BacktrackingOptions, startTime, TimestampIndexReader } from './timestamp-index.js';

/** Options of {@link DynamoDbReadJournal}. */
export interface DynamoDbReadJournalOptions extends DynamoDbOptions, PollOptions, BacktrackingOptions {}

/** What bounds the events a gap fill reads: the id's next expected sequence number, or (an id met first) the stream's lowest write time. */
type GapBound = { readonly from: number } | { readonly writtenSince: number };

/**
 * `eventsBySlices` over the DynamoDB journal's table, which must have the slice index
 * (`createTable(client, { sliceIndex: true })`, or UpdateTable on real DynamoDB). Offsets
 * are `{ type: 'timestamp' }`: write times in epoch milliseconds.
 *
 * @example
 * const queries = new DynamoDbReadJournal({ tableName: 'memento', clientConfig: { region: 'eu-west-1' } });
 * for await (const envelope of queries.eventsBySlices('order', 0, 255, NoOffset)) console.log(envelope.persistenceId);
 */
export class DynamoDbReadJournal implements SliceQueries {
  /** Offsets are write times; a resumed stream reads back the backtracking window. */
  readonly sliceOffsets = 'timestamp' as const;
  readonly #lifecycle = new StoreLifecycle(NAME, 'readJournal');
  readonly #reader: TimestampIndexReader;
  readonly #serialization: Serialization;

  constructor(options: DynamoDbReadJournalOptions = {}) {
    this.#reader = new TimestampIndexReader(options, this.#lifecycle, {
      indexName: SLICE_INDEX_NAME,
      hashAttribute: Attribute.sliceKey,
      kindPrefixLength: Kind.journal.length + 1,
      howToCreate: 'create the table with createTable(client, { sliceIndex: true }) or add the index',
      operation: 'eventsBySlices',
    });
    this.#serialization = options.serialization ?? new Serialization();
  }

  /**
   * Events of `entityType` in slices `minSlice..maxSlice`, by write time, starting a
   * backtracking window before `offset`. Each id's events come once per stream and in
   * sequence order: an event past a hole (an index entry not visible yet, or later than the
   * window) is preceded by the missing events, read from the table. A stream resumed from a
   * stored offset may deliver again what it delivered in the window before that offset.
   * Finite streams end when every slice is read up to the time the last pass started.
   */
  async *eventsBySlices(
    entityType: string,
    minSlice: number,
    maxSlice: number,
    offset: Offset,
    opts: QueryOptions = {},
  ): AsyncIterable<EventEnvelope> {
    validateEntityType(entityType, NAME);
    const range = validateSliceRange(minSlice, maxSlice, NAME);
    const start = startTime(offset);
    /** Where this stream starts reading: an id met first is owed every event written since. */
    const streamLower = Math.max(0, start - this.#reader.checked.windowMs);
    // A group's key also holds the slices of its group outside the range: they are dropped.
    const hashKeys = sliceKeysOf(Kind.journal, entityType, range.minSlice, range.maxSlice);
    const inRange = (persistenceId: string) => {
      const slice = sliceOf(persistenceId);
      return slice >= range.minSlice && slice <= range.maxSlice;
    };
    /** Per id, the highest sequence number this stream delivered: below it is a duplicate, above it plus one a gap. */
    const highest = new Map<string, number>();
    yield* this.#reader.stream(hashKeys, start, opts, async (items, ready) => {
      const out: EventEnvelope[] = [];
      for (const indexed of items) {
        const { persistenceId, writtenAt, item } = indexed;
        if (!inRange(persistenceId)) continue;
        const packed = readOptionalBinary(item, Attribute.events, persistenceId);
        if (!packed) continue;
        const firstKey = readNumber(item, Attribute.sortKey, persistenceId);
        const events = unpackEvents(packed, persistenceId, firstKey);
        const last = highest.get(persistenceId);
        const first = events[0];
        // Only an item's first event can follow a hole: the others follow it.
        if (first && first.sequenceNr > (last ?? 0) + 1) {
          const bound: GapBound = last === undefined ? { writtenSince: streamLower } : { from: last + 1 };
          for (const missing of await this.#missing(ready, persistenceId, firstKey, bound)) {
            out.push(this.#envelope(missing, persistenceId, writtenAt));
            highest.set(persistenceId, missing.sequenceNr);
          }
        }
        for (const stored of events) {
          if (stored.sequenceNr <= (highest.get(persistenceId) ?? 0)) continue;
          highest.set(persistenceId, stored.sequenceNr);
          out.push(this.#envelope(stored, persistenceId, writtenAt));
        }
      }
      return out;
    });
  }

  #envelope(stored: StoredEvent, persistenceId: string, writtenAt: number): EventEnvelope {
    const repr = decodeEvent(stored, this.#serialization);
    return {
      offset: { type: 'timestamp', value: writtenAt },
      persistenceId,
      sequenceNr: repr.sequenceNr,
      event: repr.event,
      timestamp: repr.timestamp,
      tags: repr.tags,
    };
  }

  /**
   * The events of `persistenceId` in items below sort key `below`, read from the table
   * (strongly consistent, newest item first) down to `bound`: the next expected sequence
   * number of an id this stream delivered, or, for an id it meets first, the lowest write
   * time the stream reads (older items were the business of an earlier stream). Oldest first.
   */
  async #missing(ready: Ready, persistenceId: string, below: number, bound: GapBound): Promise<StoredEvent[]> {
    const found: StoredEvent[][] = [];
    let start: Item | undefined;
    try {
      do {
        this.#lifecycle.assertOpen('eventsBySlices', persistenceId);
        const output = await ready.client.send(
          new ready.sdk.QueryCommand({
            TableName: this.#reader.connection.table,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :one AND :below',
            ExpressionAttributeNames: { '#pk': Attribute.partitionKey, '#sk': Attribute.sortKey },
            ExpressionAttributeValues: {
              ':pk': stringValue(partitionKey(Kind.journal, persistenceId)),
              ':one': numberValue(1),
              ':below': numberValue(below - 1),
            },
            ScanIndexForward: false,
            ConsistentRead: true,
            Limit: 'from' in bound ? this.#reader.checked.pageSize : 1,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        start = output.LastEvaluatedKey;
        for (const item of output.Items ?? []) {
          const packed = readOptionalBinary(item, Attribute.events, persistenceId);
          const writtenAt = readOptionalNumber(item, Attribute.writtenAt, persistenceId);
          // Deleted items hold no events, and nothing below them does either.
          if (!packed || writtenAt === undefined) return found.reverse().flat();
          if ('writtenSince' in bound && writtenAt < bound.writtenSince) return found.reverse().flat();
          const events = unpackEvents(packed, persistenceId, readNumber(item, Attribute.sortKey, persistenceId));
          const from = 'from' in bound ? bound.from : 1;
          found.push(events.filter((event) => event.sequenceNr >= from));
          if ((events[0] as StoredEvent).sequenceNr <= from) return found.reverse().flat();
        }
      } while (start);
    } catch (error) {
      throw this.#reader.connection.failure(error, 'eventsBySlices', persistenceId);
    }
    return found.reverse().flat();
  }

  /** Releases the client if this read journal built it. Idempotent. */
  async close(): Promise<void> {
    if (!this.#lifecycle.close()) return;
    this.#reader.connection.close();
  }
}
