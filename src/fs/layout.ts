/**
 * Where a snapshot lives on disk: the directory of a persistence id and the file name of
 * one snapshot. Pure string functions, so they are easy to test and to explain.
 *
 * An id is encoded with `encodePersistenceIdForKey` (`[a-z0-9_-]` and `%XX`, never `/`,
 * `.` or uppercase), which can be up to 765 characters, while a file name may have at
 * most 255 bytes. The encoding is cut into chunks of at most {@link SEGMENT_CHUNK}
 * characters (never inside a `%XX` escape), each a directory level: a chunk that
 * continues ends in `+`, the last one ends in `~`. The encoding has neither character, so
 * a continuing chunk can never be mistaken for the last chunk of a shorter id (no
 * collisions), the path reads back to the id (reversible), and no name is a Windows
 * device name such as `con`.
 * @module
 */
import { decodePersistenceIdFromKey, encodePersistenceIdForKey } from '../core/persistence-id.js';

/** Longest encoded chunk per directory level (plus one marker character: 201 bytes). */
export const SEGMENT_CHUNK = 200;
/** Digits of zero-padded sequence numbers and timestamps (MAX_SAFE_INTEGER has 16). */
export const NUMBER_DIGITS = 16;
/** Suffix of a snapshot file. */
export const SNAPSHOT_SUFFIX = '.snap';
/** Suffix of an in-progress temp file; such files are never read as snapshots. */
export const TEMP_SUFFIX = '.tmp';

/** The directory levels (relative) holding one id's snapshots. */
export function idSegments(persistenceId: string): string[] {
  const encoded = encodePersistenceIdForKey(persistenceId);
  const segments: string[] = [];
  let at = 0;
  while (encoded.length - at > SEGMENT_CHUNK) {
    let end = at + SEGMENT_CHUNK;
    // Never cut a %XX escape: back off to just before its '%'.
    const percent = encoded.lastIndexOf('%', end - 1);
    if (percent > end - 3) end = percent;
    segments.push(`${encoded.slice(at, end)}+`);
    at = end;
  }
  segments.push(`${encoded.slice(at)}~`);
  return segments;
}

/** Inverse of {@link idSegments}; throws when the segments were not produced by it. */
export function idFromSegments(segments: readonly string[]): string {
  const last = segments.length - 1;
  const chunks = segments.map((segment, index) => {
    const marker = index === last ? '~' : '+';
    if (!segment.endsWith(marker)) throw new Error(`segment ${JSON.stringify(segment)} does not end in ${marker}`);
    return segment.slice(0, -1);
  });
  return decodePersistenceIdFromKey(chunks.join(''));
}

/** Zero-pads a sequence number or timestamp so names sort like numbers. */
export const pad = (value: number): string => value.toString().padStart(NUMBER_DIGITS, '0');

/** `<sequenceNr>-<timestamp>.snap`, both zero-padded: a directory listing sorts by sequence number. */
export const snapshotFileName = (sequenceNr: number, timestamp: number): string => `${pad(sequenceNr)}-${pad(timestamp)}${SNAPSHOT_SUFFIX}`;

const SNAPSHOT_NAME = /^(\d{16})-(\d{16})\.snap$/;

/** Sequence number and timestamp of a snapshot file name, or undefined for any other name. */
export function parseSnapshotFileName(name: string): { sequenceNr: number; timestamp: number } | undefined {
  const match = SNAPSHOT_NAME.exec(name);
  if (!match) return undefined;
  const sequenceNr = Number(match[1]);
  const timestamp = Number(match[2]);
  if (!Number.isSafeInteger(sequenceNr) || !Number.isSafeInteger(timestamp)) return undefined;
  return { sequenceNr, timestamp };
}
