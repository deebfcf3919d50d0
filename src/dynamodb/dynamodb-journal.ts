/**
 * The DynamoDB journal: one item per AtomicWrite, written by one conditional PutItem, so a
 * write is stored all or nothing without TransactWriteItems (which dynalite lacks). The
 * item's sort key is the write's first sequence number; items are never removed (deleteTo
 * empties them), so two writers of the same position always collide. See docs/dynamodb.md.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../core/errors.js';
import type { AtomicWrite, PersistentRepr } from '../core/persistent-repr.js';
import { validateInteger } from '../core/validation.js';
import { Serialization } from '../serialization/serialization.js';
import type { JournalCapabilities } from '../spi/capabilities.js';
import { GuardedJournal, type JournalCore } from '../spi/guarded-journal.js';
import { decodeEvent, prepareWrite, type ReplayBounds, type StoredEvent, sequenceConflict } from '../spi/journal-support.js';
import { pagedIterable } from '../spi/paged-iterable.js';
import { StoreLifecycle } from '../spi/store-options.js';
import {
  binaryValue,
  numberValue,
  readNumber,
  readOptionalBinary,
  readOptionalNumber,
  readOptionalString,
  stringValue,
} from './attributes.js';
import type { Item } from './client.js';
import { DynamoDbConnection, type DynamoDbOptions, type Ready } from './connection.js';
import { isConditionFailure, mayHaveBeenSentBefore, NAME, unlessConditionFails } from './errors.js';
import { packEvents, unpackEvents } from './event-frame.js';
import { listIdsOfKind } from './id-index.js';
import { itemSize, MAX_ITEM_BYTES } from './item-size.js';
import { KnownHighest } from './known-highest.js';
import { Attribute, idKey, JOURNAL_META_SORT_KEY, Kind, partitionKey, sliceKey } from './layout.js';

/** Options of {@link DynamoDbJournal}. */
export interface DynamoDbJournalOptions extends DynamoDbOptions {
  /** Items (one per AtomicWrite) asked for per Query page during replay; DynamoDB also stops a page at 1 MB. @default 1000 */
  readonly replayPageSize?: number;
  /** AtomicWrites of different ids one `write` call stores at once (one id's writes go in order). @default 16 */
  readonly writeConcurrency?: number;
  /** Ids whose highest sequence number the journal remembers, to write without reading first. @default 10000 */
  readonly knownIds?: number;
}

/** Key attributes of a journal item. */
const key = (persistenceId: string, sortKey: number): Item => ({
  [Attribute.partitionKey]: stringValue(partitionKey(Kind.journal, persistenceId)),
  [Attribute.sortKey]: numberValue(sortKey),
});

/** A page's items and where the next page starts. */
interface QueryPage {
  readonly items: Item[];
  readonly next: Item | undefined;
}

/** The I/O of {@link DynamoDbJournal}. */
class DynamoDbJournalCore implements JournalCore {
  /** Ids listed through the id index; no global order, so no `queries` (docs/dynamodb.md). */
  readonly capabilities: JournalCapabilities = { listing: true };
  readonly #serialization: Serialization;
  readonly #lifecycle: StoreLifecycle;
  readonly #connection: DynamoDbConnection;
  readonly #pageSize: number;
  readonly #writeConcurrency: number;
  readonly #highest: KnownHighest;

  constructor(options: DynamoDbJournalOptions, connection: DynamoDbConnection, lifecycle: StoreLifecycle, serialization: Serialization) {
    this.#connection = connection;
    this.#lifecycle = lifecycle;
    const context = { source: NAME };
    this.#pageSize = validateInteger(options.replayPageSize ?? 1000, 'options.replayPageSize', context, { min: 1 });
    this.#writeConcurrency = validateInteger(options.writeConcurrency ?? 16, 'options.writeConcurrency', context, { min: 1 });
    this.#highest = new KnownHighest(validateInteger(options.knownIds ?? 10_000, 'options.knownIds', context, { min: 0 }));
    this.#serialization = serialization;
  }

  /**
   * Stores each AtomicWrite as one item by a conditional put; writes of different ids go
   * in parallel, one id's in order. See Journal.write for the result contract.
   */
  async write(writes: readonly AtomicWrite[]): Promise<(Error | undefined)[]> {
    const ready = await this.#connection.ready('write');
    return this.#writeAll(ready, writes);
  }

  async #writeAll(ready: Ready, writes: readonly AtomicWrite[]): Promise<(Error | undefined)[]> {
    const results: (Error | undefined)[] = new Array(writes.length).fill(undefined);
    const byId = new Map<string, number[]>();
    writes.forEach((write, index) => {
      const positions = byId.get(write.persistenceId);
      if (positions) positions.push(index);
      else byId.set(write.persistenceId, [index]);
    });
    const groups = [...byId.values()];
    const failures: { index: number; error: unknown }[] = [];
    const worker = async () => {
      for (let group = groups.shift(); group !== undefined; group = groups.shift()) {
        for (const index of group) {
          try {
            results[index] = await this.#writeOne(ready, writes[index] as AtomicWrite, index);
          } catch (error) {
            // The id's state is unknown now; its later writes in this call are not attempted.
            failures.push({ index, error });
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#writeConcurrency, groups.length) }, worker));
    if (failures.length > 0) {
      const [first] = failures.sort((a, b) => a.index - b.index) as [{ index: number; error: unknown }];
      const id = (writes[first.index] as AtomicWrite).persistenceId;
      throw this.#connection.failure(first.error, `journal.write (writes of other ids in this call may have been stored)`, id);
    }
    return results;
  }

  /** Stores one write: its result, or a throw when the store failed. */
  async #writeOne(ready: Ready, write: AtomicWrite, index: number): Promise<Error | undefined> {
    const prepared = prepareWrite(write, this.#serialization);
    if (prepared.error) return prepared.error;
    const id = write.persistenceId;
    const first = (write.events[0] as PersistentRepr).sequenceNr;
    const last = first + write.events.length - 1;
    // An id's first write needs no read: once an id has events its item at sequence number 1
    // exists (deleteTo empties items, never removes them), so the conditional put refuses a
    // second first write by itself.
    let highest = this.#highest.get(id) ?? (first === 1 ? 0 : await this.#readHighest(ready, id));
    if (first !== highest + 1) {
      // The remembered value may be stale; only a fresh read may reject.
      highest = await this.#readHighest(ready, id);
      if (first !== highest + 1) return sequenceConflict(id, highest + 1, first, NAME);
    }
    const token = randomBytes(9).toString('base64url');
    const item: Item = {
      ...key(id, first),
      [Attribute.last]: numberValue(last),
      [Attribute.writtenAt]: numberValue(Date.now()),
      [Attribute.sliceKey]: stringValue(sliceKey(Kind.journal, id)),
      [Attribute.writeToken]: stringValue(token),
      [Attribute.events]: binaryValue(packEvents(prepared.rows)),
      // An id's first write makes it listable, in the same put: never listed without it.
      ...(first === 1 ? { [Attribute.idKey]: stringValue(idKey(Kind.journal, id)) } : {}),
    };
    const size = itemSize(item);
    if (size > MAX_ITEM_BYTES) return tooLarge(id, index, write.events.length, first, last, size);
    try {
      await this.#connection.putNew(ready, item);
    } catch (error) {
      if (!isConditionFailure(error)) {
        this.#highest.forget(id);
        throw error;
      }
      // The SDK retries a put whose answer was lost; its second attempt then meets our own item.
      if (mayHaveBeenSentBefore(error) && (await this.#tokenAt(ready, id, first)) === token) {
        this.#highest.set(id, last);
        return undefined;
      }
      const actual = await this.#readHighest(ready, id);
      return sequenceConflict(id, actual + 1, first, NAME);
    }
    this.#highest.set(id, last);
    return undefined;
  }

  /** The write token of the item at `sortKey`, read consistently. */
  async #tokenAt(ready: Ready, persistenceId: string, sortKey: number): Promise<string | undefined> {
    const found = await ready.client.send(
      new ready.sdk.GetItemCommand({
        TableName: this.#connection.table,
        Key: key(persistenceId, sortKey),
        ConsistentRead: true,
        ProjectionExpression: '#w',
        ExpressionAttributeNames: { '#w': Attribute.writeToken },
      }),
    );
    return found.Item ? readOptionalString(found.Item, Attribute.writeToken, persistenceId) : undefined;
  }

  /** The last item's last sequence number (0 without items), read consistently; remembered. */
  async #readHighest(ready: Ready, persistenceId: string): Promise<number> {
    const { items } = await this.#query(ready, persistenceId, { from: 1, to: Number.MAX_SAFE_INTEGER, descending: true, limit: 1 }, [
      Attribute.last,
    ]);
    const highest = items[0] ? readNumber(items[0], Attribute.last, persistenceId) : 0;
    this.#highest.set(persistenceId, highest);
    return highest;
  }

  /** One Query page of an id's journal items with `from <= sk <= to`. */
  async #query(
    ready: Ready,
    persistenceId: string,
    range: { from: number; to: number; descending?: boolean; limit: number; start?: Item | undefined },
    projection?: readonly string[],
  ): Promise<QueryPage> {
    const names: Record<string, string> = { '#pk': Attribute.partitionKey, '#sk': Attribute.sortKey };
    projection?.forEach((name, index) => {
      names[`#p${index}`] = name;
    });
    const output = await ready.client.send(
      new ready.sdk.QueryCommand({
        TableName: this.#connection.table,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':pk': stringValue(partitionKey(Kind.journal, persistenceId)),
          ':from': numberValue(range.from),
          ':to': numberValue(range.to),
        },
        ...(projection ? { ProjectionExpression: projection.map((_, index) => `#p${index}`).join(', ') } : {}),
        ScanIndexForward: !range.descending,
        ConsistentRead: true,
        Limit: range.limit,
        ...(range.start ? { ExclusiveStartKey: range.start } : {}),
      }),
    );
    return { items: output.Items ?? [], next: output.LastEvaluatedKey };
  }

  /** The live events of an item with `from <= sequenceNr <= to`. */
  #eventsOf(item: Item, persistenceId: string, from: number, to: number): StoredEvent[] {
    const packed = readOptionalBinary(item, Attribute.events, persistenceId);
    if (!packed) return [];
    const events = unpackEvents(packed, persistenceId, readNumber(item, Attribute.sortKey, persistenceId));
    const last = events[events.length - 1];
    if (events.length > 0 && (events[0] as StoredEvent).sequenceNr >= from && (last as StoredEvent).sequenceNr <= to) return events;
    return events.filter((event) => event.sequenceNr >= from && event.sequenceNr <= to);
  }

  /**
   * Events oldest first, in Query pages of `replayPageSize` items (strongly consistent). An
   * item that starts below `from` may still hold it: it is read by a second Query, at once,
   * unless `from - 1` is the highest this journal knows (a reader polling the tail).
   */
  replay(persistenceId: string, bounds: ReplayBounds): AsyncIterable<PersistentRepr> {
    let state:
      | {
          ready: Promise<Ready>;
          from: number;
          to: number;
          remaining: number;
          /** Lowest sort key the ascending pages ask for. */
          firstKey: number;
          straddling?: Promise<QueryPage>;
          start?: Item;
          ended: boolean;
        }
      | undefined;
    const take = (events: StoredEvent[]): StoredEvent[] => {
      const taken = events.length > (state?.remaining ?? 0) ? events.slice(0, state?.remaining) : events;
      if (state) state.remaining -= taken.length;
      return taken;
    };
    const nextPage = async (): Promise<readonly StoredEvent[] | undefined> => {
      if (state === undefined) {
        const ready = this.#connection.ready('replay', persistenceId);
        const lower = Math.max(bounds.from, 1);
        // An item starting below `from` may hold it, unless `from - 1` is where an item ends.
        const straddles = lower > 1 && this.#highest.peek(persistenceId) !== lower - 1;
        state = {
          ready,
          from: lower,
          to: bounds.to,
          remaining: bounds.max,
          ended: lower > bounds.to || bounds.max === 0,
          firstKey: straddles ? lower + 1 : lower,
        };
        if (!state.ended && straddles) {
          state.straddling = ready.then((r) => this.#query(r, persistenceId, { from: 1, to: lower, descending: true, limit: 1 }));
          state.straddling.catch(() => {}); // awaited below; never an unhandled rejection meanwhile
        }
      }
      try {
        const ready = await state.ready;
        if (state.straddling) {
          const { items } = await state.straddling;
          state.straddling = undefined;
          const events = items[0] ? take(this.#eventsOf(items[0], persistenceId, state.from, state.to)) : [];
          if (events.length > 0) return events;
        }
        while (!state.ended && state.remaining > 0) {
          this.#lifecycle.assertOpen('replay', persistenceId);
          // Items starting at `from` or above (above it when the straddling query covered `from`).
          if (state.firstKey > state.to) break;
          const page = await this.#query(ready, persistenceId, {
            from: state.firstKey,
            to: state.to,
            limit: Math.min(this.#pageSize, state.remaining),
            start: state.start,
          });
          state.start = page.next;
          if (!page.next) state.ended = true;
          const events = take(page.items.flatMap((item) => this.#eventsOf(item, persistenceId, state?.from ?? 1, state?.to ?? 0)));
          if (events.length > 0) return events;
        }
      } catch (error) {
        throw this.#connection.failure(error, 'journal.replay', persistenceId);
      }
      return undefined;
    };
    return pagedIterable(nextPage, (stored) => decodeEvent(stored, this.#serialization));
  }

  /** Ids whose first write is stored (deleted ones included), from the id index. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    return listIdsOfKind(this.#connection, Kind.journal, afterId, limit, 'journal.listPersistenceIds');
  }

  /** The highest sequence number ever written (0 if none), surviving deleteTo; one strongly consistent Query. */
  async highestSequenceNr(persistenceId: string): Promise<number> {
    const ready = await this.#connection.ready('highestSequenceNr', persistenceId);
    try {
      return await this.#readHighest(ready, persistenceId);
    } catch (error) {
      throw this.#connection.failure(error, 'journal.highestSequenceNr', persistenceId);
    }
  }

  /**
   * Empties the items holding events up to `to`, oldest first, one at a time, so an
   * interrupted call leaves a shorter deleted prefix, never a hole. Items are kept (their
   * keys guard the sequence numbers) and the last one keeps the highest readable.
   */
  async deleteTo(persistenceId: string, to: number): Promise<void> {
    const ready = await this.#connection.ready('deleteTo', persistenceId);
    try {
      await this.#deleteTo(ready, persistenceId, to);
    } catch (error) {
      throw this.#connection.failure(error, 'journal.deleteTo', persistenceId);
    }
  }

  async #deleteTo(ready: Ready, persistenceId: string, to: number): Promise<void> {
    const { client, sdk } = ready;
    const table = this.#connection.table;
    const meta = await client.send(
      new sdk.GetItemCommand({ TableName: table, Key: key(persistenceId, JOURNAL_META_SORT_KEY), ConsistentRead: true }),
    );
    const deletedTo = meta.Item ? (readOptionalNumber(meta.Item, Attribute.deletedTo, persistenceId) ?? 0) : 0;
    if (to <= deletedTo) return;
    const from = deletedTo + 1;
    let covered = deletedTo;
    const empty = async (item: Item) => {
      const sortKey = readNumber(item, Attribute.sortKey, persistenceId);
      const last = readNumber(item, Attribute.last, persistenceId);
      if (readOptionalBinary(item, Attribute.events, persistenceId) !== undefined) {
        if (last <= to) {
          // Emptied, not removed: the key must stay so no later write can take its place.
          await client.send(
            new sdk.UpdateItemCommand({
              TableName: table,
              Key: key(persistenceId, sortKey),
              UpdateExpression: 'SET #lo = :lo REMOVE #ev, #ts, #sl',
              ConditionExpression: 'attribute_exists(#pk)',
              ExpressionAttributeNames: {
                '#lo': Attribute.liveFrom,
                '#ev': Attribute.events,
                '#ts': Attribute.writtenAt,
                '#sl': Attribute.sliceKey,
                '#pk': Attribute.partitionKey,
              },
              ExpressionAttributeValues: { ':lo': numberValue(last + 1) },
            }),
          );
        } else {
          const kept = this.#eventsOf(item, persistenceId, to + 1, Number.MAX_SAFE_INTEGER);
          await unlessConditionFails(
            client.send(
              new sdk.UpdateItemCommand({
                TableName: table,
                Key: key(persistenceId, sortKey),
                UpdateExpression: 'SET #ev = :ev, #lo = :lo',
                // A concurrent deleteTo that got further must not be undone.
                ConditionExpression: 'attribute_exists(#ev) AND (attribute_not_exists(#lo) OR #lo < :lo)',
                ExpressionAttributeNames: { '#ev': Attribute.events, '#lo': Attribute.liveFrom },
                ExpressionAttributeValues: { ':ev': binaryValue(packEvents(kept)), ':lo': numberValue(to + 1) },
              }),
            ),
          );
        }
      }
      covered = Math.max(covered, Math.min(last, to));
    };
    if (from > 1) {
      const { items } = await this.#query(ready, persistenceId, { from: 1, to: from, descending: true, limit: 1 });
      if (items[0] && readNumber(items[0], Attribute.last, persistenceId) >= from) await empty(items[0]);
    }
    const lower = from > 1 ? from + 1 : 1;
    let start: Item | undefined;
    do {
      if (lower > to) break;
      const page = await this.#query(ready, persistenceId, { from: lower, to, limit: this.#pageSize, start });
      for (const item of page.items) await empty(item);
      start = page.next;
    } while (start);
    if (covered <= deletedTo) return;
    await unlessConditionFails(
      client.send(
        new sdk.UpdateItemCommand({
          TableName: table,
          Key: key(persistenceId, JOURNAL_META_SORT_KEY),
          UpdateExpression: 'SET #del = :del',
          ConditionExpression: 'attribute_not_exists(#del) OR #del < :del',
          ExpressionAttributeNames: { '#del': Attribute.deletedTo },
          ExpressionAttributeValues: { ':del': numberValue(covered) },
        }),
      ),
    );
  }

  /** Releases the client if this journal built it. */
  async close(): Promise<void> {
    this.#connection.close();
  }
}

/**
 * A journal in a DynamoDB table (shared with the snapshot and durable state stores).
 *
 * @example
 * const journal = new DynamoDbJournal({ tableName: 'memento', clientConfig: { region: 'eu-west-1' } });
 */
export class DynamoDbJournal extends GuardedJournal {
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #connection: DynamoDbConnection;

  constructor(options: DynamoDbJournalOptions = {}) {
    const lifecycle = new StoreLifecycle(NAME, 'journal');
    const connection = new DynamoDbConnection(options, lifecycle);
    const serialization = options.serialization ?? new Serialization();
    super(new DynamoDbJournalCore(options, connection, lifecycle, serialization), { source: NAME, hooks: options.hooks, lifecycle });
    this.serialization = serialization;
    this.#connection = connection;
  }

  /** Loads the SDK and (with `createTableIfMissing`) creates the table now, so a bad setup fails at startup. */
  async ready(): Promise<void> {
    await this.#connection.ready('ready');
  }
}

function tooLarge(persistenceId: string, index: number, events: number, first: number, last: number, size: number): InvalidArgumentError {
  const range = first === last ? `sequence number ${first}` : `sequence numbers ${first}-${last}`;
  return new InvalidArgumentError(
    `writes[${index}]`,
    `write of ${events} event${events === 1 ? '' : 's'} to ${JSON.stringify(persistenceId)} (${range}): expected at most ${MAX_ITEM_BYTES} bytes as one DynamoDB item, found ${size}; an AtomicWrite is stored as one item so it stays atomic without transactions (docs/dynamodb.md): persist fewer or smaller events per write`,
    { persistenceId, expected: `<= ${MAX_ITEM_BYTES} bytes`, actual: size, source: NAME },
  );
}
