/**
 * Where a stored payload belongs: its kind (`event`, `snapshot`, `state`, ...), persistence
 * id and sequence number (a revision for durable state). The envelope keeps a 4-byte tag of
 * it, covered by the checksum, and encryption authenticates the place itself, so a payload
 * copied or moved to another row is caught on read instead of passing for that row's value.
 * @module
 */
import CRC32 from 'crc-32';

/** The parts of a serialization context that name a place. */
export interface PlaceContext {
  readonly persistenceId?: string | undefined;
  readonly sequenceNr?: number | undefined;
  readonly what?: string | undefined;
}

// Events of one id are encoded one after the other: the CRC of "kind, id" is reused.
let lastPrefix = { what: '', persistenceId: '', crc: 0 };
/** The sequence number divided by ten whose digits {@link lastTensCrc} continues the prefix with; -1 for none. */
let lastTens = -1;
let lastTensCrc = 0;
const DIGITS = Array.from({ length: 10 }, (_, digit) => Uint8Array.of(0x30 + digit));

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
  let prefix = lastPrefix;
  if (prefix.what !== what || prefix.persistenceId !== persistenceId) {
    prefix = { what, persistenceId, crc: CRC32.str(`${what}\u0000${persistenceId}\u0000`) };
    lastPrefix = prefix;
    lastTens = -1;
  }
  // A replay checks consecutive numbers, which share all digits but the last for ten numbers
  // in a row: the CRC through those digits is kept, and only the last digit is added per call
  // (String() and a CRC over every digit were a tenth of a small event's decoding time).
  if (Number.isSafeInteger(sequenceNr) && sequenceNr >= 0) {
    const tens = Math.floor(sequenceNr / 10);
    if (tens !== lastTens) {
      lastTensCrc = tens === 0 ? prefix.crc : CRC32.str(String(tens), prefix.crc);
      lastTens = tens;
    }
    return CRC32.buf(DIGITS[sequenceNr - tens * 10] as Uint8Array, lastTensCrc) >>> 0 || 1;
  }
  return CRC32.str(String(sequenceNr), prefix.crc) >>> 0 || 1;
}

/** The place as text, authenticated with the payload when it is encrypted; '' when unbound. */
export function placeText(context: PlaceContext): string {
  return isPlaced(context) ? `${context.what ?? 'value'}\u0000${context.persistenceId}\u0000${context.sequenceNr}` : '';
}

/** Renders a place tag for messages. */
export function formatPlace(place: number): string {
  return place.toString(16).padStart(8, '0');
}
