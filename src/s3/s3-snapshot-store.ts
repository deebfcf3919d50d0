/**
 * Snapshot store over any S3-compatible bucket: one object per snapshot, the listing as
 * index. Options are checked in ./options.ts, the listing is read in ./listing.ts, bytes
 * move in ./transfer.ts, failures are mapped in ./errors.ts, the head copy lives in
 * ./head.ts and the keys remembered for early reads in ./known-keys.ts.
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
import { decodeSnapshot, isUnreadableSnapshotError, loadYoungestReadable, type SkipReporting } from '../spi/snapshot-support.js';
import { StoreLifecycle } from '../spi/store-options.js';
import { S3Bucket } from './bucket.js';
import type { S3ClientLike } from './client.js';
import { S3_SOURCE as NAME } from './errors.js';
import { dropHead, HEAD_MAX_BYTES, type Head, type HeadRead, headCopies, headTarget, putHead, startHeadRead } from './head.js';
import { idPrefix, parseSnapshotKey, snapshotKey } from './key-layout.js';
import { type EarlyRead, KnownKeys } from './known-keys.js';
import { afterSave, keysOfSequenceNr, type ListedSnapshot, listNewestFirst, listSnapshotIds, matching } from './listing.js';
import { resolveS3Options, type S3SnapshotStoreOptions } from './options.js';
import { DELETE_BATCH, deleteKeys, getRanges, getWhole, put } from './transfer.js';

export type { S3SnapshotStoreOptions } from './options.js';

/** `load` asks for a short first page: the newest snapshot is first, rarely more are needed. */
const LOAD_FIRST_PAGE = 2;

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
    await this.#bucket.ready(persistenceId);
    if (!this.#bucket.settings.headAsIndex) return this.#loadListed(persistenceId, criteria, reporting, undefined, undefined);
    // The head names the newest snapshot and copies it when small: one GET. A larger one
    // this store knows is fetched alongside, in case the head still names it.
    const known = this.#knownKeys.get(persistenceId);
    const early = known && known.size > HEAD_MAX_BYTES ? this.#knownKeys.startEarlyRead(this.#bucket, persistenceId, criteria) : undefined;
    const headRead = startHeadRead(this.#bucket, persistenceId);
    try {
      const head = await headRead.head;
      const selected = head?.indexed ? await this.#readNamed(persistenceId, head, criteria, early) : undefined;
      if (selected) return selected;
      return await this.#loadListed(persistenceId, criteria, reporting, early, headRead);
    } finally {
      early?.cancel.abort();
    }
  }

  /**
   * The snapshot the head names, when the criteria select it (the newest selected is then
   * the youngest match) and it reads and decodes; undefined sends the load to the listing.
   */
  async #readNamed(
    persistenceId: string,
    head: Head,
    criteria: SnapshotSelectionCriteria,
    early: EarlyRead | undefined,
  ): Promise<SelectedSnapshot | undefined> {
    const named = parseSnapshotKey(idPrefix(this.#bucket.settings.prefix, persistenceId), head.key);
    if (!named || !criteria.matches(named)) return undefined;
    const found: ListedSnapshot = { ...named, persistenceId, duplicates: [], size: head.size, etag: undefined };
    const { rangedThreshold, downloadConcurrency } = this.#bucket.settings;
    try {
      let bytes: Buffer | undefined | null = head.frame ?? null;
      if (bytes === null && early?.key === head.key) bytes = await early.bytes;
      else if (bytes === null && head.size >= rangedThreshold && downloadConcurrency > 1)
        bytes = await getRanges(this.#bucket, found, head.size);
      if (bytes === null) bytes = await getWhole(this.#bucket, found);
      if (bytes === undefined) return undefined;
      const selected = decodeSnapshot(decodeSnapshotFrame(bytes, found, NAME), this.#serialization, NAME);
      this.#knownKeys.remember(persistenceId, {
        key: found.key,
        sequenceNr: found.sequenceNr,
        timestamp: found.timestamp,
        size: bytes.length,
      });
      return selected;
    } catch (error) {
      // The listing reads it again and reports it, exactly as a load without the head would.
      if (isUnreadableSnapshotError(error)) return undefined;
      throw error;
    }
  }

  /** The listing as the index: its youngest matching readable snapshot. */
  async #loadListed(
    persistenceId: string,
    criteria: SnapshotSelectionCriteria,
    reporting: SkipReporting,
    known: EarlyRead | undefined,
    headRead: HeadRead | undefined,
  ): Promise<SelectedSnapshot | null> {
    // An early GET only saves waiting for the listing when the listing then names the key
    // this store knows as the youngest match; otherwise it is cancelled.
    const early = known ?? this.#knownKeys.startEarlyRead(this.#bucket, persistenceId, criteria);
    // Without a known key, the id's head is read in parallel with the listing, and its copy
    // used only when it holds exactly what the listing names first.
    const head = early ? undefined : (headRead ?? startHeadRead(this.#bucket, persistenceId));
    try {
      const listing = listNewestFirst(this.#bucket, persistenceId, criteria, 'load', LOAD_FIRST_PAGE);
      return await loadYoungestReadable(
        matching(listing, criteria),
        (found) => this.#read(found, early?.key === found.key ? early : undefined, head),
        reporting,
      );
    } finally {
      early?.cancel.abort();
      head?.cancel.abort();
    }
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
      this.#knownKeys.forget(persistenceId);
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
    this.#knownKeys.forget(persistenceId);
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

  /**
   * GETs and decodes one snapshot (or takes the bytes of an early GET of the same key); a
   * vanished object counts as unreadable (skip to older).
   */
  async #read(found: ListedSnapshot, early?: EarlyRead, headRead?: HeadRead): Promise<SelectedSnapshot> {
    const { rangedThreshold, downloadConcurrency } = this.#bucket.settings;
    const head = !early && headRead && found.size !== undefined && found.size <= HEAD_MAX_BYTES ? await headRead.head : undefined;
    const copy = head && headCopies(head, found) ? head.frame : null;
    const ranged = !early && !copy && found.size !== undefined && found.size >= rangedThreshold && downloadConcurrency > 1;
    let bytes = copy ?? (ranged ? await getRanges(this.#bucket, found, found.size as number) : null);
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
    this.#knownKeys.remember(found.persistenceId, {
      key: found.key,
      sequenceNr: found.sequenceNr,
      timestamp: found.timestamp,
      size: bytes.length,
    });
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
