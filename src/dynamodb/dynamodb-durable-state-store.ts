/**
 * The DynamoDB durable state store: one item per persistence id, each change a conditional
 * write on its revision, so two processes can never both take a revision.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../core/errors.js';
import { Serialization } from '../serialization/serialization.js';
import type { DurableStateCapabilities } from '../spi/capabilities.js';
import type { DurableStateRecord, StoredDurableState } from '../spi/durable-state-store.js';
import { decodeState, encodeState, restoreConflict, revisionConflict } from '../spi/durable-state-support.js';
import { type DurableStateStoreCore, GuardedDurableStateStore } from '../spi/guarded-durable-state-store.js';
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
import { isConditionFailure, mayHaveBeenSentBefore, NAME } from './errors.js';
import { listIdsOfKind } from './id-index.js';
import { itemSize, MAX_ITEM_BYTES } from './item-size.js';
import { Attribute, idKey, Kind, partitionKey, sliceKey } from './layout.js';

/** Options of {@link DynamoDbDurableStateStore}. */
export type DynamoDbDurableStateStoreOptions = DynamoDbOptions;

/** Sort key of the one state item of an id. */
const STATE_SORT_KEY = 0;

const key = (persistenceId: string): Item => ({
  [Attribute.partitionKey]: stringValue(partitionKey(Kind.state, persistenceId)),
  [Attribute.sortKey]: numberValue(STATE_SORT_KEY),
});

/** The condition of a change: the current revision is the one before it. */
interface Condition {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Item;
}

/** An upsert as an item, ready to put. */
interface PreparedItem {
  readonly item: Item;
  /** Marks the item as this change's, to recognize it when the answer to a sent put was lost. */
  readonly token: string;
  readonly bytes: number;
}

/** The I/O of {@link DynamoDbDurableStateStore}. */
class DynamoDbDurableStateCore implements DurableStateStoreCore<PreparedItem> {
  /** Listing (through the id index) and whole-state transfer. */
  readonly capabilities: DurableStateCapabilities = { transfer: true };
  readonly #serialization: Serialization;
  readonly #connection: DynamoDbConnection;

  constructor(connection: DynamoDbConnection, serialization: Serialization) {
    this.#connection = connection;
    this.#serialization = serialization;
  }

  /** Strongly consistent. */
  async get(persistenceId: string): Promise<DurableStateRecord> {
    const item = await this.#readItem('get', persistenceId);
    return item ? this.#decodeValue(item, persistenceId) : { value: null, revision: 0 };
  }

  /** The id's item, read strongly consistent, a failure named after `operation`. */
  async #readItem(operation: 'get' | 'readStored', persistenceId: string): Promise<Item | undefined> {
    const ready = await this.#connection.ready(operation, persistenceId);
    try {
      return await this.#read(ready, persistenceId);
    } catch (error) {
      throw this.#connection.failure(error, `durableState.${operation}`, persistenceId);
    }
  }

  /** The revision and decoded value an item holds. */
  #decodeValue(item: Item, persistenceId: string): DurableStateRecord {
    const revision = readNumber(item, Attribute.revision, persistenceId);
    const payload = readOptionalBinary(item, Attribute.payload, persistenceId);
    return { value: decodeState(payload ?? null, persistenceId, revision, this.#serialization), revision };
  }

  async #read(ready: Ready, persistenceId: string): Promise<Item | undefined> {
    const output = await ready.client.send(
      new ready.sdk.GetItemCommand({ TableName: this.#connection.table, Key: key(persistenceId), ConsistentRead: true }),
    );
    return output.Item;
  }

  /** Refuses a state larger than one DynamoDB item before anything is sent. */
  prepareUpsert(persistenceId: string, checked: number, value: unknown, tag: string | undefined): PreparedItem {
    const payload = encodeState(value, persistenceId, checked, this.#serialization);
    const token = randomBytes(9).toString('base64url');
    const item = stateItem(persistenceId, checked, payload, tag, token);
    checkSize(item, persistenceId, checked, 'upsert');
    return { item, token, bytes: payload.length };
  }

  /** Ids with a state item (deleted values included), from the id index. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    return listIdsOfKind(this.#connection, Kind.state, afterId, limit, 'durableState.listPersistenceIds');
  }

  /** Strongly consistent; the time is the restored one when a restore kept it. */
  async readStored(persistenceId: string): Promise<StoredDurableState | null> {
    const item = await this.#readItem('readStored', persistenceId);
    if (!item) return null;
    const { revision, value } = this.#decodeValue(item, persistenceId);
    const timestamp = readOptionalNumber(item, Attribute.changedAt, persistenceId) ?? readNumber(item, Attribute.writtenAt, persistenceId);
    return { persistenceId, revision, value, tag: readOptionalString(item, Attribute.tag, persistenceId), timestamp };
  }

  /**
   * One put conditioned on no item: revision, tag and value as given. `ts` is now, so
   * `changesByTag` readers past the restored time still see it; the restored time is kept apart.
   */
  async restore(state: StoredDurableState, revision: number, timestamp: number): Promise<void> {
    const { persistenceId } = state;
    const payload = state.value === null ? undefined : encodeState(state.value, persistenceId, revision, this.#serialization);
    const item: Item = {
      ...stateItem(persistenceId, revision, payload, state.tag, randomBytes(9).toString('base64url')),
      [Attribute.changedAt]: numberValue(timestamp),
    };
    checkSize(item, persistenceId, revision, 'restore');
    const ready = await this.#connection.ready('restore', persistenceId);
    try {
      await this.#connection.putNew(ready, item);
    } catch (error) {
      if (!isConditionFailure(error)) throw this.#connection.failure(error, 'durableState.restore', persistenceId);
      let current: Item | undefined;
      try {
        current = await this.#read(ready, persistenceId);
      } catch (readError) {
        throw this.#connection.failure(readError, 'durableState.restore', persistenceId);
      }
      throw restoreConflict(persistenceId, current ? readNumber(current, Attribute.revision, persistenceId) : 0, revision, NAME);
    }
  }

  /** One conditional put. */
  async upsert({ item, token }: PreparedItem, persistenceId: string, checked: number): Promise<void> {
    const ready = await this.#connection.ready('upsert', persistenceId);
    await this.#change(ready, persistenceId, checked, token, 'upsert', (condition) => {
      const values = Object.keys(condition.values).length > 0 ? { ExpressionAttributeValues: condition.values } : {};
      return ready.client.send(
        new ready.sdk.PutItemCommand({
          TableName: this.#connection.table,
          Item: item,
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: condition.names,
          ...values,
        }),
      );
    });
  }

  /** Deletes the value as change `revision`; the item keeps revision and tag, so neither is lost. */
  async delete(persistenceId: string, checked: number): Promise<void> {
    const token = randomBytes(9).toString('base64url');
    const ready = await this.#connection.ready('delete', persistenceId);
    await this.#change(ready, persistenceId, checked, token, 'delete', (condition) =>
      ready.client.send(
        new ready.sdk.UpdateItemCommand({
          TableName: this.#connection.table,
          Key: key(persistenceId),
          UpdateExpression: 'SET #rev = :rev, #ts = :ts, #sl = :sl, #w = :w, #ik = :ik REMOVE #p, #ct',
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: {
            ...condition.names,
            '#rev': Attribute.revision,
            '#ts': Attribute.writtenAt,
            '#sl': Attribute.sliceKey,
            '#w': Attribute.writeToken,
            '#p': Attribute.payload,
            '#ik': Attribute.idKey,
            '#ct': Attribute.changedAt,
          },
          ExpressionAttributeValues: {
            ...condition.values,
            ':rev': numberValue(checked),
            ':ts': numberValue(Date.now()),
            ':sl': stringValue(sliceKey(Kind.state, persistenceId)),
            ':w': stringValue(token),
            ':ik': stringValue(idKey(Kind.state, persistenceId)),
          },
        }),
      ),
    );
  }

  /**
   * Sends a change conditioned on the current revision being `revision - 1` (no item for
   * revision 1). A failed condition is a conflict, unless the item is our own change whose
   * answer was lost and which the SDK sent again.
   */
  async #change(
    ready: Ready,
    persistenceId: string,
    revision: number,
    token: string,
    operation: 'upsert' | 'delete',
    send: (condition: Condition) => Promise<unknown>,
  ): Promise<void> {
    const condition: Condition =
      revision === 1
        ? { expression: 'attribute_not_exists(#pk)', names: { '#pk': Attribute.partitionKey }, values: {} }
        : { expression: '#rev = :previous', names: { '#rev': Attribute.revision }, values: { ':previous': numberValue(revision - 1) } };
    try {
      await send(condition);
    } catch (error) {
      if (!isConditionFailure(error)) throw this.#connection.failure(error, `durableState.${operation}`, persistenceId);
      let current: Item | undefined;
      try {
        current = await this.#read(ready, persistenceId);
      } catch (readError) {
        throw this.#connection.failure(readError, `durableState.${operation}`, persistenceId);
      }
      const currentRevision = current ? readNumber(current, Attribute.revision, persistenceId) : 0;
      const ours = current && readOptionalString(current, Attribute.writeToken, persistenceId) === token;
      if (currentRevision === revision && ours && mayHaveBeenSentBefore(error)) return;
      throw revisionConflict(persistenceId, currentRevision, revision, operation, NAME);
    }
  }

  /** Releases the client if this store built it. */
  async close(): Promise<void> {
    this.#connection.close();
  }
}

/** A durable state store in a DynamoDB table (shared with the journal and snapshot store). */
export class DynamoDbDurableStateStore extends GuardedDurableStateStore<PreparedItem> {
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #connection: DynamoDbConnection;

  constructor(options: DynamoDbDurableStateStoreOptions = {}) {
    const lifecycle = new StoreLifecycle(NAME, 'durableStateStore');
    const connection = new DynamoDbConnection(options, lifecycle);
    const serialization = options.serialization ?? new Serialization();
    super(new DynamoDbDurableStateCore(connection, serialization), {
      source: NAME,
      hooks: options.hooks,
      lifecycle,
    });
    this.#connection = connection;
    this.serialization = serialization;
  }

  /** Loads the SDK and (with `createTableIfMissing`) creates the table now. */
  async ready(): Promise<void> {
    await this.#connection.ready('ready');
  }
}

/** A state item: written now, listable by the id index; without payload once deleted. */
function stateItem(persistenceId: string, revision: number, payload: Uint8Array | undefined, tag: string | undefined, token: string): Item {
  return {
    ...key(persistenceId),
    [Attribute.revision]: numberValue(revision),
    [Attribute.writtenAt]: numberValue(Date.now()),
    [Attribute.sliceKey]: stringValue(sliceKey(Kind.state, persistenceId)),
    [Attribute.idKey]: stringValue(idKey(Kind.state, persistenceId)),
    [Attribute.writeToken]: stringValue(token),
    ...(payload === undefined ? {} : { [Attribute.payload]: binaryValue(payload) }),
    ...(tag === undefined ? {} : { [Attribute.tag]: stringValue(tag) }),
  };
}

/** Refuses a state item over DynamoDB's limit before anything is sent. */
function checkSize(item: Item, persistenceId: string, revision: number, operation: string): void {
  const size = itemSize(item);
  if (size > MAX_ITEM_BYTES) {
    throw new InvalidArgumentError(
      'value',
      `${operation} of ${JSON.stringify(persistenceId)} (revision ${revision}): expected a state of at most ${MAX_ITEM_BYTES} bytes as one DynamoDB item, found ${size}`,
      { persistenceId, expected: `<= ${MAX_ITEM_BYTES} bytes`, actual: size, source: NAME },
    );
  }
}
