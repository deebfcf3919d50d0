/**
 * Slice queries on DynamoDB: `eventsBySlices` through the slice index (`memento_slices`:
 * hash `sl` = journal kind, entity type and slice; range `ts` = write time). DynamoDB has no
 * global ordering, and an index entry appears some time after its write (index propagation,
 * the writer's clock), so offsets are write times and every read looks back a backtracking
 * window; what it finds again is dropped by (persistence id, sequence number). The
 * guarantees and their limits are in docs/scaling.md.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { validateInteger } from '../core/validation.js';
import { Serialization } from '../serialization/serialization.js';
import { ChangeWaiter, type PollOptions, unlessAborted } from '../spi/change-waiter.js';
import { decodeEvent } from '../spi/journal-support.js';
import type { EventEnvelope, Offset, QueryOptions, SliceQueries } from '../spi/read-journal.js';
import { validateSliceRange } from '../spi/slices.js';
import { StoreLifecycle } from '../spi/store-options.js';
import { numberValue, readNumber, readOptionalBinary, stringValue } from './attributes.js';
import type { Item } from './client.js';
import { DynamoDbConnection, type DynamoDbOptions, type Ready } from './connection.js';
import { awsErrorName, NAME } from './errors.js';
import { unpackEvents } from './event-frame.js';
import { Attribute, Kind, SLICE_INDEX_NAME, sliceKeyOf } from './layout.js';

/** Options of {@link DynamoDbReadJournal}. */
export interface DynamoDbReadJournalOptions extends DynamoDbOptions, PollOptions {
  /**
   * How far back (ms of write time) every read looks again, for writes that reach the
   * index late. It must exceed the slowest write plus the writers' clock skew plus index
   * propagation; events that appear later than this are missed. @default 10000
   */
  readonly backtrackingWindowMs?: number;
  /** Items (one per AtomicWrite) asked for per slice per Query. @default 1000 */
  readonly pageSize?: number;
  /** Slices queried at once. @default 16 */
  readonly queryConcurrency?: number;
}

/** A slice index item with what it holds. */
interface SliceItem {
  readonly persistenceId: string;
  readonly writtenAt: number;
  readonly item: Item;
}

/** One round of reading every slice of the range from a lower write time. */
interface Round {
  /** Items up to the watermark, oldest first. */
  readonly items: SliceItem[];
  /** Every slice was read to its end (else the items stop at the watermark). */
  readonly complete: boolean;
  /** Highest write time up to which every slice was read in this round. */
  readonly watermark: number;
}

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
  readonly #connection: DynamoDbConnection;
  readonly #serialization: Serialization;
  readonly #windowMs: number;
  readonly #pageSize: number;
  readonly #concurrency: number;
  readonly #poll: PollOptions;

  constructor(options: DynamoDbReadJournalOptions = {}) {
    this.#connection = new DynamoDbConnection(options, this.#lifecycle);
    const context = { source: NAME };
    this.#windowMs = validateInteger(options.backtrackingWindowMs ?? 10_000, 'options.backtrackingWindowMs', context, { min: 0 });
    this.#pageSize = validateInteger(options.pageSize ?? 1000, 'options.pageSize', context, { min: 1 });
    this.#concurrency = validateInteger(options.queryConcurrency ?? 16, 'options.queryConcurrency', context, { min: 1 });
    this.#serialization = options.serialization ?? new Serialization();
    this.#poll = { minPollMs: options.minPollMs, maxPollMs: options.maxPollMs };
  }

  /**
   * Events of `entityType` in slices `minSlice..maxSlice`, by write time, starting a
   * backtracking window before `offset`: each (persistence id, sequence number) once per
   * stream; a stream resumed from a stored offset may deliver again what it delivered in
   * the window before that offset. Finite streams end when every slice is read to its end.
   */
  async *eventsBySlices(
    entityType: string,
    minSlice: number,
    maxSlice: number,
    offset: Offset,
    opts: QueryOptions = {},
  ): AsyncIterable<EventEnvelope> {
    if (typeof entityType !== 'string' || entityType.length === 0) {
      throw new InvalidArgumentError('entityType', `entityType: expected a non-empty string, found ${JSON.stringify(entityType)}`, {
        expected: 'non-empty string',
        actual: entityType,
        source: NAME,
      });
    }
    const range = validateSliceRange(minSlice, maxSlice, NAME);
    /** Newest write time delivered (or resumed from): reads look back the window from it. */
    let newest = startTime(offset);
    let lower = Math.max(0, newest - this.#windowMs);
    const ready = await this.#connection.ready('eventsBySlices');
    const slices = Array.from({ length: range.maxSlice - range.minSlice + 1 }, (_, index) => range.minSlice + index);
    /** Delivered (persistence id, sequence number) with their write time, within the window. */
    const delivered = new Map<string, number>();
    const waiter = new ChangeWaiter({ closeSignal: this.#lifecycle.closeSignal }, opts.signal, this.#poll);
    try {
      while (!opts.signal?.aborted) {
        this.#lifecycle.assertOpen('eventsBySlices');
        const round = await unlessAborted(this.#round(ready, entityType, slices, lower), opts.signal);
        if (round === undefined) return;
        let fresh = 0;
        for (const { persistenceId, writtenAt, item } of round.items) {
          const packed = readOptionalBinary(item, Attribute.events, persistenceId);
          if (!packed) continue;
          for (const stored of unpackEvents(packed, persistenceId, readNumber(item, Attribute.sortKey, persistenceId))) {
            const key = `${stored.sequenceNr}:${persistenceId}`;
            if (delivered.has(key)) continue;
            delivered.set(key, writtenAt);
            fresh++;
            const repr = decodeEvent(stored, this.#serialization);
            yield {
              offset: { type: 'timestamp', value: writtenAt },
              persistenceId,
              sequenceNr: repr.sequenceNr,
              event: repr.event,
              timestamp: repr.timestamp,
              tags: repr.tags,
            };
          }
          newest = Math.max(newest, writtenAt);
        }
        // Catching up far behind the present, later items are already in the index: no need
        // to look back. Near the present, every read looks back the window.
        const farBehind = !round.complete && Date.now() - round.watermark > this.#windowMs;
        lower = farBehind ? round.watermark : Math.max(0, newest - this.#windowMs);
        for (const [key, writtenAt] of delivered) if (writtenAt < lower) delivered.delete(key);
        if (!round.complete) continue;
        if (!opts.live) return;
        if (fresh > 0) waiter.progressed();
        if (!(await waiter.wait())) return;
      }
    } finally {
      await waiter.close();
    }
  }

  /** Reads every slice from `lower`, a page each, and keeps what lies below every unfinished slice's last item. */
  async #round(ready: Ready, entityType: string, slices: readonly number[], lower: number): Promise<Round> {
    const pending = [...slices];
    const found: SliceItem[] = [];
    let watermark = Number.POSITIVE_INFINITY;
    const worker = async () => {
      for (let slice = pending.shift(); slice !== undefined; slice = pending.shift()) {
        const page = await this.#query(ready, sliceKeyOf(Kind.journal, entityType, slice), lower);
        found.push(...page.items);
        const last = page.items[page.items.length - 1];
        if (page.more && last) watermark = Math.min(watermark, last.writtenAt);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, slices.length) }, worker));
    const complete = watermark === Number.POSITIVE_INFINITY;
    const items = (complete ? found : found.filter((item) => item.writtenAt <= watermark)).sort(
      (a, b) =>
        a.writtenAt - b.writtenAt ||
        (a.persistenceId < b.persistenceId ? -1 : a.persistenceId > b.persistenceId ? 1 : 0) ||
        readNumber(a.item, Attribute.sortKey, a.persistenceId) - readNumber(b.item, Attribute.sortKey, b.persistenceId),
    );
    const highest = items[items.length - 1]?.writtenAt ?? lower;
    return { items, complete, watermark: complete ? highest : watermark };
  }

  async #query(ready: Ready, sliceKey: string, lower: number): Promise<{ items: SliceItem[]; more: boolean }> {
    try {
      const output = await ready.client.send(
        new ready.sdk.QueryCommand({
          TableName: this.#connection.table,
          IndexName: SLICE_INDEX_NAME,
          KeyConditionExpression: '#sl = :sl AND #ts >= :lower',
          ExpressionAttributeNames: { '#sl': Attribute.sliceKey, '#ts': Attribute.writtenAt },
          ExpressionAttributeValues: { ':sl': stringValue(sliceKey), ':lower': numberValue(lower) },
          ScanIndexForward: true,
          Limit: this.#pageSize,
        }),
      );
      const items = (output.Items ?? []).map((item) => {
        const persistenceId = (item[Attribute.partitionKey]?.S ?? '').slice(Kind.journal.length + 1);
        return { persistenceId, writtenAt: readNumber(item, Attribute.writtenAt, persistenceId), item };
      });
      return { items, more: output.LastEvaluatedKey !== undefined };
    } catch (error) {
      if (awsErrorName(error) === 'ValidationException' && /index/i.test((error as Error).message)) {
        throw new InvalidArgumentError(
          'tableName',
          `eventsBySlices on table ${JSON.stringify(this.#connection.table)}: expected the slice index ${SLICE_INDEX_NAME}, found none (${(error as Error).message}); create the table with createTable(client, { sliceIndex: true }) or add the index (docs/dynamodb.md)`,
          { expected: SLICE_INDEX_NAME, actual: 'no such index', source: NAME },
        );
      }
      throw this.#connection.failure(error, 'eventsBySlices');
    }
  }

  /** Releases the client if this read journal built it. Idempotent. */
  async close(): Promise<void> {
    if (!this.#lifecycle.close()) return;
    this.#connection.close();
  }
}

/** The write time an offset stands for: 0 for NoOffset. */
function startTime(offset: Offset): number {
  if (offset?.type === 'none') return 0;
  if (offset?.type === 'timestamp' && Number.isSafeInteger(offset.value) && offset.value >= 0) return offset.value;
  throw new InvalidArgumentError(
    'offset',
    `offset: expected NoOffset or { type: 'timestamp', value: epoch ms } (DynamoDB has no global ordering), found ${JSON.stringify(offset)}`,
    { expected: "NoOffset | { type: 'timestamp' }", actual: offset, source: NAME },
  );
}
