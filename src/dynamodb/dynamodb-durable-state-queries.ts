/**
 * `changesByTag` on DynamoDB through the tag index (`memento_state_tags`: hash `tag`, range
 * `ts` = write time of the id's latest change). As for slice queries, offsets are write
 * times and every pass looks back a backtracking window (src/dynamodb/timestamp-index.ts);
 * a change met again is dropped by (persistence id, revision). See docs/dynamodb.md.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { Serialization } from '../serialization/serialization.js';
import type { PollOptions } from '../spi/change-waiter.js';
import type { DurableStateChangeEnvelope, DurableStateQueries } from '../spi/durable-state-store.js';
import { decodeState } from '../spi/durable-state-support.js';
import type { Offset, QueryOptions } from '../spi/read-journal.js';
import { StoreLifecycle } from '../spi/store-options.js';
import { readNumber, readOptionalBinary, readOptionalString } from './attributes.js';
import type { DynamoDbOptions } from './connection.js';
import { NAME } from './errors.js';
import { Attribute, Kind, TAG_INDEX_NAME } from './layout.js';
import { type BacktrackingOptions, startTime, TimestampIndexReader } from './timestamp-index.js';

/** Options of {@link DynamoDbDurableStateQueries}. */
export interface DynamoDbDurableStateQueriesOptions extends DynamoDbOptions, PollOptions, BacktrackingOptions {}

/**
 * Durable state queries over the DynamoDB durable state store's table, which must have the
 * tag index (`createTable(client, { tagIndex: true })`, or UpdateTable on real DynamoDB).
 * Offsets are `{ type: 'timestamp' }`; each change's `ordering` is its write time too.
 *
 * @example
 * const queries = new DynamoDbDurableStateQueries({ tableName: 'memento', clientConfig: { region: 'eu-west-1' } });
 * for await (const change of queries.changesByTag('cart', NoOffset)) console.log(change.persistenceId, change.revision);
 */
export class DynamoDbDurableStateQueries implements DurableStateQueries {
  readonly #lifecycle = new StoreLifecycle(NAME, 'durableStateQueries');
  readonly #reader: TimestampIndexReader;
  readonly #serialization: Serialization;

  constructor(options: DynamoDbDurableStateQueriesOptions = {}) {
    this.#reader = new TimestampIndexReader(options, this.#lifecycle, {
      indexName: TAG_INDEX_NAME,
      hashAttribute: Attribute.tag,
      kindPrefixLength: Kind.state.length + 1,
      howToCreate: 'create the table with createTable(client, { tagIndex: true }) or add the index',
      operation: 'changesByTag',
    });
    this.#serialization = options.serialization ?? new Serialization();
  }

  /**
   * The latest change of each id tagged `tag`, by write time, from a backtracking window
   * before `offset`: each (id, revision) once per stream, an id's revisions in order
   * (older ones an id has moved past are not seen: the index holds the latest only). A
   * resumed stream may deliver again what lies in the window before its offset.
   */
  async *changesByTag(tag: string, offset: Offset, opts: QueryOptions = {}): AsyncIterable<DurableStateChangeEnvelope> {
    if (typeof tag !== 'string' || tag.length === 0) {
      throw new InvalidArgumentError('tag', `tag: expected a non-empty string, found ${JSON.stringify(tag)}`, {
        expected: 'non-empty string',
        actual: tag,
        source: NAME,
      });
    }
    const start = startTime(offset);
    /** Per id, the highest revision this stream delivered. */
    const delivered = new Map<string, number>();
    yield* this.#reader.stream([tag], start, opts, async (items) => {
      const out: DurableStateChangeEnvelope[] = [];
      for (const { persistenceId, writtenAt, item } of items) {
        const revision = readNumber(item, Attribute.revision, persistenceId);
        if (revision <= (delivered.get(persistenceId) ?? 0)) continue;
        delivered.set(persistenceId, revision);
        const payload = readOptionalBinary(item, Attribute.payload, persistenceId);
        out.push({
          persistenceId,
          revision,
          value: payload === undefined ? null : decodeState(payload, persistenceId, revision, this.#serialization),
          tag: readOptionalString(item, Attribute.tag, persistenceId),
          ordering: writtenAt,
          timestamp: writtenAt,
          offset: { type: 'timestamp', value: writtenAt },
        });
      }
      return out;
    });
  }

  /** Releases the client if these queries built it. Idempotent. */
  async close(): Promise<void> {
    if (!this.#lifecycle.close()) return;
    this.#reader.connection.close();
  }
}
