/**
 * Snapshot store over any S3-compatible bucket: one object per snapshot, the listing as
 * index. Options are checked in ./options.ts, the listing is read in ./listing.ts, bytes
 * move in ./transfer.ts, failures are mapped in ./errors.ts, the head copy lives in
 * ./head.ts, loads in ./snapshot-loader.ts and the keys remembered for early reads in
 * ./known-keys.ts.
 * @module
 */
import { pageOfIds } from '../core/persistence-id.js';
import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { type Logger, resolveLogger } from '../observability/logger.js';
import { Serialization } from '../serialization/serialization.js';
import type { SnapshotCapabilities } from '../spi/capabilities.js';
import { GuardedSnapshotStore, type SnapshotStoreCore } from '../spi/guarded-snapshot-store.js';
import { KeyedLock } from '../spi/keyed-lock.js';
import { encodeSnapshotFrame } from '../spi/snapshot-frame.js';
import type { SkipReporting } from '../spi/snapshot-support.js';
import { StoreLifecycle } from '../spi/store-options.js';
import { S3Bucket } from './bucket.js';
import type { S3ClientLike } from './client.js';
import { S3_SOURCE as NAME } from './errors.js';
import { dropHead, headTarget, putHead } from './head.js';
import { idPrefix, parseSnapshotKey, snapshotKey } from './key-layout.js';
import { KnownKeys } from './known-keys.js';
import { afterSave, keysOfSequenceNr, listNewestFirst, listSnapshotIds, matching } from './listing.js';
import { resolveS3Options, type S3SnapshotStoreOptions } from './options.js';
import { S3SnapshotLoader } from './snapshot-loader.js';
import { DELETE_BATCH, deleteKeys, put } from './transfer.js';

export type { S3SnapshotStoreOptions } from './options.js';

/** A snapshot serialized as a frame, ready to upload. */
interface PreparedFrame {
  readonly parts: Uint8Array[];
  readonly bytes: number;
}

/** The I/O of {@link S3SnapshotStore}. */
class S3SnapshotCore implements SnapshotStoreCore<PreparedFrame> {
  /** Lists the ids it holds snapshots of (by listing the whole prefix). */
  readonly capabilities: SnapshotCapabilities = { listing: true };
  readonly #bucket: S3Bucket;
  readonly #serialization: Serialization;
  /** Saves and deletes of one (id, sequence number) in this process run one at a time. */
  readonly #locks = new KeyedLock();
  /** Per id, the key this store saved or loaded last. */
  readonly #knownKeys = new KnownKeys();
  readonly #loader: S3SnapshotLoader;

  constructor(options: S3SnapshotStoreOptions, lifecycle: StoreLifecycle, logger: Logger) {
    const settings = resolveS3Options(options, NAME);
    this.#serialization = options.serialization ?? new Serialization();
    this.#bucket = new S3Bucket(settings, () => lifecycle.closed, logger);
    this.#loader = new S3SnapshotLoader(this.#bucket, this.#serialization, this.#knownKeys);
  }

  /** The bucket this store writes to. */
  get bucket(): string {
    return this.#bucket.name;
  }

  /** The key of snapshot `sequenceNr` of `persistenceId` at `timestamp` (for tools and tests). */
  keyOf(persistenceId: string, sequenceNr: number, timestamp: number): string {
    return snapshotKey(idPrefix(this.#bucket.settings.prefix, persistenceId), sequenceNr, timestamp);
  }

  /** The key holding snapshot `sequenceNr` of `persistenceId` now, or undefined. */
  async findKey(persistenceId: string, sequenceNr: number): Promise<string | undefined> {
    const keys = await keysOfSequenceNr(this.#bucket, persistenceId, sequenceNr, 'findKey');
    return keys.at(-1);
  }

  /** The S3 client (built now when the store builds its own; loads `@aws-sdk/client-s3` on first call). */
  async getClient(): Promise<S3ClientLike> {
    return (await this.#bucket.connect()).client;
  }

  load(persistenceId: string, criteria: SnapshotSelectionCriteria, reporting: SkipReporting): Promise<SelectedSnapshot | null> {
    return this.#loader.load(persistenceId, criteria, reporting);
  }

  prepareSave(metadata: SnapshotMetadata, snapshot: unknown): PreparedFrame {
    const { parts, length } = encodeSnapshotFrame(metadata, snapshot, this.#serialization);
    return { parts, bytes: length };
  }

  async save({ parts, bytes }: PreparedFrame, { persistenceId, sequenceNr, timestamp }: SnapshotMetadata): Promise<void> {
    await this.#locks.run(`${persistenceId}\u0000${sequenceNr}`, async () => {
      await this.#bucket.ready(persistenceId);
      const key = this.keyOf(persistenceId, sequenceNr, timestamp);
      // The head goes up alongside; a snapshot this store knows to be older leaves it alone.
      const known = this.#knownKeys.get(persistenceId);
      const withHead = !(known && known.sequenceNr > sequenceNr);
      const headDone = withHead ? putHead(this.#bucket, persistenceId, key, parts, bytes) : undefined;
      try {
        await put(this.#bucket, persistenceId, key, parts, bytes);
      } catch (error) {
        // A head naming an object that did not land must not stay (best effort: the save fails anyway).
        if (await headDone) await dropHead(this.#bucket, persistenceId, 'save').catch(() => undefined);
        throw error;
      }
      const headWritten = await headDone;
      // Listed only now that both landed: a newer snapshot seen here may have had its head
      // overwritten by this one, so the head goes; one saved after this listing writes its own.
      const { newer, sameSequenceNr } = await afterSave(this.#bucket, persistenceId, sequenceNr);
      if (withHead && (newer || !headWritten)) await dropHead(this.#bucket, persistenceId, 'save');
      this.#knownKeys.remember(persistenceId, { key, sequenceNr, timestamp, size: bytes });
      await deleteKeys(
        this.#bucket,
        persistenceId,
        sameSequenceNr.filter((other) => other !== key),
        'save',
      );
    });
  }

  async delete({ persistenceId, sequenceNr }: SnapshotMetadata): Promise<void> {
    await this.#locks.run(`${persistenceId}\u0000${sequenceNr}`, async () => {
      await this.#bucket.ready(persistenceId);
      if (this.#knownKeys.get(persistenceId)?.sequenceNr === sequenceNr) this.#knownKeys.forget(persistenceId);
      const base = idPrefix(this.#bucket.settings.prefix, persistenceId);
      const [target, keys] = await Promise.all([
        headTarget(this.#bucket, persistenceId, 'delete'),
        keysOfSequenceNr(this.#bucket, persistenceId, sequenceNr, 'delete'),
      ]);
      // The head goes first: no load may be pointed at an object once it is being deleted.
      if (target !== undefined && parseSnapshotKey(base, target)?.sequenceNr === sequenceNr)
        await dropHead(this.#bucket, persistenceId, 'delete');
      await deleteKeys(this.#bucket, persistenceId, keys, 'delete');
    });
  }

  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    await this.#bucket.ready(persistenceId);
    // A known key that stays is still worth a warm load's early GET (retention deletes older ones).
    const known = this.#knownKeys.get(persistenceId);
    if (known && criteria.matches(known)) this.#knownKeys.forget(persistenceId);
    const base = idPrefix(this.#bucket.settings.prefix, persistenceId);
    const target = await headTarget(this.#bucket, persistenceId, 'deleteMatching');
    const named = target === undefined ? undefined : parseSnapshotKey(base, target);
    // The head goes first when it names a snapshot that goes; a duplicate it names goes too.
    let headDropped = named !== undefined && criteria.matches(named);
    if (headDropped) await dropHead(this.#bucket, persistenceId, 'deleteMatching');
    let batch: string[] = [];
    const pageSize = this.#bucket.settings.pageSize;
    for await (const found of listNewestFirst(this.#bucket, persistenceId, criteria, 'deleteMatching', pageSize)) {
      // Duplicates are garbage whatever the criteria say.
      const goes = criteria.matches(found);
      if (goes) batch.push(found.key);
      batch.push(...found.duplicates);
      if (!headDropped && target !== undefined && ((goes && found.key === target) || found.duplicates.includes(target))) {
        await dropHead(this.#bucket, persistenceId, 'deleteMatching');
        headDropped = true;
      }
      if (batch.length >= DELETE_BATCH) {
        await deleteKeys(this.#bucket, persistenceId, batch.slice(0, DELETE_BATCH), 'deleteMatching');
        batch = batch.slice(DELETE_BATCH);
      }
    }
    await deleteKeys(this.#bucket, persistenceId, batch, 'deleteMatching');
  }

  /**
   * Oldest first. The listing runs newest first (that is the key order), so the matching
   * keys are collected, then yielded in reverse: memory grows with the number of matching
   * snapshots (metadata only, about 100 bytes each), never with their size.
   */
  async *list(persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    await this.#bucket.ready(persistenceId);
    const found: SnapshotMetadata[] = [];
    const listing = listNewestFirst(this.#bucket, persistenceId, criteria, 'list', this.#bucket.settings.pageSize);
    for await (const entry of matching(listing, criteria)) {
      found.push(new SnapshotMetadata({ persistenceId, sequenceNr: entry.sequenceNr, timestamp: entry.timestamp }));
    }
    for (let index = found.length - 1; index >= 0; index--) yield found[index] as SnapshotMetadata;
  }

  /** Destroys the client only when the store built it. */
  async close(): Promise<void> {
    if (this.#bucket.ownsClient) this.#bucket.built?.destroy();
  }

  /** Ids with at least one snapshot, ascending by code point; lists every key under the prefix on each call. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    return pageOfIds(await listSnapshotIds(this.#bucket, 'listPersistenceIds'), afterId, limit);
  }
}

/**
 * A snapshot store keeping each snapshot as one object in an S3-compatible bucket, under
 * `<prefix><encoded id>/<inverted seq>-<seq>-<timestamp>.snap`. See docs/s3.md.
 */
export class S3SnapshotStore extends GuardedSnapshotStore<PreparedFrame> {
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #core: S3SnapshotCore;

  constructor(options: S3SnapshotStoreOptions) {
    const lifecycle = new StoreLifecycle(NAME, 'snapshotStore');
    const logger = resolveLogger(options?.logger);
    const serialization = options?.serialization ?? new Serialization();
    const core = new S3SnapshotCore({ ...options, serialization }, lifecycle, logger);
    super(core, { source: NAME, logger, hooks: options.hooks, lifecycle, maxSnapshotBytes: options.maxSnapshotBytes });
    this.#core = core;
    this.serialization = serialization;
  }

  /** The bucket this store writes to. */
  get bucket(): string {
    return this.#core.bucket;
  }

  /** The key of snapshot `sequenceNr` of `persistenceId` at `timestamp` (for tools and tests). */
  keyOf(persistenceId: string, sequenceNr: number, timestamp: number): string {
    return this.#core.keyOf(persistenceId, sequenceNr, timestamp);
  }

  /** The key holding snapshot `sequenceNr` of `persistenceId` now, or undefined. */
  findKey(persistenceId: string, sequenceNr: number): Promise<string | undefined> {
    return this.#core.findKey(persistenceId, sequenceNr);
  }

  /** The S3 client (built now when the store builds its own; loads `@aws-sdk/client-s3` on first call). */
  getClient(): Promise<S3ClientLike> {
    return this.#core.getClient();
  }
}
