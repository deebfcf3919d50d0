/**
 * The events of one AtomicWrite packed into one binary attribute, so the write is one item
 * (all or nothing without transactions):
 *
 * ```
 * version u8 | first sequence number f64 | count u32
 * | per event: timestamp f64 | flags u8 | payload (u32 length + bytes)
 *              | [manifest] | [tags: u32 count, each u32 length + UTF-8] | [writer id] | [metadata]
 * | CRC-32 of every preceding byte, u32
 * ```
 *
 * Sequence numbers are contiguous from `first`; flags bit 0 manifest, 1 tags, 2 writer id,
 * 3 metadata (each present only when flagged, as u32 length + bytes). Payload and metadata
 * are the shared envelopes, untouched.
 * @module
 */
import { CorruptDataError } from '../core/errors.js';
import { checksum } from '../serialization/checksum.js';
import type { StoredEvent } from '../spi/journal-support.js';

const FRAME_VERSION = 1;
const HEADER_BYTES = 1 + 8 + 4;
const FLAG_MANIFEST = 1;
const FLAG_TAGS = 2;
const FLAG_WRITER = 4;
const FLAG_METADATA = 8;

const utf8 = (value: string): Buffer => Buffer.from(value, 'utf8');

/** Packs events with contiguous sequence numbers (checked by the caller) into one frame. */
export function packEvents(events: readonly StoredEvent[]): Buffer {
  const first = events[0]?.sequenceNr ?? 1;
  const strings = events.map((event) => ({
    manifest: event.manifest === undefined ? undefined : utf8(event.manifest),
    tags: event.tags?.map(utf8),
    writer: event.writerId === undefined ? undefined : utf8(event.writerId),
  }));
  let size = HEADER_BYTES + 4;
  events.forEach((event, index) => {
    const { manifest, tags, writer } = strings[index] as (typeof strings)[number];
    size += 8 + 1 + 4 + event.payload.length;
    if (manifest) size += 4 + manifest.length;
    if (tags) size += 4 + tags.reduce((sum, tag) => sum + 4 + tag.length, 0);
    if (writer) size += 4 + writer.length;
    if (event.metadata) size += 4 + event.metadata.length;
  });
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt8(FRAME_VERSION, 0);
  at = out.writeDoubleBE(first, at);
  at = out.writeUInt32BE(events.length, at);
  const bytes = (value: Uint8Array) => {
    at = out.writeUInt32BE(value.length, at);
    out.set(value, at);
    at += value.length;
  };
  events.forEach((event, index) => {
    const { manifest, tags, writer } = strings[index] as (typeof strings)[number];
    at = out.writeDoubleBE(event.timestamp, at);
    const flags =
      (manifest ? FLAG_MANIFEST : 0) | (tags ? FLAG_TAGS : 0) | (writer ? FLAG_WRITER : 0) | (event.metadata ? FLAG_METADATA : 0);
    at = out.writeUInt8(flags, at);
    bytes(event.payload);
    if (manifest) bytes(manifest);
    if (tags) {
      at = out.writeUInt32BE(tags.length, at);
      for (const tag of tags) bytes(tag);
    }
    if (writer) bytes(writer);
    if (event.metadata) bytes(event.metadata);
  });
  out.writeUInt32BE(checksum(out.subarray(0, at)), at);
  return out;
}

/**
 * Unpacks a frame written by {@link packEvents} for `persistenceId`; damaged or truncated
 * bytes throw {@link CorruptDataError} naming the id and the item.
 */
export function unpackEvents(input: Uint8Array, persistenceId: string, itemSortKey: number): StoredEvent[] {
  const frame = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const where = `journal item ${itemSortKey} of ${JSON.stringify(persistenceId)}`;
  const corrupt = (expected: string, actual: string): never => {
    throw new CorruptDataError(`${where}: expected ${expected}, found ${actual}`, { persistenceId, expected, actual, source: 'dynamodb' });
  };
  if (frame.length < HEADER_BYTES + 4) corrupt(`an event frame of at least ${HEADER_BYTES + 4} bytes`, `${frame.length} bytes`);
  const end = frame.length - 4;
  const stored = frame.readUInt32BE(end);
  const computed = checksum(frame.subarray(0, end));
  if (stored !== computed) corrupt(`checksum ${computed.toString(16)}`, `${stored.toString(16)} (damaged or truncated bytes)`);
  if (frame[0] !== FRAME_VERSION) corrupt(`frame version ${FRAME_VERSION}`, `version ${frame[0]}`);
  const first = frame.readDoubleBE(1);
  const count = frame.readUInt32BE(9);
  let at = HEADER_BYTES;
  const take = (length: number): Buffer => {
    if (at + length > end) corrupt(`${length} bytes at offset ${at}`, `the frame's end at ${end}`);
    const slice = frame.subarray(at, at + length);
    at += length;
    return slice;
  };
  const bytes = () => take(take(4).readUInt32BE(0));
  const text = () => bytes().toString('utf8');
  const events: StoredEvent[] = [];
  for (let index = 0; index < count; index++) {
    const timestamp = take(8).readDoubleBE(0);
    const flags = take(1)[0] as number;
    const payload = bytes();
    const manifest = flags & FLAG_MANIFEST ? text() : undefined;
    let tags: string[] | undefined;
    if (flags & FLAG_TAGS) {
      const tagCount = take(4).readUInt32BE(0);
      tags = [];
      for (let tag = 0; tag < tagCount; tag++) tags.push(text());
    }
    const writerId = flags & FLAG_WRITER ? text() : undefined;
    const metadata = flags & FLAG_METADATA ? bytes() : undefined;
    events.push({ persistenceId, sequenceNr: first + index, timestamp, manifest, tags, writerId, payload, metadata });
  }
  if (at !== end) corrupt(`${count} events ending at ${end}`, `their end at ${at}`);
  return events;
}
