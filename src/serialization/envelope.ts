/**
 * The one binary envelope around every stored payload (events, snapshots, durable state).
 * Version 2, written by this code:
 *
 * ```
 * magic "ME" | version u8 (2) | flags u8 | place u32 | serializerId (u8 length + UTF-8)
 * | manifest (u16 length + UTF-8) | [keyId (u8 length + UTF-8) | iv 12 | tag 16]
 * | payload length u32 | payload | CRC-32 of every preceding byte, u32
 * ```
 *
 * Version 1 (still read) is the same without `place`.
 *
 * flags: bits 0-1 compression (0 none, 1 deflate-raw), bit 2 AES-256-GCM encryption.
 * `place` binds the payload to where it belongs: the CRC-32 of its kind, persistence id and
 * sequence number (see `placeOf`), 0 when written without one. A payload copied or moved to
 * another row then fails to read instead of passing for that row's value.
 * The checksum catches damaged and truncated bytes; with encryption the GCM tag, which
 * also authenticates serializer id, manifest, flags, key id and (version 2) the place itself,
 * catches tampering and wrong keys.
 @module
 */
import { CorruptDataError } from '../core/errors.js';
import { checksum, checksumRange } from './checksum.js';

/** Current envelope format version (written); version 1 is still read. */
export const ENVELOPE_VERSION = 2;
/** The first format version, without a place. */
const VERSION_WITHOUT_PLACE = 1;
const MAGIC_0 = 0x4d; // 'M'
const MAGIC_1 = 0x45; // 'E'
const FLAG_ENCRYPTED = 0b100;
const COMPRESSION_MASK = 0b011;

/** Compression codes stored in the flags. */
export const Compression = { none: 0, deflate: 1 } as const;
/** One of {@link Compression}'s values. */
export type CompressionCode = (typeof Compression)[keyof typeof Compression];

/** Encryption fields of an envelope. */
export interface EnvelopeEncryption {
  readonly keyId: string;
  readonly iv: Uint8Array;
  readonly authTag: Uint8Array;
}

/** The decoded parts of an envelope; `payload` is still compressed/encrypted as flagged. */
export interface EnvelopeParts {
  /**
   * The place tag the payload is bound to (see `placeOf`); 0 or absent when unbound. Read
   * back as `undefined` from a version 1 envelope, which has none.
   */
  readonly place?: number | undefined;
  readonly serializerId: string;
  readonly manifest: string;
  readonly compression: CompressionCode;
  readonly encryption?: EnvelopeEncryption | undefined;
  readonly payload: Uint8Array;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

// Serializer ids and manifests repeat for every event; encode each distinct string once.
const encodedStrings = new Map<string, Buffer>();
function utf8Bytes(value: string): Buffer {
  let bytes = encodedStrings.get(value);
  if (bytes === undefined) {
    bytes = Buffer.from(value, 'utf8');
    if (encodedStrings.size < 4096) encodedStrings.set(value, bytes);
  }
  return bytes;
}

// Reading an id repeats for every event of a replay; the last one read is reused when its bytes match.
let lastSerializerId = { bytes: Buffer.alloc(0), text: '' };
function serializerIdAt(bytes: Buffer, at: number, length: number): string {
  const cached = lastSerializerId;
  if (cached.bytes.length === length) {
    let index = 0;
    while (index < length && cached.bytes[index] === bytes[at + index]) index++;
    if (index === length) return cached.text;
  }
  const text = bytes.toString('utf8', at, at + length);
  lastSerializerId = { bytes: Buffer.from(text, 'utf8'), text };
  return text;
}

/** Checks the header strings' sizes; returns the bytes from magic through the payload length field. */
function headerSize(serializerId: Buffer, manifest: Buffer, keyId: Buffer | undefined): number {
  if (serializerId.length === 0 || serializerId.length > 255) throw new RangeError('serializer id must be 1-255 UTF-8 bytes');
  if (manifest.length > 0xffff) throw new RangeError('manifest must be at most 65535 UTF-8 bytes');
  if (keyId && (keyId.length === 0 || keyId.length > 255)) throw new RangeError('key id must be 1-255 UTF-8 bytes');
  return 4 + 4 + 1 + serializerId.length + 2 + manifest.length + (keyId ? 1 + keyId.length + 12 + 16 : 0) + 4;
}

/** What the header says besides the strings; the payload itself is written apart. */
type HeaderFields = Pick<EnvelopeParts, 'place' | 'compression' | 'encryption'>;

/** Writes the header (through the payload length) at the start of `out`. */
function writeHeader(
  out: Buffer,
  parts: HeaderFields,
  serializerId: Buffer,
  manifest: Buffer,
  keyId: Buffer | undefined,
  payloadLength: number,
): void {
  let at = 0;
  out[at++] = MAGIC_0;
  out[at++] = MAGIC_1;
  out[at++] = ENVELOPE_VERSION;
  out[at++] = (parts.compression & COMPRESSION_MASK) | (parts.encryption ? FLAG_ENCRYPTED : 0);
  at = out.writeUInt32BE(parts.place ?? 0, at);
  out[at++] = serializerId.length;
  at += serializerId.copy(out, at);
  at = out.writeUInt16BE(manifest.length, at);
  at += manifest.copy(out, at);
  if (keyId && parts.encryption) {
    out[at++] = keyId.length;
    at += keyId.copy(out, at);
    out.set(parts.encryption.iv, at);
    out.set(parts.encryption.authTag, at + 12);
    at += 28;
  }
  out.writeUInt32BE(payloadLength, at);
}

/** Writes an envelope in one allocation (the form for small payloads such as events). */
export function encodeEnvelope(parts: EnvelopeParts): Buffer {
  const serializerId = utf8Bytes(parts.serializerId);
  const manifest = utf8Bytes(parts.manifest);
  const keyId = parts.encryption ? utf8Bytes(parts.encryption.keyId) : undefined;
  const size = headerSize(serializerId, manifest, keyId);
  const out = Buffer.allocUnsafe(size + parts.payload.length + 4);
  writeHeader(out, parts, serializerId, manifest, keyId, parts.payload.length);
  out.set(parts.payload, size);
  out.writeUInt32BE(checksumRange(out, 0, out.length - 4), out.length - 4);
  return out;
}

/**
 * The header of a plain envelope for one serializer id and manifest, place and payload length
 * left 0: every event of a batch shares it, so it is written once and copied per event.
 */
interface PlainHeader {
  readonly serializerId: string;
  readonly manifest: string;
  readonly bytes: Buffer;
}
const plainHeaders = new Map<string, Map<string, PlainHeader>>();
// Consecutive events mostly share serializer and manifest: the last header is checked before the maps.
let lastPlainHeader: PlainHeader | undefined;

function plainHeader(serializerIdText: string, manifestText: string): Buffer {
  let header = lastPlainHeader;
  if (header !== undefined && header.serializerId === serializerIdText && header.manifest === manifestText) return header.bytes;
  let ofSerializer = plainHeaders.get(serializerIdText);
  if (ofSerializer === undefined) {
    ofSerializer = new Map();
    if (plainHeaders.size >= 256) plainHeaders.clear();
    plainHeaders.set(serializerIdText, ofSerializer);
  }
  header = ofSerializer.get(manifestText);
  if (header === undefined) {
    const serializerId = utf8Bytes(serializerIdText);
    const manifest = utf8Bytes(manifestText);
    const bytes = Buffer.alloc(headerSize(serializerId, manifest, undefined));
    writeHeader(bytes, { place: 0, compression: Compression.none }, serializerId, manifest, undefined, 0);
    header = { serializerId: serializerIdText, manifest: manifestText, bytes };
    if (ofSerializer.size >= 4096) ofSerializer.clear();
    ofSerializer.set(manifestText, header);
  }
  lastPlainHeader = header;
  return header.bytes;
}

/** Writes `value` as a big-endian u32 at `at` (no argument checks: the offsets are ours). */
function putUint32(out: Buffer, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}

/**
 * The envelope of {@link encodeEnvelope} for an uncompressed, unencrypted payload given as
 * text, written as UTF-8 straight into the envelope: a small JSON event then costs one
 * buffer instead of two and one copy less.
 */
export function encodeTextEnvelope(place: number, serializerIdText: string, manifestText: string, text: string): Buffer {
  const header = plainHeader(serializerIdText, manifestText);
  const size = header.length;
  const length = Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafe(size + length + 4);
  // A byte loop: Buffer.copy's argument handling costs more than copying a header this short.
  for (let at = 0; at < size; at++) out[at] = header[at] as number;
  putUint32(out, 4, place);
  putUint32(out, size - 4, length);
  out.write(text, size, 'utf8');
  putUint32(out, size + length, checksumRange(out, 0, size + length));
  return out;
}

/**
 * The same envelope as {@link encodeEnvelope}, as three buffers whose concatenation is it:
 * header, the payload itself (not copied) and the checksum. A large snapshot is then never
 * copied after serializing: the store writes the parts. The first buffer starts with
 * `headroom` unwritten bytes for a header of the caller's (a snapshot frame's).
 */
export function encodeEnvelopeParts(parts: EnvelopeParts, headroom = 0): [Buffer, Uint8Array, Buffer] {
  const serializerId = utf8Bytes(parts.serializerId);
  const manifest = utf8Bytes(parts.manifest);
  const keyId = parts.encryption ? utf8Bytes(parts.encryption.keyId) : undefined;
  const head = Buffer.allocUnsafe(headroom + headerSize(serializerId, manifest, keyId));
  const header = head.subarray(headroom);
  writeHeader(header, parts, serializerId, manifest, keyId, parts.payload.length);
  const trailer = Buffer.allocUnsafe(4);
  trailer.writeUInt32BE(checksum(parts.payload, checksum(header)));
  return [head, parts.payload, trailer];
}

/** True when the bytes start like an envelope (cheap; does not verify the checksum). */
export function looksLikeEnvelope(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === MAGIC_0 && bytes[1] === MAGIC_1;
}

/** Names the stored item in messages; a function so the hot path never builds the text. */
export type EnvelopeDescription = string | (() => string);

function corrupt(describe: EnvelopeDescription, persistenceId: string | undefined, expected: string, actual: unknown): never {
  const what = typeof describe === 'function' ? describe() : describe;
  throw new CorruptDataError(`${what}: expected ${expected}, found ${String(actual)}`, { persistenceId, expected, actual });
}

/**
 * Reads an envelope, verifying magic, version, lengths and checksum. Throws
 * {@link CorruptDataError} saying what was expected and found; never returns wrong parts.
 * `describe` names the stored item in messages (e.g. `snapshot 12 of "order-1"`).
 */
export function decodeEnvelope(input: Uint8Array, describe: EnvelopeDescription = 'stored value', persistenceId?: string): EnvelopeParts {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const end = bytes.length - 4;
  if (bytes.length < 4 + 1 + 2 + 4 + 4) corrupt(describe, persistenceId, 'an envelope of at least 15 bytes', `${bytes.length} bytes`);
  if (!looksLikeEnvelope(bytes)) corrupt(describe, persistenceId, 'envelope magic 0x4d45', `0x${bytes.subarray(0, 2).toString('hex')}`);
  const version = bytes[2] as number;
  if (version !== ENVELOPE_VERSION && version !== VERSION_WITHOUT_PLACE) {
    corrupt(describe, persistenceId, `envelope version ${VERSION_WITHOUT_PLACE} or ${ENVELOPE_VERSION}`, `version ${version}`);
  }
  const stored = bytes.readUInt32BE(end);
  const computed = checksum(bytes.subarray(0, end));
  if (stored !== computed) {
    const found = `${stored.toString(16).padStart(8, '0')} (damaged or truncated bytes)`;
    corrupt(describe, persistenceId, `checksum ${computed.toString(16).padStart(8, '0')}`, found);
  }
  const flags = bytes[3] as number;
  let at = 4;
  // The checksum passed, so these only fail for bytes written by a buggy encoder.
  const truncatedAt = (count: number) => at + count > end;
  let place: number | undefined;
  if (version !== VERSION_WITHOUT_PLACE) {
    if (truncatedAt(4)) corrupt(describe, persistenceId, 'a place', 'end of header');
    place = bytes.readUInt32BE(at);
    at += 4;
  }
  if (truncatedAt(1)) corrupt(describe, persistenceId, 'a serializer id length', 'end of header');
  const serializerLength = bytes[at++] as number;
  if (truncatedAt(serializerLength + 2)) corrupt(describe, persistenceId, `${serializerLength + 2} header bytes at ${at}`, 'end of header');
  const serializerId = serializerIdAt(bytes, at, serializerLength);
  at += serializerLength;
  const manifestLength = bytes.readUInt16BE(at);
  at += 2;
  if (truncatedAt(manifestLength)) corrupt(describe, persistenceId, `${manifestLength} manifest bytes at ${at}`, 'end of header');
  const manifest = manifestLength === 0 ? '' : decoder.decode(bytes.subarray(at, at + manifestLength));
  at += manifestLength;
  let encryption: EnvelopeEncryption | undefined;
  if (flags & FLAG_ENCRYPTED) {
    if (truncatedAt(1)) corrupt(describe, persistenceId, 'a key id length', 'end of header');
    const keyLength = bytes[at++] as number;
    if (truncatedAt(keyLength + 28))
      corrupt(describe, persistenceId, `${keyLength + 28} encryption header bytes at ${at}`, 'end of header');
    const keyId = decoder.decode(bytes.subarray(at, at + keyLength));
    at += keyLength;
    encryption = { keyId, iv: bytes.subarray(at, at + 12), authTag: bytes.subarray(at + 12, at + 28) };
    at += 28;
  }
  if (truncatedAt(4)) corrupt(describe, persistenceId, 'a payload length', 'end of header');
  const payloadLength = bytes.readUInt32BE(at);
  at += 4;
  if (at + payloadLength !== end) corrupt(describe, persistenceId, `payload of ${end - at} bytes`, `length field ${payloadLength}`);
  const compression = (flags & COMPRESSION_MASK) as CompressionCode;
  if (compression !== Compression.none && compression !== Compression.deflate)
    corrupt(describe, persistenceId, 'compression 0 or 1', compression);
  return { place, serializerId, manifest, compression, encryption, payload: bytes.subarray(at, at + payloadLength) };
}

/**
 * Reads the common envelope (version 1 or 2, neither compressed nor encrypted) in place,
 * inside a larger buffer: a replay reads every event of its page this way, without a view or
 * a parts object per event. {@link read} says false for anything else, damaged bytes
 * included: the caller then goes through {@link decodeEnvelope}, whose errors say what is wrong.
 */
export class PlainEnvelopeReader {
  /** The place tag (undefined in a version 1 envelope). */
  place: number | undefined;
  serializerId = '';
  manifest = '';
  payloadStart = 0;
  payloadEnd = 0;

  /** True when `bytes[start, end)` is a plain envelope whose checksum matches; the fields then describe it. */
  read(bytes: Buffer, start: number, end: number): boolean {
    const crcAt = end - 4;
    if (crcAt - start < 11 || bytes[start] !== MAGIC_0 || bytes[start + 1] !== MAGIC_1 || bytes[start + 3] !== 0) return false;
    const version = bytes[start + 2];
    let at = start + 4;
    if (version === ENVELOPE_VERSION) {
      this.place = bytes.readUInt32BE(at);
      at += 4;
    } else if (version === VERSION_WITHOUT_PLACE) {
      this.place = undefined;
    } else {
      return false;
    }
    const idLength = bytes[at++] as number;
    if (at + idLength + 2 > crcAt) return false;
    const idAt = at;
    at += idLength;
    const manifestLength = bytes.readUInt16BE(at);
    at += 2;
    if (at + manifestLength + 4 > crcAt) return false;
    const manifestAt = at;
    at += manifestLength;
    if (at + 4 + bytes.readUInt32BE(at) !== crcAt) return false;
    if (bytes.readUInt32BE(crcAt) !== checksumRange(bytes, start, crcAt)) return false;
    this.serializerId = serializerIdAt(bytes, idAt, idLength);
    this.manifest = manifestLength === 0 ? '' : decoder.decode(bytes.subarray(manifestAt, manifestAt + manifestLength));
    this.payloadStart = at + 4;
    this.payloadEnd = crcAt;
    return true;
  }
}

/** `json` as a serializer id field: its length, then its UTF-8 bytes. */
const JSON_ID = [4, 0x6a, 0x73, 0x6f, 0x6e] as const;

/**
 * Where the payload starts when `bytes[start, end)` is the commonest envelope of all, a plain
 * event (version 1 or 2, neither compressed nor encrypted, serializer `json`, no manifest)
 * whose checksum matches; -1 for anything else, which {@link PlainEnvelopeReader} then reads.
 * Every event of a replay page goes through here: fixed offsets, no field written per event.
 */
export function plainJsonPayloadAt(bytes: Buffer, start: number, end: number): number {
  const crcAt = end - 4;
  if (bytes[start] !== MAGIC_0 || bytes[start + 1] !== MAGIC_1 || bytes[start + 3] !== 0) return -1;
  const version = bytes[start + 2];
  const idAt = version === ENVELOPE_VERSION ? start + 8 : version === VERSION_WITHOUT_PLACE ? start + 4 : -1;
  const payloadAt = idAt + JSON_ID.length + 2 + 4;
  if (idAt < 0 || payloadAt > crcAt) return -1;
  for (let index = 0; index < JSON_ID.length; index++) if (bytes[idAt + index] !== JSON_ID[index]) return -1;
  const lengthAt = payloadAt - 4;
  if (bytes[lengthAt - 2] !== 0 || bytes[lengthAt - 1] !== 0 || payloadAt + uint32At(bytes, lengthAt) !== crcAt) return -1;
  return uint32At(bytes, crcAt) === checksumRange(bytes, start, crcAt) ? payloadAt : -1;
}

/** The place tag of the envelope at `bytes[start]`, 0 for a version 1 envelope (which has none); unchecked. */
export function placeAt(bytes: Buffer, start: number): number {
  return bytes[start + 2] === ENVELOPE_VERSION ? uint32At(bytes, start + 4) : 0;
}

const uint32At = (bytes: Buffer, at: number): number =>
  (((bytes[at] as number) << 24) | ((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number)) >>> 0;

/**
 * The length an envelope starting at `bytes[0]` declares (header, payload and checksum), or
 * undefined when its header is not all there or not an envelope's. Nothing is verified: a
 * reader uses it to tell whether it has read the whole envelope, then decodes it.
 */
export function declaredEnvelopeLength(bytes: Uint8Array): number | undefined {
  const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = declaredEnvelopeLengthAt(view, 0, view.length);
  return length < 0 ? undefined : length;
}

/**
 * {@link declaredEnvelopeLength} of the envelope at `bytes[start]` whose header lies before
 * `end`; -1 when it is not there whole or not an envelope's. A replay page frames its events
 * by these lengths; nothing is verified (the checksum is, when each event is read).
 */
export function declaredEnvelopeLengthAt(bytes: Buffer, start: number, end: number): number {
  if (start + 4 > end || bytes[start] !== MAGIC_0 || bytes[start + 1] !== MAGIC_1) return -1;
  const version = bytes[start + 2];
  if (version !== ENVELOPE_VERSION && version !== VERSION_WITHOUT_PLACE) return -1;
  let at = start + (version === VERSION_WITHOUT_PLACE ? 4 : 8);
  if (at + 1 > end) return -1;
  at += 1 + (bytes[at] as number);
  if (at + 2 > end) return -1;
  at += 2 + (((bytes[at] as number) << 8) | (bytes[at + 1] as number));
  if ((bytes[start + 3] as number) & FLAG_ENCRYPTED) {
    if (at + 1 > end) return -1;
    at += 1 + (bytes[at] as number) + 28;
  }
  if (at + 4 > end) return -1;
  return at + 4 + uint32At(bytes, at) + 4 - start;
}
