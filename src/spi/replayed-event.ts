/**
 * A replayed event built straight from a page's buffers: one rule for every journal page
 * (packed text rows, binary COPY rows) that decodes events in place, the same fields in the
 * same order as `decodeEvent` gives a stored event.
 * @module
 */
import { stampStoredSize } from '../core/encoded-size.js';
import type { PersistentRepr } from '../core/persistent-repr.js';
import type { Serialization } from '../serialization/serialization.js';

/** The optional columns of one stored event, as a page holds them; a null is a column the row does not have. */
export interface ReplayedColumns {
  readonly manifest: string | null;
  /** The tags as their stored JSON array. */
  readonly tagsJson: string | null;
  readonly writerId: string | null;
  /** The buffer that holds the metadata envelope at [metadataStart, metadataEnd); metadataStart < 0 for none. */
  readonly metadata: Buffer;
  readonly metadataStart: number;
  readonly metadataEnd: number;
}

/**
 * The event whose envelope is `payloads[start, end)`, with its optional columns when the row
 * has any (undefined when it has none, the common case, so a plain event allocates nothing more).
 * `latin1` is `payloads` as latin1 text, when the page keeps it (see Serialization.deserializeAt).
 */
export function replayedEvent(
  serialization: Serialization,
  persistenceId: string,
  sequenceNr: number,
  timestamp: number,
  payloads: Buffer,
  start: number,
  end: number,
  columns: ReplayedColumns | undefined,
  latin1?: string,
): PersistentRepr {
  const repr: { -readonly [K in keyof PersistentRepr]: PersistentRepr[K] } = {
    persistenceId,
    sequenceNr,
    timestamp,
    event: serialization.deserializeAt(payloads, start, end, persistenceId, sequenceNr, 'event', latin1),
  };
  if (columns !== undefined) {
    if (columns.manifest !== null) repr.manifest = columns.manifest;
    if (columns.tagsJson !== null) {
      const tags = JSON.parse(columns.tagsJson) as string[];
      if (tags.length > 0) repr.tags = tags;
    }
    if (columns.writerId !== null) repr.writerId = columns.writerId;
    if (columns.metadataStart >= 0) {
      repr.metadata = serialization.deserializeAt(
        columns.metadata,
        columns.metadataStart,
        columns.metadataEnd,
        persistenceId,
        sequenceNr,
        'event metadata',
      ) as Record<string, unknown>;
    }
  }
  // The envelope's size, as `snapshotEveryBytes` measures an event: recovery reports it as bytes read.
  stampStoredSize(repr, end - start);
  return repr;
}
