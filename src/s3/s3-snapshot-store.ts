/**
 * Snapshot store over any S3-compatible bucket: one object per snapshot, the listing as
 * index. Options are checked in ./options.ts, the listing is read in ./listing.ts, bytes
 * move in ./transfer.ts and failures are mapped in ./errors.ts.
 * @module
 */
import { CorruptSnapshotError } from '../core/errors.js';
import { pageOfIds } from '../core/persistence-id.js';
import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { type Logger, resolveLogger } from '../observability/logger.js';
import { Serialization } from '../serialization/serialization.js';
import type { SnapshotCapabilities } from '../spi/capabilities.js';
import { GuardedSnapshotStore, type SnapshotStoreCore } from '../spi/guarded-snapshot-store.js';
import { KeyedLock } from '../spi/keyed-lock.js';
import { decodeSnapshotFrame, encodeSnapshotFrame } from '../spi/snapshot-frame.js';
import { decodeSnapshot, loadYoungestReadable, type SkipReporting } from '../spi/snapshot-support.js';
import { StoreLifecycle } from '../spi/store-options.js';
import { S3Bucket } from './bucket.js';
import type { S3ClientLike } from './client.js';
import { S3_SOURCE as NAME } from './errors.js';
import { createBucketIfMissing } from './helpers.js';
import { idPrefix, type SnapshotKey, snapshotKey } from './key-layout.js';
import { keysOfSequenceNr, type ListedSnapshot, listNewestFirst, listSnapshotIds, matching } from './listing.js';
import { resolveS3Options, type S3SnapshotStoreOptions } from './options.js';
import { DELETE_BATCH, deleteKeys, getRanges, getWhole, put } from './transfer.js';

export type { S3SnapshotStoreOptions } from './options.js';

/** `load` asks for a short first page: the newest snapshot is first, rarely more are needed. */
const LOAD_FIRST_PAGE = 2;
/** Ids whose newest known key a store remembers (oldest forgotten first); about 200 bytes each. */
const REMEMBERED_IDS = 1024;

/** The key this store last saved or loaded for an id: where the next load's GET may start. */
interface KnownKey extends SnapshotKey {
  readonly size: number;
}

/** A GET started before the listing answered; used only when the listing names the same key first. */
interface EarlyRead {
  readonly key: string;
  readonly bytes: Promise<Buffer | undefined>;
  readonly cancel: AbortController;
}

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
  /** Per id, the key this store saved or loaded last (insertion order = age, for forgetting). */
  readonly #knownKeys = new Map<string, KnownKey>();
  #bucketReady: Promise<void> | undefined;

  constructor(options: S3SnapshotStoreOptions, lifecycle: StoreLifecycle, logger: Logger) {
    const settings = resolveS3Options(options, NAME);
    this.#serialization = options.serialization ?? new Serialization();
    this.#bucket = new S3Bucket(settings, () => lifecycle.closed, logger);
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

  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, reporting: SkipReporting): Promise<SelectedSnapshot | null> {
    await this.#ready(persistenceId);
    // The listing stays the index: an early GET only saves waiting for it when the listing
    // then names the key this store knows as the youngest match; otherwise it is cancelled.
    const early = this.#startEarlyRead(persistenceId, criteria);
    try {
      const listing = listNewestFirst(this.#bucket, persistenceId, criteria, 'load', LOAD_FIRST_PAGE);
      return await loadYoungestReadable(
        matching(listing, criteria),
        (found) => this.#read(found, early?.key === found.key ? early : undefined),
        reporting,
      );
    } finally {
      early?.cancel.abort();
    }
  }

  prepareSave(metadata: SnapshotMetadata, snapshot: unknown): PreparedFrame {
    const { parts, length } = encodeSnapshotFrame(metadata, snapshot, this.#serialization);
    return { parts, bytes: length };
  }

  async save({ parts, bytes }: PreparedFrame, { persistenceId, sequenceNr, timestamp }: SnapshotMetadata): Promise<void> {
    await this.#locks.run(`${persistenceId}\u0000${sequenceNr}`, async () => {
      await this.#ready(persistenceId);
      const key = this.keyOf(persistenceId, sequenceNr, timestamp);
      // Look for objects this save replaces while the upload runs; delete them only after it succeeded.
      const siblings = keysOfSequenceNr(this.#bucket, persistenceId, sequenceNr, 'save');
      siblings.catch(() => undefined);
      await put(this.#bucket, persistenceId, key, parts, bytes);
      this.#remember(persistenceId, { key, sequenceNr, timestamp, size: bytes });
      const replaced = (await siblings).filter((other) => other !== key);
      await deleteKeys(this.#bucket, persistenceId, replaced, 'save');
    });
  }

  async delete({ persistenceId, sequenceNr }: SnapshotMetadata): Promise<void> {
    await this.#locks.run(`${persistenceId}\u0000${sequenceNr}`, async () => {
      await this.#ready(persistenceId);
      this.#knownKeys.delete(persistenceId);
      const keys = await keysOfSequenceNr(this.#bucket, persistenceId, sequenceNr, 'delete');
      await deleteKeys(this.#bucket, persistenceId, keys, 'delete');
    });
  }

  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    await this.#ready(persistenceId);
    this.#knownKeys.delete(persistenceId);
    let batch: string[] = [];
    const pageSize = this.#bucket.settings.pageSize;
    for await (const found of listNewestFirst(this.#bucket, persistenceId, criteria, 'deleteMatching', pageSize)) {
      // Duplicates are garbage whatever the criteria say.
      if (criteria.matches(found)) batch.push(found.key);
      batch.push(...found.duplicates);
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
    await this.#ready(persistenceId);
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

  /** Creates the bucket once, on first use, when asked to. */
  #ready(persistenceId: string): Promise<void> {
    if (!this.#bucket.settings.createBucket) return Promise.resolve();
    if (!this.#bucketReady) {
      const context = { operation: 'createBucket', command: 'CreateBucket', persistenceId, key: '' };
      this.#bucketReady = this.#bucket
        .call(context, ({ client, signal }) => createBucketIfMissing(client, this.#bucket.name, { abortSignal: signal }))
        .then(() => undefined);
      // A failed attempt is not cached: the next operation tries again.
      this.#bucketReady.catch(() => {
        this.#bucketReady = undefined;
      });
    }
    return this.#bucketReady;
  }

  /**
   * Starts the GET of the key this store saved or loaded last for `persistenceId`, when that
   * snapshot matches `criteria` and is below the ranged-download size; undefined otherwise.
   */
  #startEarlyRead(persistenceId: string, criteria: SnapshotSelectionCriteria): EarlyRead | undefined {
    const known = this.#knownKeys.get(persistenceId);
    if (!known || known.size >= this.#bucket.settings.rangedThreshold || !criteria.matches(known)) return undefined;
    const cancel = new AbortController();
    const bytes = getWhole(this.#bucket, { persistenceId, key: known.key }, cancel.signal);
    // Awaited only when the listing confirms the key; a cancelled or unused one must not surface.
    bytes.catch(() => undefined);
    return { key: known.key, bytes, cancel };
  }

  /** Notes the newest key this store wrote or read for an id, forgetting the oldest id past the limit. */
  #remember(persistenceId: string, known: KnownKey): void {
    const current = this.#knownKeys.get(persistenceId);
    if (current && current.sequenceNr > known.sequenceNr) return;
    this.#knownKeys.delete(persistenceId);
    this.#knownKeys.set(persistenceId, known);
    if (this.#knownKeys.size > REMEMBERED_IDS) this.#knownKeys.delete(this.#knownKeys.keys().next().value as string);
  }

  /**
   * GETs and decodes one snapshot (or takes the bytes of an early GET of the same key); a
   * vanished object counts as unreadable (skip to older).
   */
  async #read(found: ListedSnapshot, early?: EarlyRead): Promise<SelectedSnapshot> {
    const { rangedThreshold, downloadConcurrency } = this.#bucket.settings;
    const ranged = !early && found.size !== undefined && found.size >= rangedThreshold && downloadConcurrency > 1;
    let bytes = ranged ? await getRanges(this.#bucket, found, found.size as number) : null;
    if (bytes === null) bytes = await (early?.bytes ?? getWhole(this.#bucket, found));
    if (bytes === undefined) {
      throw new CorruptSnapshotError(`snapshot ${found.sequenceNr} of ${JSON.stringify(found.persistenceId)} was deleted while loading`, {
        persistenceId: found.persistenceId,
        sequenceNr: found.sequenceNr,
        expected: `object ${found.key}`,
        actual: 'no such key',
        source: NAME,
      });
    }
    const selected = decodeSnapshot(decodeSnapshotFrame(bytes, found, NAME), this.#serialization, NAME);
    this.#remember(found.persistenceId, { key: found.key, sequenceNr: found.sequenceNr, timestamp: found.timestamp, size: bytes.length });
    return selected;
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
    super(core, { source: NAME, logger, hooks: options.hooks, lifecycle });
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
