/**
 * Which snapshots a load or delete selects: the single definition every store uses.
 * @module
 */
import { InvalidArgumentError } from './errors.js';
import { invalidArgument, MAX_SEQUENCE_NR, validateInteger } from './validation.js';

/** Fields of {@link SnapshotSelectionCriteria}; any left out take the widest default. */
export interface SnapshotSelectionCriteriaInit {
  readonly maxSequenceNr?: number;
  readonly maxTimestamp?: number;
  readonly minSequenceNr?: number;
  readonly minTimestamp?: number;
}

/** The fields a criteria check needs from a snapshot's metadata. */
export interface SnapshotPosition {
  readonly sequenceNr: number;
  readonly timestamp: number;
}

/** Inclusive bounds on sequence number and timestamp selecting snapshots. */
export class SnapshotSelectionCriteria {
  /** Selects every snapshot (the youngest, for `load`). */
  static readonly Latest = new SnapshotSelectionCriteria();
  /** Selects no snapshot: recovery replays the whole journal. */
  static readonly None = new SnapshotSelectionCriteria({ maxSequenceNr: 0, maxTimestamp: 0 });

  readonly maxSequenceNr: number;
  readonly maxTimestamp: number;
  readonly minSequenceNr: number;
  readonly minTimestamp: number;

  /**
   * Bounds are integers or Infinity. As in Akka, a bound may be negative, so
   * `lastSequenceNr - 200` ports as written: a negative minimum is 0, a negative maximum
   * selects nothing.
   */
  constructor(init: SnapshotSelectionCriteriaInit = {}) {
    const bound = (value: number | undefined, name: string, fallback: number): number => {
      if (value === undefined) return fallback;
      if (value === Number.POSITIVE_INFINITY) return MAX_SEQUENCE_NR;
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        invalidArgument(`criteria.${name}`, 'an integer (a negative maximum selects nothing), or Infinity', value);
      }
      return value;
    };
    this.maxSequenceNr = bound(init.maxSequenceNr, 'maxSequenceNr', MAX_SEQUENCE_NR);
    this.maxTimestamp = bound(init.maxTimestamp, 'maxTimestamp', MAX_SEQUENCE_NR);
    this.minSequenceNr = Math.max(0, bound(init.minSequenceNr, 'minSequenceNr', 0));
    this.minTimestamp = Math.max(0, bound(init.minTimestamp, 'minTimestamp', 0));
    // A negative maximum is Akka's "nothing yet" (lastSequenceNr - 200 on a young actor), not a mistake.
    if (this.maxSequenceNr >= 0 && this.minSequenceNr > this.maxSequenceNr) {
      throw new InvalidArgumentError(
        'criteria.minSequenceNr',
        `criteria.minSequenceNr: expected <= maxSequenceNr ${this.maxSequenceNr}, found ${this.minSequenceNr}`,
        { expected: `<= ${this.maxSequenceNr}`, actual: this.minSequenceNr },
      );
    }
    if (this.maxTimestamp >= 0 && this.minTimestamp > this.maxTimestamp) {
      throw new InvalidArgumentError(
        'criteria.minTimestamp',
        `criteria.minTimestamp: expected <= maxTimestamp ${this.maxTimestamp}, found ${this.minTimestamp}`,
        { expected: `<= ${this.maxTimestamp}`, actual: this.minTimestamp },
      );
    }
    Object.freeze(this);
  }

  /** Accepts criteria or a plain object of bounds (validated); `undefined` means Latest. */
  static from(value: SnapshotSelectionCriteriaInit | undefined): SnapshotSelectionCriteria {
    if (value === undefined) return SnapshotSelectionCriteria.Latest;
    if (value instanceof SnapshotSelectionCriteria) return value;
    if (typeof value !== 'object' || value === null) {
      throw new InvalidArgumentError(
        'criteria',
        `criteria: expected SnapshotSelectionCriteria or an object of bounds, found ${String(value)}`,
        {
          expected: 'SnapshotSelectionCriteria',
          actual: value,
        },
      );
    }
    return new SnapshotSelectionCriteria(value);
  }

  /** True when the snapshot lies within every bound (bounds inclusive). */
  matches(metadata: SnapshotPosition): boolean {
    return (
      metadata.sequenceNr <= this.maxSequenceNr &&
      metadata.sequenceNr >= this.minSequenceNr &&
      metadata.timestamp <= this.maxTimestamp &&
      metadata.timestamp >= this.minTimestamp
    );
  }

  /** These criteria with the upper sequence bound lowered to `toSequenceNr` (recovery's limit). */
  limit(toSequenceNr: number): SnapshotSelectionCriteria {
    const to = validateInteger(toSequenceNr, 'toSequenceNr', {}, { min: 0, allowInfinity: true });
    if (to >= this.maxSequenceNr) return this;
    // Lowering the max below the min would select nothing; say so with None-like bounds.
    if (to < this.minSequenceNr) return SnapshotSelectionCriteria.None;
    return this.copy({ maxSequenceNr: to });
  }

  /** New criteria with some bounds replaced. */
  copy(changes: SnapshotSelectionCriteriaInit): SnapshotSelectionCriteria {
    return new SnapshotSelectionCriteria({ ...this.toJSON(), ...changes });
  }

  /** Plain-object form. */
  toJSON(): Required<SnapshotSelectionCriteriaInit> {
    const { maxSequenceNr, maxTimestamp, minSequenceNr, minTimestamp } = this;
    return { maxSequenceNr, maxTimestamp, minSequenceNr, minTimestamp };
  }
}
