/**
 * The key a store last saved or loaded per id, so the next load of that id can start its
 * GET before the listing answers. The listing stays the index: an early GET is used only
 * when the listing then names the same key first; otherwise it is cancelled.
 * @module
 */
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { NewestPerId } from '../spi/newest-per-id.js';
import type { S3Bucket } from './bucket.js';
import type { SnapshotKey } from './key-layout.js';
import { getWhole } from './transfer.js';

/** Ids whose newest known key a store remembers (oldest forgotten first); about 200 bytes each. */
const REMEMBERED_IDS = 1024;

/** The key a store last saved or loaded for an id: where the next load's GET may start. */
export interface KnownKey extends SnapshotKey {
  readonly size: number;
}

/** A GET started before the listing answered; used only when the listing names the same key first. */
export interface EarlyRead {
  readonly key: string;
  readonly bytes: Promise<Buffer | undefined>;
  readonly cancel: AbortController;
}

/** Per id, the newest key one store saved or loaded. */
export class KnownKeys extends NewestPerId<KnownKey> {
  constructor() {
    super(REMEMBERED_IDS);
  }

  /**
   * Starts the GET of the key known for `persistenceId`, when that snapshot matches
   * `criteria` and is below the ranged-download size; undefined otherwise.
   */
  startEarlyRead(bucket: S3Bucket, persistenceId: string, criteria: SnapshotSelectionCriteria): EarlyRead | undefined {
    const known = this.get(persistenceId);
    if (!known || known.size >= bucket.settings.rangedThreshold || !criteria.matches(known)) return undefined;
    const cancel = new AbortController();
    const bytes = getWhole(bucket, { persistenceId, key: known.key }, cancel.signal);
    // Awaited only when the listing confirms the key; a cancelled or unused one must not surface.
    bytes.catch(() => undefined);
    return { key: known.key, bytes, cancel };
  }
}
