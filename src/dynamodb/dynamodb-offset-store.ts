/**
 * Projection offsets in the DynamoDB table, one item per offset name (partition key
 * `o#<name>`, sort key 0). DynamoDB offers no transaction that dynalite also runs, so a
 * projection with this store is at-least-once: handler and offset are written separately.
 * @module
 */
import { GuardedOffsetStore, type OffsetStoreCore } from '../spi/guarded-offset-store.js';
import { decodeOffset } from '../spi/offset-store.js';
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

/** The I/O of {@link DynamoDbOffsetStore}: one item per offset. */
class DynamoDbOffsetStoreCore implements OffsetStoreCore {
  constructor(private readonly connection: DynamoDbConnection) {}

  /** Strongly consistent read. */
  async load(projectionName: string): Promise<Offset> {
    const ready = await this.connection.ready('offsetStore.load');
    try {
      const found = await ready.client.send(
        new ready.sdk.GetItemCommand({ TableName: this.connection.table, Key: key(projectionName), ConsistentRead: true }),
      );
      return decodeOffset(found.Item ? readNumber(found.Item, Attribute.offset, projectionName) : 0);
    } catch (error) {
      throw this.connection.failure(error, 'offsetStore.load');
    }
  }

  /** One PutItem. */
  async save(projectionName: string, _offset: Offset, value: number): Promise<void> {
    const ready = await this.connection.ready('offsetStore.save');
    try {
      await ready.client.send(
        new ready.sdk.PutItemCommand({
          TableName: this.connection.table,
          Item: { ...key(projectionName), [Attribute.offset]: numberValue(value) },
        }),
      );
    } catch (error) {
      throw this.connection.failure(error, 'offsetStore.save');
    }
  }

  /** Releases the client if this store built it. */
  async close(): Promise<void> {
    this.connection.close();
  }
}

/** Offsets as items of the shared table; `runProjection` with it is at-least-once. */
export class DynamoDbOffsetStore extends GuardedOffsetStore {
  constructor(options: DynamoDbOffsetStoreOptions = {}) {
    const lifecycle = new StoreLifecycle(NAME, 'offsetStore');
    super(new DynamoDbOffsetStoreCore(new DynamoDbConnection(options, lifecycle)), { source: NAME, hooks: options.hooks, lifecycle });
  }
}
