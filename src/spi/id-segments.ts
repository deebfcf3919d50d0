/**
 * An encoded persistence id cut into path segments, shared by the file store (directory
 * levels) and the S3 store (key segments). Pure string functions.
 *
 * An id is encoded with `encodePersistenceIdForKey` (`[a-z0-9_-]` and `%XX`, never `/`,
 * `.` or uppercase), which can be up to 765 characters, while a file name (and a path
 * segment on servers that map keys to files) may have at most 255 bytes. The encoding is
 * cut into chunks of at most {@link SEGMENT_CHUNK} characters (never inside a `%XX`
 * escape), each a segment: a chunk that continues ends in `+`, the last one ends in `~`.
 * The encoding has neither character, so a continuing chunk can never be mistaken for the
 * last chunk of a shorter id (no collisions), the path reads back to the id (reversible),
 * and no name is a Windows device name such as `con`.
 * @module
 */
import { decodePersistenceIdFromKey, encodePersistenceIdForKey } from '../core/persistence-id.js';

/** Longest encoded chunk per segment (plus one marker character: 201 bytes). */
export const SEGMENT_CHUNK = 200;

/** The segments (relative path levels) of one id. */
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
