/**
 * The byte layout of one stored snapshot, shared by the file and S3 stores: a small
 * checksummed header naming the snapshot, then the metadata envelope, then the snapshot
 * envelope. Pure (no `node:fs`).
 *
 * ```
 * "MSNP" | version u8 | id length u16 | id UTF-8 | sequenceNr u64 | timestamp u64
 * | metadata length u32 | CRC-32 of the header so far, u32
 * | metadata envelope (metadata length bytes; 0 = no user metadata) | snapshot envelope (the rest)
 * ```
 *
 * Why one blob and not two files/objects: one atomic rename (or one PUT) stores the snapshot
 * and its metadata together, so they can never disagree. Why the id, sequence number and
 * timestamp are repeated inside: a file or object copied or renamed to the wrong name is
 * detected instead of being read as another snapshot. Each envelope carries its own
 * CRC-32, so every byte of the blob is covered by a checksum.
 * @module
 */
import { CorruptDataError } from '../core/errors.js';
import type { SnapshotMetadataInit } from '../core/snapshot-metadata.js';
import { checksum, checksumRange, rememberChecksum } from '../serialization/checksum.js';
import { declaredEnvelopeLength } from '../serialization/envelope.js';
import type { Serialization } from '../serialization/serialization.js';
import { encodeSnapshotParts, type SnapshotHead, type StoredSnapshot } from '../spi/snapshot-support.js';

/** Format version written by this code. */
export const SNAPSHOT_FRAME_VERSION = 1;
const MAGIC = Buffer.from('MSNP', 'latin1');
const FIXED_HEADER_BYTES = 4 + 1 + 2 + 8 + 8 + 4 + 4;

/** Where a snapshot frame is expected to belong, taken from its file name or object key. */
export interface SnapshotFrameIdentity {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly timestamp: number;
}

/** Bytes of a frame before the snapshot envelope: the fixed fields, the id and the metadata envelope. */
function prefixLength(head: SnapshotHead): number {
  return FIXED_HEADER_BYTES + Buffer.byteLength(head.persistenceId, 'utf8') + (head.metadata?.length ?? 0);
}

/**
 * Serializes a snapshot into its frame, as buffers to write one after the other: the frame
 * header and metadata go into room left in front of the payload envelope's header, and the
 * payload (10 MB, say) is never copied after serializing (a Uint8Array state not at all).
 */
export function encodeSnapshotFrame(
  metadata: SnapshotMetadataInit,
  snapshot: unknown,
  serialization: Serialization,
): { readonly head: SnapshotHead; readonly parts: Uint8Array[]; readonly length: number } {
  const { head, payload: parts } = encodeSnapshotParts(metadata, snapshot, serialization, prefixLength);
  const first = parts[0] as Uint8Array;
  const frame = Buffer.from(first.buffer, first.byteOffset, prefixLength(head));
  const id = Buffer.from(head.persistenceId, 'utf8');
  let at = MAGIC.copy(frame, 0);
  frame[at++] = SNAPSHOT_FRAME_VERSION;
  frame.writeUInt16BE(id.length, at);
  at += 2;
  at += id.copy(frame, at);
  frame.writeBigUInt64BE(BigInt(head.sequenceNr), at);
  at += 8;
  frame.writeBigUInt64BE(BigInt(head.timestamp), at);
  at += 8;
  frame.writeUInt32BE(head.metadata?.length ?? 0, at);
  at += 4;
  frame.writeUInt32BE(checksum(frame.subarray(0, at)), at);
  at += 4;
  if (head.metadata) frame.set(head.metadata, at);
  return { head, parts, length: parts.reduce((sum, part) => sum + part.length, 0) };
}

/**
 * Splits a frame back into a {@link StoredSnapshot}, checking magic, version, header
 * checksum and that it belongs where it was found. Throws {@link CorruptDataError} (which
 * `loadYoungestReadable` treats as "skip to the next older") otherwise. The envelopes are
 * checked later by `decodeSnapshot`.
 */
export function decodeSnapshotFrame(input: Uint8Array, expected: SnapshotFrameIdentity, source: string): StoredSnapshot {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const corrupt = (wanted: string, found: unknown): never => {
    const what = `snapshot ${expected.sequenceNr} of ${JSON.stringify(expected.persistenceId)}`;
    throw new CorruptDataError(`${what}: expected ${wanted}, found ${String(found)}`, {
      persistenceId: expected.persistenceId,
      expected: wanted,
      actual: found,
      source,
    });
  };
  if (bytes.length < FIXED_HEADER_BYTES) corrupt(`at least ${FIXED_HEADER_BYTES} bytes`, `${bytes.length} bytes`);
  if (!bytes.subarray(0, 4).equals(MAGIC)) corrupt('frame magic "MSNP"', `0x${bytes.subarray(0, 4).toString('hex')}`);
  if (bytes[4] !== SNAPSHOT_FRAME_VERSION) corrupt(`frame version ${SNAPSHOT_FRAME_VERSION}`, `version ${bytes[4]}`);
  const idLength = bytes.readUInt16BE(5);
  const headerEnd = FIXED_HEADER_BYTES + idLength;
  if (bytes.length < headerEnd) corrupt(`a header of ${headerEnd} bytes`, `${bytes.length} bytes`);
  const stored = bytes.readUInt32BE(headerEnd - 4);
  const computed = checksum(bytes.subarray(0, headerEnd - 4));
  if (stored !== computed) corrupt(`header checksum ${computed.toString(16)}`, `${stored.toString(16)} (damaged bytes)`);
  let at = 7;
  const persistenceId = bytes.toString('utf8', at, at + idLength);
  at += idLength;
  const sequenceNr = Number(bytes.readBigUInt64BE(at));
  const timestamp = Number(bytes.readBigUInt64BE(at + 8));
  const metadataLength = bytes.readUInt32BE(at + 16);
  if (persistenceId !== expected.persistenceId)
    corrupt(`persistence id ${JSON.stringify(expected.persistenceId)}`, JSON.stringify(persistenceId));
  if (sequenceNr !== expected.sequenceNr) corrupt(`sequence number ${expected.sequenceNr}`, sequenceNr);
  if (timestamp !== expected.timestamp) corrupt(`timestamp ${expected.timestamp}`, timestamp);
  if (headerEnd + metadataLength > bytes.length) corrupt(`${metadataLength} bytes of metadata`, `${bytes.length - headerEnd} bytes left`);
  return {
    persistenceId,
    sequenceNr,
    timestamp,
    metadata: metadataLength === 0 ? undefined : bytes.subarray(headerEnd, headerEnd + metadataLength),
    payload: bytes.subarray(headerEnd + metadataLength),
  };
}

/**
 * The length a frame at the start of `bytes` declares (header, metadata and snapshot
 * envelope), or undefined when not enough of it is there to tell. Verifies nothing: a reader
 * that read a prefix uses it to know whether it has the whole frame, then decodes it.
 */
export function declaredFrameLength(bytes: Uint8Array): number | undefined {
  const envelopeStart = declaredEnvelopeStart(bytes);
  if (envelopeStart === undefined) return undefined;
  const envelope = declaredEnvelopeLength(bytes.subarray(envelopeStart));
  return envelope === undefined ? undefined : envelopeStart + envelope;
}

/**
 * Where the snapshot envelope of a frame at the start of `bytes` begins (after the header and
 * the metadata), or undefined when not enough of the frame is there to tell. Verifies nothing.
 */
export function declaredEnvelopeStart(bytes: Uint8Array): number | undefined {
  if (bytes.length < FIXED_HEADER_BYTES || bytes[0] !== MAGIC[0] || bytes[4] !== SNAPSHOT_FRAME_VERSION) return undefined;
  const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerEnd = FIXED_HEADER_BYTES + view.readUInt16BE(5);
  if (headerEnd > view.length) return undefined;
  const envelopeStart = headerEnd + view.readUInt32BE(headerEnd - 8);
  return envelopeStart > view.length ? undefined : envelopeStart;
}

/**
 * Frames from this size on are worth a {@link SnapshotEnvelopeChecksum}: smaller ones are
 * still in the CPU's cache when checked after the read (measured: docs/fs.md).
 */
export const CHECKSUM_AS_READ_FROM_BYTES = 2 * 1024 * 1024;

/**
 * The CRC-32 of a frame's snapshot envelope (all but its last 4 bytes, the stored checksum),
 * taken in chunk by chunk as a reader fills `buffer` with the whole frame (a file, an object's
 * body), while each chunk is still in the CPU's cache and often while the next one is on its
 * way; then remembered for the envelope's check (see rememberChecksum), which would otherwise
 * read every byte again from main memory. The check itself is unchanged: it compares the
 * stored checksum with this one.
 */
export class SnapshotEnvelopeChecksum {
  readonly #buffer: Buffer;
  readonly #start: number;
  readonly #end: number;
  #at: number;
  #crc = 0;

  private constructor(buffer: Buffer, start: number) {
    this.#buffer = buffer;
    this.#start = start;
    this.#at = start;
    this.#end = buffer.length - 4;
  }

  /** For a frame whose first `filled` bytes are in `buffer`; undefined when they do not say where its envelope starts. */
  static of(buffer: Buffer, filled: number): SnapshotEnvelopeChecksum | undefined {
    const start = declaredEnvelopeStart(buffer.subarray(0, filled));
    return start === undefined || start >= buffer.length - 4 ? undefined : new SnapshotEnvelopeChecksum(buffer, start);
  }

  /** Takes in the bytes up to `filled`. */
  advance(filled: number): void {
    const stop = Math.min(filled, this.#end);
    if (stop <= this.#at) return;
    this.#crc = checksumRange(this.#buffer, this.#at, stop, this.#crc);
    this.#at = stop;
  }

  /** Remembers the checksum once every byte of the envelope was taken in. */
  finish(): void {
    if (this.#at === this.#end) rememberChecksum(this.#buffer, this.#start, this.#end, this.#crc);
  }
}
