/**
 * Projection offsets in the DynamoDB table, one item per offset name (partition key
 * `o#<name>`, sort key 0). DynamoDB offers no transaction that dynalite also runs, so a
 * projection with this store is at-least-once: handler and offset are written separately.
 * @module
 */
import { decodeOffset, encodeOffset, type OffsetStore, validateProjectionName } from '../spi/offset-store.js';
import type { Offset } from '../spi/read-journal.js';
import { StoreLifecycle } from '../spi/store-options.js';
import { numberValue, readNumber, stringValue } from './attributes.js';
import type { Item } from './client.js';
import { DynamoDbConnection, type DynamoDbOptions } from './connection.js';
import { NAME } from './errors.js';
import { Attribute, Kind, partitionKey } from './layout.js';

/** Options of {@link DynamoDbOffsetStore}. */
export type DynamoDbOffsetStoreOptions = DynamoDbOptions;

const key = (name: string): Item => ({
  [Attribute.partitionKey]: stringValue(partitionKey(Kind.offset, name)),
  [Attribute.sortKey]: numberValue(0),
});

/** Offsets as items of the shared table; `runProjection` with it is at-least-once. */
export class DynamoDbOffsetStore implements OffsetStore {
  readonly #lifecycle = new StoreLifecycle(NAME, 'offsetStore');
  readonly #connection: DynamoDbConnection;

  constructor(options: DynamoDbOffsetStoreOptions = {}) {
    this.#connection = new DynamoDbConnection(options, this.#lifecycle);
  }

  /** The stored offset (strongly consistent read), NoOffset when none was saved. */
  async load(projectionName: string): Promise<Offset> {
    const name = validateProjectionName(projectionName);
    const ready = await this.#connection.ready('offsetStore.load');
    try {
      const found = await ready.client.send(
        new ready.sdk.GetItemCommand({ TableName: this.#connection.table, Key: key(name), ConsistentRead: true }),
      );
      return decodeOffset(found.Item ? readNumber(found.Item, Attribute.offset, name) : 0);
    } catch (error) {
      throw this.#connection.failure(error, 'offsetStore.load');
    }
  }

  /** Replaces the stored offset (one PutItem). */
  async save(projectionName: string, offset: Offset): Promise<void> {
    const name = validateProjectionName(projectionName);
    const value = encodeOffset(offset);
    const ready = await this.#connection.ready('offsetStore.save');
    try {
      await ready.client.send(
        new ready.sdk.PutItemCommand({ TableName: this.#connection.table, Item: { ...key(name), [Attribute.offset]: numberValue(value) } }),
      );
    } catch (error) {
      throw this.#connection.failure(error, 'offsetStore.save');
    }
  }

  /** Releases the client if this store built it. Idempotent. */
  async close(): Promise<void> {
    if (!this.#lifecycle.close()) return;
    this.#connection.close();
  }
}
