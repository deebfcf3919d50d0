/**
 * Options every DynamoDB store accepts, and the connection each store holds: the SDK
 * module and client (the user's, or one built on first use), the table made ready once.
 * @module
 */
import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { invalidArgument, withoutUndefined } from '../core/validation.js';
import type { StoreLifecycle, StoreOptions } from '../spi/store-options.js';
import { type DynamoDbModule, type Item, isDynamoDbClient, loadDynamoDb } from './client.js';
import { NAME, storeFailure } from './errors.js';
import { Attribute, DEFAULT_TABLE_NAME } from './layout.js';
import { createTable, type TableOptions, validateTableName } from './table.js';

/** Options shared by the three DynamoDB stores. */
export interface DynamoDbOptions extends StoreOptions {
  /** The table every store of an application shares (docs/dynamodb.md). @default 'memento' */
  readonly tableName?: string;
  /** A client to use; the store never destroys a client it was given. @default one built from `clientConfig` */
  readonly client?: DynamoDBClient;
  /**
   * Config of the client built when `client` is absent: `region`, `credentials` (default:
   * the SDK's chain), `endpoint` (e.g. DynamoDB Local), `maxAttempts` (the SDK retries
   * throttling and network errors itself). With an `endpoint` and no `region`, the region
   * is `us-east-1`. @default {}
   */
  readonly clientConfig?: DynamoDBClientConfig;
  /**
   * Create the table on first use when it does not exist (on-demand billing, or the given
   * table options). Production tables are better created by infrastructure code from
   * `tableDefinition()`. @default false
   */
  readonly createTableIfMissing?: boolean | Omit<TableOptions, 'tableName'>;
}

/** What a store needs to send a command. */
export interface Ready {
  readonly sdk: DynamoDbModule;
  readonly client: DynamoDBClient;
}

/** One store's way to DynamoDB. */
export class DynamoDbConnection {
  /** The table name, checked. */
  readonly table: string;
  readonly #given: DynamoDBClient | undefined;
  readonly #config: DynamoDBClientConfig;
  readonly #createTable: Omit<TableOptions, 'tableName'> | undefined;
  readonly #lifecycle: StoreLifecycle;
  #ready: Promise<Ready> | undefined;
  #built: DynamoDBClient | undefined;

  constructor(options: DynamoDbOptions | undefined, lifecycle: StoreLifecycle) {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      invalidArgument('options', 'an object', options, { source: NAME });
    }
    this.table = validateTableName(options?.tableName ?? DEFAULT_TABLE_NAME, 'options.tableName');
    if (options?.client !== undefined && !isDynamoDbClient(options.client)) {
      invalidArgument('options.client', 'a DynamoDBClient from @aws-sdk/client-dynamodb', options.client, { source: NAME });
    }
    if (options?.clientConfig !== undefined && (typeof options.clientConfig !== 'object' || options.clientConfig === null)) {
      invalidArgument('options.clientConfig', 'a DynamoDBClientConfig object', options.clientConfig, { source: NAME });
    }
    const createIfMissing = options?.createTableIfMissing ?? false;
    if (typeof createIfMissing !== 'boolean' && (typeof createIfMissing !== 'object' || createIfMissing === null)) {
      invalidArgument('options.createTableIfMissing', 'a boolean or table options', createIfMissing, { source: NAME });
    }
    this.#given = options?.client;
    this.#config = options?.clientConfig ?? {};
    this.#createTable = createIfMissing === true ? {} : createIfMissing === false ? undefined : createIfMissing;
    this.#lifecycle = lifecycle;
  }

  /** The SDK and client, with the table created first when asked to; throws StoreClosedError after close. */
  ready(operation: string, persistenceId?: string): Promise<Ready> {
    this.#lifecycle.assertOpen(operation, persistenceId);
    this.#ready ??= this.#connect().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #connect(): Promise<Ready> {
    const sdk = loadDynamoDb();
    let client = this.#given;
    if (!client) {
      // `region: process.env.REGION` with the variable unset must not erase the default region.
      const config = withoutUndefined(this.#config);
      client = new sdk.DynamoDBClient({ ...(config.endpoint && !config.region ? { region: 'us-east-1' } : {}), ...config });
      this.#built = client;
    }
    if (this.#createTable) await createTable(client, { ...this.#createTable, tableName: this.table });
    return { sdk, client };
  }

  /**
   * Puts `item` where no item has its key yet: of two writers of one key, the second fails
   * with ConditionalCheckFailedException instead of overwriting the first.
   */
  async putNew(ready: Ready, item: Item): Promise<void> {
    await ready.client.send(
      new ready.sdk.PutItemCommand({
        TableName: this.table,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': Attribute.partitionKey },
      }),
    );
  }

  /** Maps a failure to a typed error naming this table. */
  failure(error: unknown, operation: string, persistenceId?: string): Error {
    return storeFailure(error, { table: this.table, operation, persistenceId });
  }

  /** Destroys the client if this connection built it. */
  close(): void {
    this.#built?.destroy();
    this.#built = undefined;
  }
}
