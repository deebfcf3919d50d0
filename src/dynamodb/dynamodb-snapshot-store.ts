/**
 * The DynamoDB snapshot store: one item per (persistence id, sequence number), the youngest
 * matching one found by one descending Query. A snapshot too large for an item goes to the
 * snapshot store passed as `largeSnapshots` (an S3 store, typically); the item then holds
 * a pointer with the envelope's size and CRC-32, checked on load.
 * @module
 */

import { CorruptSnapshotError, InvalidArgumentError } from '../core/errors.js';
import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { validateInteger } from '../core/validation.js';
import { type Logger, resolveLogger } from '../observability/logger.js';
import { checksum } from '../serialization/checksum.js';
import { Serialization } from '../serialization/serialization.js';
import type { SnapshotCapabilities } from '../spi/capabilities.js';
import { GuardedSnapshotStore, type SnapshotStoreCore } from '../spi/guarded-snapshot-store.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';
import type { SnapshotSizeOptions } from '../spi/snapshot-support.js';
import { decodeSnapshot, encodeSnapshot, loadYoungestReadable, type SkipReporting, type StoredSnapshot } from '../spi/snapshot-support.js';
import { StoreLifecycle } from '../spi/store-options.js';
import { binaryValue, numberValue, readNumber, readOptionalBinary, stringValue } from './attributes.js';
import type { Item } from './client.js';
import { DynamoDbConnection, type DynamoDbOptions, type Ready } from './connection.js';
import { NAME } from './errors.js';
import { listIdsOfKind } from './id-index.js';
import { itemSize, MAX_ITEM_BYTES } from './item-size.js';
import { Attribute, idKey, Kind, partitionKey, sliceKey } from './layout.js';

/** Options of {@link DynamoDbSnapshotStore}. */
export interface DynamoDbSnapshotStoreOptions extends DynamoDbOptions, SnapshotSizeOptions {
  /**
   * Where snapshots too large for one item go: any snapshot store, typically an
   * `S3SnapshotStore` with a prefix of its own. The item keeps a checked pointer. This store
   * does not close it. Without it, a snapshot over the limit is refused. @default none
   */
  readonly largeSnapshots?: SnapshotStore;
  /**
   * Snapshots whose item would be larger than this go to `largeSnapshots`; lower it to keep
   * large reads off DynamoDB's read capacity (docs/dynamodb.md). At most 409,600 (400 KB).
   * @default 409600
   */
  readonly largeSnapshotBytes?: number;
  /** Items per Query page of `list` and `deleteMatching`. @default 100 */
  readonly listPageSize?: number;
}

/** Candidates past the first are fetched this many at a time. */
const LATER_LOAD_PAGE = 8;
/** Deletes sent at once by `deleteMatching`. */
const DELETE_CONCURRENCY = 16;

/** A matching item as `load` walks them, newest first. */
interface Candidate {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly timestamp: number;
  readonly item: Item;
}

const key = (persistenceId: string, sequenceNr: number): Item => ({
  [Attribute.partitionKey]: stringValue(partitionKey(Kind.snapshot, persistenceId)),
  [Attribute.sortKey]: numberValue(sequenceNr),
});

/** A snapshot encoded as an item, ready to put. */
interface PreparedItem {
  readonly row: StoredSnapshot;
  /** The item without its payload. */
  readonly base: Item;
  /** The item with its payload inline. */
  readonly inline: Item;
  readonly inlineSize: number;
  readonly bytes: number;
}

/** The I/O of {@link DynamoDbSnapshotStore}. */
class DynamoDbSnapshotCore implements SnapshotStoreCore<PreparedItem> {
  /** Ids listed through the id index (every snapshot item is in it). */
  readonly capabilities: SnapshotCapabilities = { listing: true };
  readonly #serialization: Serialization;
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #logger: Logger;
  readonly #lifecycle: StoreLifecycle;
  readonly connection: DynamoDbConnection;
  readonly #large: SnapshotStore | undefined;
  readonly #largeBytes: number;
  readonly #pageSize: number;

  constructor(options: DynamoDbSnapshotStoreOptions, lifecycle: StoreLifecycle) {
    this.#lifecycle = lifecycle;
    this.connection = new DynamoDbConnection(options, lifecycle);
    const context = { source: NAME };
    const large = options.largeSnapshots;
    if (
      large !== undefined &&
      (typeof large !== 'object' || large === null || typeof large.load !== 'function' || typeof large.save !== 'function')
    ) {
      throw new InvalidArgumentError(
        'options.largeSnapshots',
        'options.largeSnapshots: expected a SnapshotStore (e.g. an S3SnapshotStore)',
        {
          expected: 'a SnapshotStore',
          actual: large,
          source: NAME,
        },
      );
    }
    this.#large = large;
    this.#largeBytes = validateInteger(options.largeSnapshotBytes ?? MAX_ITEM_BYTES, 'options.largeSnapshotBytes', context, { min: 1 });
    if (this.#largeBytes > MAX_ITEM_BYTES) {
      throw new InvalidArgumentError(
        'options.largeSnapshotBytes',
        `options.largeSnapshotBytes: expected at most ${MAX_ITEM_BYTES} (DynamoDB's item limit), found ${this.#largeBytes}`,
        { expected: `<= ${MAX_ITEM_BYTES}`, actual: this.#largeBytes, source: NAME },
      );
    }
    this.#pageSize = validateInteger(options.listPageSize ?? 100, 'options.listPageSize', context, { min: 1 });
    this.#serialization = options.serialization ?? new Serialization();
    this.serialization = this.#serialization;
    this.#logger = resolveLogger(options.logger);
  }

  /** Ids with at least one snapshot, from the id index. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    return listIdsOfKind(this.connection, Kind.snapshot, afterId, limit, 'snapshot.listPersistenceIds');
  }

  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, reporting: SkipReporting): Promise<SelectedSnapshot | null> {
    const ready = await this.connection.ready('load', persistenceId);
    try {
      return await loadYoungestReadable(this.#candidates(ready, persistenceId, criteria), (candidate) => this.#read(candidate), reporting);
    } catch (error) {
      throw this.connection.failure(error, 'snapshot.load', persistenceId);
    }
  }

  async *#candidates(ready: Ready, persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<Candidate> {
    if (criteria.minSequenceNr > criteria.maxSequenceNr || criteria.minTimestamp > criteria.maxTimestamp) return;
    let start: Item | undefined;
    let limit = 1;
    do {
      const page = await this.#query(ready, persistenceId, criteria, { descending: true, limit, start });
      for (const item of page.items) {
        const sequenceNr = readNumber(item, Attribute.sortKey, persistenceId);
        const timestamp = readNumber(item, Attribute.snapshotTimestamp, persistenceId);
        if (criteria.matches({ sequenceNr, timestamp })) yield { persistenceId, sequenceNr, timestamp, item };
      }
      start = page.next;
      limit = LATER_LOAD_PAGE;
    } while (start);
  }

  async #query(
    ready: Ready,
    persistenceId: string,
    criteria: SnapshotSelectionCriteria,
    page: { descending: boolean; limit: number; start: Item | undefined; keysOnly?: boolean },
  ): Promise<{ items: Item[]; next: Item | undefined }> {
    const output = await ready.client.send(
      new ready.sdk.QueryCommand({
        TableName: this.connection.table,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :minSeq AND :maxSeq',
        FilterExpression: '#st BETWEEN :minTs AND :maxTs',
        ExpressionAttributeNames: {
          '#pk': Attribute.partitionKey,
          '#sk': Attribute.sortKey,
          '#st': Attribute.snapshotTimestamp,
          ...(page.keysOnly ? { '#ext': Attribute.external } : {}),
        },
        ExpressionAttributeValues: {
          ':pk': stringValue(partitionKey(Kind.snapshot, persistenceId)),
          ':minSeq': numberValue(criteria.minSequenceNr),
          ':maxSeq': numberValue(criteria.maxSequenceNr),
          ':minTs': numberValue(criteria.minTimestamp),
          ':maxTs': numberValue(criteria.maxTimestamp),
        },
        ...(page.keysOnly ? { ProjectionExpression: '#sk, #st, #ext' } : {}),
        ScanIndexForward: !page.descending,
        ConsistentRead: true,
        Limit: page.limit,
        ...(page.start ? { ExclusiveStartKey: page.start } : {}),
      }),
    );
    return { items: output.Items ?? [], next: output.LastEvaluatedKey };
  }

  /** Decodes a candidate, fetching and checking a large one; damage throws an unreadable-snapshot error. */
  async #read(candidate: Candidate): Promise<SelectedSnapshot> {
    const { persistenceId, sequenceNr, timestamp, item } = candidate;
    const metadata = readOptionalBinary(item, Attribute.metadata, persistenceId);
    const inline = readOptionalBinary(item, Attribute.payload, persistenceId);
    const payload = inline ?? (await this.#readLarge(candidate));
    const row: StoredSnapshot = { persistenceId, sequenceNr, timestamp, payload, metadata };
    return decodeSnapshot(row, this.#serialization, NAME);
  }

  async #readLarge({ persistenceId, sequenceNr, item }: Candidate): Promise<Uint8Array> {
    const pointer = item[Attribute.external]?.M;
    const damaged = (problem: string, expected: string, actual: unknown): never => {
      throw new CorruptSnapshotError(`snapshot ${sequenceNr} of ${JSON.stringify(persistenceId)} cannot be read: ${problem}`, {
        persistenceId,
        sequenceNr,
        expected,
        actual,
        source: NAME,
      });
    };
    if (!pointer) return damaged('its item holds neither a payload nor a pointer', 'a payload or a pointer', Object.keys(item));
    const bytes = Number(pointer.n?.N);
    const crc = Number(pointer.c?.N);
    if (!this.#large) {
      throw new InvalidArgumentError(
        'options.largeSnapshots',
        `snapshot ${sequenceNr} of ${JSON.stringify(persistenceId)} is in the large snapshot store, but this store was built without options.largeSnapshots: pass the store it was saved to`,
        { persistenceId, expected: 'options.largeSnapshots', actual: undefined, source: NAME },
      );
    }
    const skipped: string[] = [];
    const exact = new SnapshotSelectionCriteria({ minSequenceNr: sequenceNr, maxSequenceNr: sequenceNr });
    const selected = await this.#large.load(persistenceId, exact, { onSkipped: (entry) => skipped.push(entry.error.message) });
    if (!selected) {
      const why = skipped.length > 0 ? `unreadable there (${skipped.join('; ')})` : 'missing from it';
      return damaged(`its large snapshot is ${why}`, 'the object the pointer names', skipped[0] ?? 'nothing');
    }
    const found = selected.snapshot;
    if (!(found instanceof Uint8Array))
      return damaged('the large snapshot store returned something other than bytes', 'bytes', typeof found);
    const foundCrc = checksum(found);
    if (found.length !== bytes || foundCrc !== crc) {
      return damaged(
        `the large snapshot does not match its pointer (replaced by another save?): expected ${bytes} bytes with CRC-32 ${crc.toString(16)}, found ${found.length} bytes with ${foundCrc.toString(16)}`,
        `${bytes} bytes, CRC-32 ${crc.toString(16)}`,
        `${found.length} bytes, CRC-32 ${foundCrc.toString(16)}`,
      );
    }
    return found;
  }

  /**
   * Saves or replaces the snapshot at (persistence id, sequence number): inline when its
   * item fits under `largeSnapshotBytes`, else in `largeSnapshots` with a pointer here.
   */
  prepareSave(metadata: SnapshotMetadata, snapshot: unknown): PreparedItem {
    const row = encodeSnapshot(metadata, snapshot, this.#serialization);
    const { persistenceId, sequenceNr, timestamp } = row;
    const base: Item = {
      ...key(persistenceId, sequenceNr),
      [Attribute.snapshotTimestamp]: numberValue(timestamp),
      [Attribute.writtenAt]: numberValue(Date.now()),
      [Attribute.sliceKey]: stringValue(sliceKey(Kind.snapshot, persistenceId)),
      [Attribute.idKey]: stringValue(idKey(Kind.snapshot, persistenceId)),
      ...(row.metadata ? { [Attribute.metadata]: binaryValue(row.metadata) } : {}),
    };
    const inline: Item = { ...base, [Attribute.payload]: binaryValue(row.payload) };
    return { row, base, inline, inlineSize: itemSize(inline), bytes: row.payload.length };
  }

  async save({ row, base, inline, inlineSize }: PreparedItem): Promise<void> {
    const { persistenceId, sequenceNr, timestamp } = row;
    const ready = await this.connection.ready('save', persistenceId);
    let item = inline;
    if (inlineSize > this.#largeBytes) {
      item = {
        ...base,
        [Attribute.external]: { M: { n: numberValue(row.payload.length), c: numberValue(checksum(row.payload)) } },
      };
      const pointerSize = itemSize(item);
      if (!this.#large || pointerSize > MAX_ITEM_BYTES) throw this.#tooLarge(row, inlineSize, pointerSize);
      await this.#large.save(new SnapshotMetadata({ persistenceId, sequenceNr, timestamp }), row.payload);
    }
    let replaced: Item | undefined;
    try {
      const output = await ready.client.send(
        new ready.sdk.PutItemCommand({ TableName: this.connection.table, Item: item, ReturnValues: 'ALL_OLD' }),
      );
      replaced = output.Attributes;
    } catch (error) {
      throw this.connection.failure(error, 'snapshot.save', persistenceId);
    }
    // An inline snapshot replacing a large one leaves the large copy behind: remove it.
    if (replaced?.[Attribute.external] && item === inline) await this.#deleteLarge(persistenceId, sequenceNr, timestamp);
  }

  #tooLarge(row: StoredSnapshot, inlineSize: number, pointerSize: number): InvalidArgumentError {
    const what = `snapshot ${row.sequenceNr} of ${JSON.stringify(row.persistenceId)}`;
    const message = this.#large
      ? `${what}: its user metadata alone makes a ${pointerSize}-byte item, over DynamoDB's ${MAX_ITEM_BYTES}-byte limit`
      : `${what}: expected at most ${this.#largeBytes} bytes as one DynamoDB item, found ${inlineSize}; pass options.largeSnapshots (e.g. an S3SnapshotStore) to store large snapshots there`;
    return new InvalidArgumentError('snapshot', message, {
      persistenceId: row.persistenceId,
      expected: `<= ${this.#large ? MAX_ITEM_BYTES : this.#largeBytes} bytes`,
      actual: this.#large ? pointerSize : inlineSize,
      source: NAME,
    });
  }

  /** Removes a large snapshot's copy; a failure leaves an orphan, which is logged, never fatal. */
  async #deleteLarge(persistenceId: string, sequenceNr: number, timestamp: number): Promise<void> {
    if (!this.#large) return;
    try {
      await this.#large.delete(new SnapshotMetadata({ persistenceId, sequenceNr, timestamp }));
    } catch (error) {
      this.#logger.warn(`[memento] [${NAME}] could not delete a large snapshot's copy; it is left behind`, {
        persistenceId,
        sequenceNr,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** Deletes the snapshot at `metadata.sequenceNr` (and its large copy). */
  async delete({ persistenceId, sequenceNr }: SnapshotMetadata): Promise<void> {
    const ready = await this.connection.ready('delete', persistenceId);
    await this.#deleteOne(ready, persistenceId, sequenceNr);
  }

  async #deleteOne(ready: Ready, persistenceId: string, sequenceNr: number): Promise<void> {
    let removed: Item | undefined;
    try {
      const output = await ready.client.send(
        new ready.sdk.DeleteItemCommand({
          TableName: this.connection.table,
          Key: key(persistenceId, sequenceNr),
          ReturnValues: 'ALL_OLD',
        }),
      );
      removed = output.Attributes;
    } catch (error) {
      throw this.connection.failure(error, 'snapshot.delete', persistenceId);
    }
    if (removed?.[Attribute.external]) {
      await this.#deleteLarge(persistenceId, sequenceNr, readNumber(removed, Attribute.snapshotTimestamp, persistenceId));
    }
  }

  /** Deletes every matching snapshot of the id (a few deletes at once). */
  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    const ready = await this.connection.ready('deleteMatching', persistenceId);
    const matching: number[] = [];
    for await (const metadata of this.#list(ready, persistenceId, criteria)) matching.push(metadata.sequenceNr);
    for (let at = 0; at < matching.length; at += DELETE_CONCURRENCY) {
      await Promise.all(matching.slice(at, at + DELETE_CONCURRENCY).map((sequenceNr) => this.#deleteOne(ready, persistenceId, sequenceNr)));
    }
  }

  /** Metadata of matching snapshots, oldest first, in pages of `listPageSize`. */
  async *list(persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    const ready = await this.connection.ready('list', persistenceId);
    yield* this.#list(ready, persistenceId, criteria);
  }

  async *#list(ready: Ready, persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    if (criteria.minSequenceNr > criteria.maxSequenceNr || criteria.minTimestamp > criteria.maxTimestamp) return;
    let start: Item | undefined;
    do {
      this.#lifecycle.assertOpen('list', persistenceId);
      let page: { items: Item[]; next: Item | undefined };
      try {
        page = await this.#query(ready, persistenceId, criteria, { descending: false, limit: this.#pageSize, start, keysOnly: true });
      } catch (error) {
        throw this.connection.failure(error, 'snapshot.list', persistenceId);
      }
      for (const item of page.items) {
        const sequenceNr = readNumber(item, Attribute.sortKey, persistenceId);
        const timestamp = readNumber(item, Attribute.snapshotTimestamp, persistenceId);
        if (criteria.matches({ sequenceNr, timestamp })) yield new SnapshotMetadata({ persistenceId, sequenceNr, timestamp });
      }
      start = page.next;
    } while (start);
  }

  /** Releases the client if this store built it; `largeSnapshots` stays open (it is the caller's). */
  async close(): Promise<void> {
    this.connection.close();
  }
}

/** A snapshot store in a DynamoDB table (shared with the journal and durable state store). */
export class DynamoDbSnapshotStore extends GuardedSnapshotStore<PreparedItem> {
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #connection: DynamoDbConnection;

  constructor(options: DynamoDbSnapshotStoreOptions = {}) {
    const lifecycle = new StoreLifecycle(NAME, 'snapshotStore');
    const core = new DynamoDbSnapshotCore(options, lifecycle);
    super(core, { source: NAME, logger: options.logger, hooks: options.hooks, lifecycle, maxSnapshotBytes: options.maxSnapshotBytes });
    this.#connection = core.connection;
    this.serialization = core.serialization;
  }

  /** Loads the SDK and (with `createTableIfMissing`) creates the table now. */
  async ready(): Promise<void> {
    await this.#connection.ready('ready');
  }
}
