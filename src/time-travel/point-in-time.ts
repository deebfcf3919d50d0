/**
 * Points in a timeline (a sequence number or a timestamp) and the state rebuilt at one.
 * @module
 */
import { invalidArgument, validateInteger } from '../core/validation.js';

/** A point in time: right after event `sequenceNr` (0 = before any), or the last event at or before `timestamp`. */
export type TimePoint = { readonly sequenceNr: number } | { readonly timestamp: number };

/** A state rebuilt at a point, and how it was rebuilt. */
export interface PointInTime<S> {
  readonly state: S;
  /** The last event included (0 when none). */
  readonly sequenceNr: number;
  /** Timestamp of that event (or of the snapshot when no event was replayed); undefined at 0. */
  readonly timestamp: number | undefined;
  /** Sequence number of the snapshot the rebuild started from, or null for the initial state. */
  readonly snapshotSequenceNr: number | null;
  /** Events replayed on top of the snapshot. */
  readonly replayed: number;
}

/** A validated {@link TimePoint}. */
export type CheckedTimePoint = { readonly by: 'sequenceNr'; readonly value: number } | { readonly by: 'timestamp'; readonly value: number };

/** Checks a {@link TimePoint}: exactly one of `sequenceNr` and `timestamp`, a non-negative integer. */
export function validateTimePoint(point: unknown, persistenceId?: string): CheckedTimePoint {
  const context = { persistenceId };
  if (typeof point !== 'object' || point === null) invalidArgument('point', '{ sequenceNr } or { timestamp }', point, context);
  const { sequenceNr, timestamp } = point as { sequenceNr?: unknown; timestamp?: unknown };
  if ((sequenceNr === undefined) === (timestamp === undefined)) {
    invalidArgument('point', 'exactly one of sequenceNr and timestamp', point, context);
  }
  return sequenceNr !== undefined
    ? { by: 'sequenceNr', value: validateInteger(sequenceNr, 'point.sequenceNr', context, { min: 0 }) }
    : { by: 'timestamp', value: validateInteger(timestamp, 'point.timestamp', context, { min: 0 }) };
}
