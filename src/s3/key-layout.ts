/**
 * Object keys of the S3 snapshot store:
 *
 * ```
 * <prefix><encoded id, in segments>/<MAX - sequenceNr>-<sequenceNr>-<timestamp>.snap   (numbers zero-padded to 16 digits)
 * e.g. snapshots/order-1~/9007199254740979-0000000000000012-0001700000000000.snap
 * ```
 *
 * - The id is encoded with `encodePersistenceIdForKey` (`[a-z0-9_-]` and `%XX`, no `/`)
 *   and cut into segments exactly as `memento-es/fs` names directories: chunks of at most
 *   200 characters, `+` ending a chunk that continues and `~` ending the last. Servers that
 *   map keys to files (MinIO, s3rver) refuse path segments over 255 bytes, and an encoded
 *   id reaches 765 characters. `~` occurs once, right before the id's final `/`, so no
 *   id's key prefix is a prefix of another's: a listing for one id never returns another's
 *   keys (`a~/` is not a prefix of `ab~/`, nor of `a+/b~/`).
 * - The first number is the inverted sequence number, so ListObjectsV2 (ascending by key)
 *   returns the newest snapshot first: `load` reads one short page even with 10k
 *   snapshots, and an upper sequence bound becomes `StartAfter`.
 * - The plain sequence number is there for people browsing the bucket; the timestamp is
 *   there so criteria are evaluated from the listing alone, without a GET per snapshot.
 * - The listing is the index: nothing else to update, nothing that can go stale. The id's
 *   `head` object (./head.ts) is a checked cache, not a snapshot key; listings skip it.
 * @module
 */
import { MAX_SEQUENCE_NR } from '../core/validation.js';
import { idSegments } from '../spi/id-segments.js';

/** Digits of every number in a key (MAX_SAFE_INTEGER has 16). */
const DIGITS = 16;
/** Longest prefix in UTF-8 bytes: 1024 (S3's key limit) minus the longest id part (765 + 8) and name (55), with a margin. */
export const MAX_PREFIX_BYTES = 190;

const pad = (value: number): string => value.toString().padStart(DIGITS, '0');
const KEY_NAME = /^(\d{16})-(\d{16})-(\d{16})\.snap$/;

/** A snapshot object found in a listing. */
export interface SnapshotKey {
  readonly key: string;
  readonly sequenceNr: number;
  readonly timestamp: number;
}

/** `prefix` with a trailing `/` unless empty. */
export const normalizePrefix = (prefix: string): string => (prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`);

/** Everything under this prefix belongs to one persistence id. */
export const idPrefix = (prefix: string, persistenceId: string): string => `${prefix}${idSegments(persistenceId).join('/')}/`;

/** Keys of one sequence number (any timestamp) start with this. */
export const sequencePrefix = (base: string, sequenceNr: number): string => `${base}${pad(MAX_SEQUENCE_NR - sequenceNr)}-`;

/** The key of one snapshot. */
export const snapshotKey = (base: string, sequenceNr: number, timestamp: number): string =>
  `${sequencePrefix(base, sequenceNr)}${pad(sequenceNr)}-${pad(timestamp)}.snap`;

/**
 * `StartAfter` for a listing newest first that skips sequence numbers above `maxSequenceNr`
 * (undefined when nothing is skipped). Keys of `maxSequenceNr` itself sort after it.
 */
export const startAfterFor = (base: string, maxSequenceNr: number): string | undefined =>
  maxSequenceNr >= MAX_SEQUENCE_NR ? undefined : `${base}${pad(MAX_SEQUENCE_NR - maxSequenceNr)}`;

/** Parses a listed key under `base`; undefined for anything this store did not write. */
export function parseSnapshotKey(base: string, key: string): SnapshotKey | undefined {
  if (!key.startsWith(base)) return undefined;
  const match = KEY_NAME.exec(key.slice(base.length));
  if (!match) return undefined;
  const inverted = Number(match[1]);
  const sequenceNr = Number(match[2]);
  const timestamp = Number(match[3]);
  if (!Number.isSafeInteger(sequenceNr) || !Number.isSafeInteger(timestamp) || inverted !== MAX_SEQUENCE_NR - sequenceNr) return undefined;
  return { key, sequenceNr, timestamp };
}
