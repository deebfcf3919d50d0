/**
 * Where a stored payload belongs: its kind (`event`, `snapshot`, `state`, ...), persistence
 * id and sequence number (a revision for durable state). The envelope keeps a 4-byte tag of
 * it, covered by the checksum, and encryption authenticates the place itself, so a payload
 * copied or moved to another row is caught on read instead of passing for that row's value.
 * @module
 */
import CRC32 from 'crc-32';
import { checksumRange } from './checksum.js';

/** The parts of a serialization context that name a place. */
export interface PlaceContext {
  readonly persistenceId?: string | undefined;
  readonly sequenceNr?: number | undefined;
  readonly what?: string | undefined;
}

// Every event of an id starts its place with the same "kind NUL id NUL": its CRC is computed
// once per id, not per event (a group commit interleaves many ids, so one last-id cache misses).
const MAX_PREFIXES = 4096;
const prefixes = new Map<string, Map<string, number>>();
/** The decimal digits of a sequence number, written right-aligned (no string per event). */
const digits = new Uint8Array(24);
/** The CRC through every digit but the last of the number last tagged, and what it continued. */
let lastTens = -1;
let lastTensPrefix = 0;
let lastTensCrc = 0;

/** True when the context names a place (a persistence id and a sequence number). */
function isPlaced(context: PlaceContext): context is PlaceContext & { persistenceId: string; sequenceNr: number } {
  return context.persistenceId !== undefined && context.sequenceNr !== undefined;
}

/**
 * The place tag of a context: CRC-32 of `kind NUL persistenceId NUL sequenceNr`, never 0;
 * 0 when the context names no persistence id or sequence number (an unbound payload).
 */
export function placeOf(context: PlaceContext): number {
  return isPlaced(context) ? placeTag(context.what ?? 'value', context.persistenceId, context.sequenceNr) : 0;
}

/** The place tag of a payload of kind `what` at `sequenceNr` of `persistenceId` (see {@link placeOf}). */
export function placeTag(what: string, persistenceId: string, sequenceNr: number): number {
  let ofKind = prefixes.get(what);
  if (ofKind === undefined) {
    ofKind = new Map();
    prefixes.set(what, ofKind);
  }
  let prefix = ofKind.get(persistenceId);
  if (prefix === undefined) {
    prefix = CRC32.str(`${what}\u0000${persistenceId}\u0000`);
    if (ofKind.size >= MAX_PREFIXES) ofKind.clear();
    ofKind.set(persistenceId, prefix);
  }
  return placeOfNumber(sequenceNr, prefix) >>> 0 || 1;
}

/** CRC-32 of `String(sequenceNr)` continuing `prefix`; ASCII digits, so the same as of its UTF-8 bytes. */
function placeOfNumber(sequenceNr: number, prefix: number): number {
  if (!Number.isSafeInteger(sequenceNr) || sequenceNr < 0) return CRC32.str(String(sequenceNr), prefix);
  // A replay tags consecutive numbers, which share every digit but the last ten at a time:
  // the CRC through those is kept, and only the last digit is added per event.
  const tens = Math.floor(sequenceNr / 10);
  if (tens !== lastTens || prefix !== lastTensPrefix) {
    let at = digits.length;
    for (let rest = tens; rest > 0; rest = Math.floor(rest / 10)) digits[--at] = 48 + (rest % 10);
    lastTensCrc = checksumRange(digits, at, digits.length, prefix);
    lastTens = tens;
    lastTensPrefix = prefix;
  }
  digits[0] = 48 + (sequenceNr - tens * 10);
  return checksumRange(digits, 0, 1, lastTensCrc);
}

/** The place as text, authenticated with the payload when it is encrypted; '' when unbound. */
export function placeText(context: PlaceContext): string {
  return isPlaced(context) ? `${context.what ?? 'value'}\u0000${context.persistenceId}\u0000${context.sequenceNr}` : '';
}

/** Renders a place tag for messages. */
export function formatPlace(place: number): string {
  return place.toString(16).padStart(8, '0');
}
