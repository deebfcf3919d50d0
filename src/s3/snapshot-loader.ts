/**
 * How {@link S3SnapshotStore} loads: the id's head first (one GET in the common case), the
 * listing as the index when the head is missing, stale, excluded by the criteria or unreadable.
 * @module
 */
import { CorruptSnapshotError } from '../core/errors.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import type { Serialization } from '../serialization/serialization.js';
import { decodeSnapshotFrame } from '../spi/snapshot-frame.js';
import { decodeSnapshot, isUnreadableSnapshotError, loadYoungestReadable, type SkipReporting } from '../spi/snapshot-support.js';
import type { S3Bucket } from './bucket.js';
import { S3_SOURCE as NAME } from './errors.js';
import { type Head, type HeadRead, headCopies, startHeadRead } from './head.js';
import { idPrefix, parseSnapshotKey } from './key-layout.js';
import type { EarlyRead, KnownKeys } from './known-keys.js';
import { type ListedSnapshot, listNewestFirst, matching } from './listing.js';
import { getRanges, getWhole } from './transfer.js';

/** `load` asks for a short first page: the newest snapshot is first, rarely more are needed. */
const LOAD_FIRST_PAGE = 2;

/** Loads snapshots from one bucket, remembering in `knownKeys` the key each load read. */
export class S3SnapshotLoader {
  readonly #bucket: S3Bucket;
  readonly #serialization: Serialization;
  readonly #knownKeys: KnownKeys;

  constructor(bucket: S3Bucket, serialization: Serialization, knownKeys: KnownKeys) {
    this.#bucket = bucket;
    this.#serialization = serialization;
    this.#knownKeys = knownKeys;
  }

  /** The youngest readable snapshot matching `criteria`, or null. */
  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, reporting: SkipReporting): Promise<SelectedSnapshot | null> {
    await this.#bucket.ready(persistenceId);
    if (!this.#bucket.settings.headAsIndex) return this.#loadListed(persistenceId, criteria, reporting, undefined, undefined);
    // The head names the newest snapshot and copies it when small: one GET. A larger one
    // this store knows is fetched alongside, in case the head still names it.
    const known = this.#knownKeys.get(persistenceId);
    const early =
      known && known.size > this.#bucket.settings.headCopyMax
        ? this.#knownKeys.startEarlyRead(this.#bucket, persistenceId, criteria)
        : undefined;
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
    try {
      const copy = head.frame ?? null;
      const bytes = copy ?? (early?.key === head.key ? await early.bytes : await this.#fetch(found, head.size));
      if (bytes === undefined) return undefined;
      return this.#decode(found, bytes);
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

  /**
   * GETs and decodes one listed snapshot (or takes the bytes of an early GET of the same key,
   * or the head's copy of it); a vanished object counts as unreadable (skip to older).
   */
  async #read(found: ListedSnapshot, early?: EarlyRead, headRead?: HeadRead): Promise<SelectedSnapshot> {
    const head =
      !early && headRead && found.size !== undefined && found.size <= this.#bucket.settings.headCopyMax ? await headRead.head : undefined;
    const copy = head && headCopies(head, found) ? head.frame : null;
    const bytes = copy ?? (early ? await early.bytes : await this.#fetch(found, found.size));
    if (bytes === undefined) {
      throw new CorruptSnapshotError(`snapshot ${found.sequenceNr} of ${JSON.stringify(found.persistenceId)} was deleted while loading`, {
        persistenceId: found.persistenceId,
        sequenceNr: found.sequenceNr,
        expected: `object ${found.key}`,
        actual: 'no such key',
        source: NAME,
      });
    }
    return this.#decode(found, bytes);
  }

  /** The object's bytes, in ranges at once when it is large; undefined when it is gone. */
  async #fetch(found: ListedSnapshot, size: number | undefined): Promise<Buffer | undefined> {
    const { rangedThreshold, downloadConcurrency } = this.#bucket.settings;
    if (size !== undefined && size >= rangedThreshold && downloadConcurrency > 1) {
      const ranged = await getRanges(this.#bucket, found, size);
      if (ranged !== null) return ranged;
    }
    return getWhole(this.#bucket, found);
  }

  /** Decodes a snapshot's frame and remembers its key for the next load of the id. */
  #decode(found: ListedSnapshot, bytes: Buffer): SelectedSnapshot {
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
