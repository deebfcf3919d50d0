/**
 * Where a snapshot lives on disk: the directory of a persistence id (its segments from
 * `idSegments`, one directory level each; see src/spi/id-segments.ts) and the file name of
 * one snapshot. Pure string functions, so they are easy to test and to explain.
 * @module
 */

/** Digits of zero-padded sequence numbers and timestamps (MAX_SAFE_INTEGER has 16). */
export const NUMBER_DIGITS = 16;
/** Suffix of a snapshot file. */
export const SNAPSHOT_SUFFIX = '.snap';
/** Suffix of an in-progress temp file; such files are never read as snapshots. */
export const TEMP_SUFFIX = '.tmp';

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
