/**
 * Reading a global secondary index ordered by write time (the slice index, the tag index)
 * when DynamoDB offers no global ordering: passes over several hash keys merged by time,
 * each hash key paged by its own `ExclusiveStartKey` so any number of items with one write
 * time is read through; and the backtracking window, which starts a pass a window before
 * the newest write time read at least every `maxPollMs`, for index entries that appear late. The guarantees
 * are in docs/scaling.md.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { validateInteger } from '../core/validation.js';
import { DEFAULT_MAX_POLL_MS, type PollOptions } from '../spi/change-waiter.js';
import { type LivePage, livePages } from '../spi/live-pages.js';
import type { Offset, QueryOptions } from '../spi/read-journal.js';
import type { StoreLifecycle } from '../spi/store-options.js';
import { numberValue, readNumber, stringValue } from './attributes.js';
import type { Item } from './client.js';
import { DynamoDbConnection, type DynamoDbOptions, type Ready } from './connection.js';
import { awsErrorName, NAME } from './errors.js';
import { Attribute } from './layout.js';

/** An index item with the persistence id and write time it holds. */
export interface IndexedItem {
  readonly persistenceId: string;
  readonly writtenAt: number;
  readonly item: Item;
}

/** Where one index (and its hash key attribute) is read. */
export interface TimestampIndex {
  readonly connection: DynamoDbConnection;
  readonly indexName: string;
  readonly hashAttribute: string;
  /** The length of the partition key's kind prefix (`j#`, `d#`), cut off to get the persistence id. */
  readonly kindPrefixLength: number;
  /** How to build the index when it is missing, for the error that says so. */
  readonly howToCreate: string;
  readonly operation: string;
}

/** Options every time-ordered index reader shares. */
export interface BacktrackingOptions {
  /**
   * How far back (ms of write time) every pass reads again, for index entries that appear
   * late: it must exceed the longest delay between a write's time (the writer's clock) and
   * its index entry becoming readable (the reader's clock), which is the write latency plus
   * index propagation plus how far a writer's clock runs behind the reader's, plus the time
   * between two backtracking passes (`maxPollMs` and a pass). An entry later than that is
   * found only through a sequence gap (docs/scaling.md). @default 10000
   */
  readonly backtrackingWindowMs?: number;
  /**
   * The largest difference between the writers' and readers' clocks the deployment allows
   * (NTP keeps it to milliseconds). The window must exceed it. @default 1000
   */
  readonly maxClockSkewMs?: number;
  /** Items asked for per hash key per Query. @default 1000 */
  readonly pageSize?: number;
  /** Hash keys queried at once. @default 16 */
  readonly queryConcurrency?: number;
}

/** Checked {@link BacktrackingOptions}. */
export interface CheckedBacktracking {
  readonly windowMs: number;
  readonly pageSize: number;
  readonly concurrency: number;
}

/** Checks the options; a window not above the allowed clock skew is refused, since it would miss writes of a slow clock. */
export function checkBacktracking(options: BacktrackingOptions): CheckedBacktracking {
  const context = { source: NAME };
  const windowMs = validateInteger(options.backtrackingWindowMs ?? 10_000, 'options.backtrackingWindowMs', context, { min: 0 });
  const skewMs = validateInteger(options.maxClockSkewMs ?? Math.min(1000, windowMs), 'options.maxClockSkewMs', context, { min: 0 });
  if (skewMs > windowMs) {
    throw new InvalidArgumentError(
      'options.backtrackingWindowMs',
      `options.backtrackingWindowMs: expected at least options.maxClockSkewMs (${skewMs} ms), found ${windowMs} ms; a window shorter than the writers' clock skew misses the writes of a clock running behind (docs/scaling.md)`,
      { expected: `>= ${skewMs}`, actual: windowMs, source: NAME },
    );
  }
  return {
    windowMs,
    pageSize: validateInteger(options.pageSize ?? 1000, 'options.pageSize', context, { min: 1 }),
    concurrency: validateInteger(options.queryConcurrency ?? 16, 'options.queryConcurrency', context, { min: 1 }),
  };
}

/** The write time an offset stands for: 0 for NoOffset. */
export function startTime(offset: Offset): number {
  if (offset?.type === 'none') return 0;
  if (offset?.type === 'timestamp' && Number.isSafeInteger(offset.value) && offset.value >= 0) return offset.value;
  throw new InvalidArgumentError(
    'offset',
    `offset: expected NoOffset or { type: 'timestamp', value: epoch ms } (DynamoDB has no global ordering), found ${JSON.stringify(offset)}`,
    { expected: "NoOffset | { type: 'timestamp' }", actual: offset, source: NAME },
  );
}

/** One hash key's progress through a pass. */
interface Cursor {
  readonly hashKey: string;
  /** Read but not yet delivered, oldest first. */
  buffer: IndexedItem[];
  /** Where the next page starts (the last page's LastEvaluatedKey). */
  start: Item | undefined;
  /** Write time of the last item read: every later item of this key sorts at or after it. */
  position: number;
  done: boolean;
}

/**
 * One pass over the hash keys, write times `lower..upper`: each round reads a page of
 * every key whose read items are all delivered, then delivers what lies at or below the
 * lowest position of the keys not yet read through. That key's items all go, so every
 * round moves on, however many items share a write time.
 */
export class TimestampIndexPass {
  readonly #cursors: Cursor[];

  constructor(
    private readonly index: TimestampIndex,
    private readonly ready: Ready,
    hashKeys: readonly string[],
    private readonly lower: number,
    private readonly upper: number,
    private readonly checked: CheckedBacktracking,
  ) {
    this.#cursors = hashKeys.map((hashKey) => ({ hashKey, buffer: [], start: undefined, position: lower, done: false }));
  }

  /** Every key was read to `upper` and delivered. */
  get complete(): boolean {
    return this.#cursors.every((cursor) => cursor.done && cursor.buffer.length === 0);
  }

  /** The next round's items, by (write time, persistence id, sort key). */
  async next(): Promise<IndexedItem[]> {
    const pending = this.#cursors.filter((cursor) => !cursor.done && cursor.buffer.length === 0);
    const worker = async () => {
      for (let cursor = pending.shift(); cursor !== undefined; cursor = pending.shift()) await this.#read(cursor);
    };
    await Promise.all(Array.from({ length: Math.min(this.checked.concurrency, pending.length) }, worker));
    let watermark = Number.POSITIVE_INFINITY;
    for (const cursor of this.#cursors) if (!cursor.done) watermark = Math.min(watermark, cursor.position);
    const out: IndexedItem[] = [];
    for (const cursor of this.#cursors) {
      let taken = 0;
      while (taken < cursor.buffer.length && (cursor.buffer[taken] as IndexedItem).writtenAt <= watermark) taken++;
      out.push(...cursor.buffer.splice(0, taken));
    }
    return out.sort(
      (a, b) =>
        a.writtenAt - b.writtenAt ||
        (a.persistenceId < b.persistenceId ? -1 : a.persistenceId > b.persistenceId ? 1 : 0) ||
        readNumber(a.item, Attribute.sortKey, a.persistenceId) - readNumber(b.item, Attribute.sortKey, b.persistenceId),
    );
  }

  async #read(cursor: Cursor): Promise<void> {
    const { connection, indexName, hashAttribute, kindPrefixLength } = this.index;
    try {
      const output = await this.ready.client.send(
        new this.ready.sdk.QueryCommand({
          TableName: connection.table,
          IndexName: indexName,
          KeyConditionExpression: '#h = :h AND #ts BETWEEN :lower AND :upper',
          ExpressionAttributeNames: { '#h': hashAttribute, '#ts': Attribute.writtenAt },
          ExpressionAttributeValues: {
            ':h': stringValue(cursor.hashKey),
            ':lower': numberValue(this.lower),
            ':upper': numberValue(this.upper),
          },
          ScanIndexForward: true,
          Limit: this.checked.pageSize,
          ...(cursor.start ? { ExclusiveStartKey: cursor.start } : {}),
        }),
      );
      for (const item of output.Items ?? []) {
        const persistenceId = (item[Attribute.partitionKey]?.S ?? '').slice(kindPrefixLength);
        const writtenAt = readNumber(item, Attribute.writtenAt, persistenceId);
        cursor.buffer.push({ persistenceId, writtenAt, item });
        cursor.position = Math.max(cursor.position, writtenAt);
      }
      cursor.start = output.LastEvaluatedKey;
      const startTime = cursor.start?.[Attribute.writtenAt]?.N;
      if (startTime !== undefined) cursor.position = Math.max(cursor.position, Number(startTime));
      cursor.done = cursor.start === undefined;
    } catch (error) {
      if (awsErrorName(error) === 'ValidationException' && /index/i.test((error as Error).message)) {
        throw new InvalidArgumentError(
          'tableName',
          `${this.index.operation} on table ${JSON.stringify(connection.table)}: expected the index ${indexName}, found none (${(error as Error).message}); ${this.index.howToCreate} (docs/dynamodb.md)`,
          { expected: indexName, actual: 'no such index', source: NAME },
        );
      }
      throw connection.failure(error, this.index.operation);
    }
  }
}

/**
 * How often a stream's passes read back the whole window: as often as an idle live stream
 * polls (`maxPollMs`), so a busy stream finds late index entries as early as an idle one
 * does, without re-reading the window every round; never less often than the window itself.
 */
export function backtrackEvery(windowMs: number, poll: PollOptions): number {
  return Math.min(windowMs, poll.maxPollMs ?? DEFAULT_MAX_POLL_MS);
}

/**
 * The page reader of a backtracking stream, for `livePages`: passes one after the other,
 * each up to the reader's clock at its start (so a writer whose clock runs ahead cannot move
 * the stream past the others). A backtracking pass starts a window before the newest write
 * time read; it runs first and then whenever `backtrackEveryMs` have passed since the last
 * one started. The passes between start at the newest write time read (inclusive, for
 * entries of that time still to come), so they read only what is new. Each round is handed
 * to `deliver`, which drops what it delivered before.
 */
export function backtrackingReader<T>(
  start: number,
  windowMs: number,
  backtrackEveryMs: number,
  newPass: (lower: number, upper: number) => Promise<TimestampIndexPass>,
  deliver: (items: readonly IndexedItem[]) => Promise<T[]>,
): () => Promise<LivePage<T>> {
  let newest = start;
  let backtrackedAt = Number.NEGATIVE_INFINITY;
  let pass: TimestampIndexPass | undefined;
  return async () => {
    if (pass === undefined) {
      const now = Date.now();
      const backtrack = now - backtrackedAt >= backtrackEveryMs;
      if (backtrack) backtrackedAt = now;
      const lower = Math.max(0, backtrack ? newest - windowMs : newest);
      pass = await newPass(lower, Math.max(lower, now));
    }
    const items = await pass.next();
    for (const item of items) newest = Math.max(newest, item.writtenAt);
    const delivered = await deliver(items);
    const more = !pass.complete;
    if (!more) pass = undefined;
    return { items: delivered, more };
  };
}

/**
 * A query object's way to one time-ordered index (the read journal's slice index, the
 * durable state queries' tag index): its connection, checked options and poll bounds, and
 * the live stream of backtracking passes over some of the index's hash keys.
 */
export class TimestampIndexReader {
  readonly connection: DynamoDbConnection;
  readonly checked: CheckedBacktracking;
  readonly poll: PollOptions;
  readonly #index: TimestampIndex;
  readonly #lifecycle: StoreLifecycle;

  constructor(
    options: DynamoDbOptions & PollOptions & BacktrackingOptions,
    lifecycle: StoreLifecycle,
    index: Omit<TimestampIndex, 'connection'>,
  ) {
    this.connection = new DynamoDbConnection(options, lifecycle);
    this.checked = checkBacktracking(options);
    this.poll = { minPollMs: options.minPollMs, maxPollMs: options.maxPollMs };
    this.#index = { ...index, connection: this.connection };
    this.#lifecycle = lifecycle;
  }

  /**
   * The items of `hashKeys` from write time `start` (see {@link backtrackingReader}), each
   * round turned into what the stream delivers by `deliver`, which also gets the SDK and
   * client for reads of its own. Closing the lifecycle ends live streams with StoreClosedError.
   */
  stream<T>(
    hashKeys: readonly string[],
    start: number,
    opts: QueryOptions,
    deliver: (items: readonly IndexedItem[], ready: Ready) => Promise<T[]>,
  ): AsyncIterable<T> {
    const { operation } = this.#index;
    let ready: Ready | undefined;
    const read = backtrackingReader(
      start,
      this.checked.windowMs,
      backtrackEvery(this.checked.windowMs, this.poll),
      async (lower, upper) => {
        this.#lifecycle.assertOpen(operation);
        ready ??= await this.connection.ready(operation);
        return new TimestampIndexPass(this.#index, ready, hashKeys, lower, upper, this.checked);
      },
      // A round is delivered only after its pass was made, so `ready` is set.
      (items) => deliver(items, ready as Ready),
    );
    return livePages(read, opts, this.poll, { closeSignal: this.#lifecycle.closeSignal });
  }
}
