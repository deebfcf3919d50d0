/**
 * Projections: feed a query stream to a handler and remember how far it got, so a restart
 * resumes from the stored offset.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { holdProcess } from '../core/timers.js';
import { validateFunction } from '../core/validation.js';
import { type Logger, type LoggerOption, resolveLogger } from '../observability/logger.js';
import type { Telemetry, TelemetrySpan } from '../observability/telemetry.js';
import { isTransactionalOffsetStore, type OffsetStore, offsetToNumber, type TransactionalOffsetStore } from '../spi/offset-store.js';
import { type EventEnvelope, NoOffset, type Offset } from '../spi/read-journal.js';
import { type SliceRange, sliceOf, validateSliceRange } from '../spi/slices.js';

/** What a handler receives besides the envelope. */
export interface ProjectionContext<Transaction = unknown> {
  readonly projectionName: string;
  /**
   * The open transaction when the offset store is transactional (exactly-once), else undefined.
   * Typed from the offset store (see {@link TransactionOf}): `Transaction` for a
   * {@link TransactionalOffsetStore}, `undefined` for a store whose type has no `inTransaction`.
   */
  readonly transaction: Transaction;
}

/**
 * The transaction a projection handler gets from `Store`: the store's own for a
 * {@link TransactionalOffsetStore}, undefined for a store whose type has no `inTransaction`.
 */
export type TransactionOf<Store> = Store extends {
  inTransaction(projectionName: string, offset: Offset, work: (transaction: infer Transaction) => unknown): unknown;
}
  ? Transaction
  : undefined;

/** Options of {@link runProjection}. */
export interface ProjectionOptions<Transaction = unknown> {
  /** Identifies the projection's stored offset. */
  readonly name: string;
  /** The events to project from an offset, e.g. `(offset) => queries.eventsByTag('orders', offset, { live: true, signal })`. */
  readonly source: (offset: Offset) => AsyncIterable<EventEnvelope>;
  /** Handles one event. Throwing stops the projection; the event is delivered again on restart. */
  readonly handler: (envelope: EventEnvelope, context: ProjectionContext<Transaction>) => Promise<void> | void;
  /** Where the offset lives. A {@link TransactionalOffsetStore} makes the projection exactly-once. */
  readonly offsetStore: OffsetStore | TransactionalOffsetStore<Transaction>;
  /**
   * At-least-once only: save the offset after this many events (a crash repeats at most
   * this many). @default 1
   */
  readonly saveEvery?: number;
  /**
   * Project only these slices, keeping an offset per slice (docs/scaling.md): `source` must
   * deliver the events of exactly this range, e.g. `(offset) => queries.eventsBySlices('order',
   * range.minSlice, range.maxSlice, offset, { live: true, signal })`.
   */
  readonly slices?: ProjectionSlices;
  /** Where the projection reports its start (see LoggerOption); false for none. @default warnings and errors on stderr */
  readonly logger?: LoggerOption;
  /** Traces each batch (the events between two offset saves) as a `memento.projection.batch` span. @default none */
  readonly telemetry?: Telemetry;
}

/** A sliced projection's range and offset rules. */
export interface ProjectionSlices {
  /** The slices this process projects, e.g. one of `sliceRanges(4)`. */
  readonly range: SliceRange;
  /** What the source's offsets are: the read journal's `sliceOffsets`. @default 'sequence' */
  readonly offsets?: 'sequence' | 'timestamp';
  /**
   * Every this many events, every slice of the range stores the range's position, so a
   * restart need not read back to the oldest offset of a slice that had no events. @default 1000
   */
  readonly checkpointEvery?: number;
}

/** A running projection. */
export interface RunningProjection {
  /** Resolves with the last processed offset when the source ends; rejects when the handler fails. */
  readonly done: Promise<Offset>;
}

/**
 * Runs a projection until its source ends (a finite query, or a live one aborted by its
 * signal). At-least-once by default: each event is handled, then its offset saved, so a
 * crash in between handles that event again. Exactly-once when the offset store is
 * transactional: handler and offset update commit together.
 */
export function runProjection<Transaction = never, Store extends OffsetStore = OffsetStore>(
  options: ProjectionOptions<[Transaction] extends [never] ? TransactionOf<Store> : Transaction> & { readonly offsetStore: Store },
): RunningProjection {
  if (typeof options?.name !== 'string' || options.name.length === 0) {
    throw new InvalidArgumentError('name', `name: expected a non-empty string, found ${JSON.stringify(options?.name)}`, {
      expected: 'non-empty string',
      actual: options?.name,
    });
  }
  validateFunction(options.source, 'source');
  validateFunction(options.handler, 'handler');
  if (!options.offsetStore || typeof options.offsetStore.load !== 'function') {
    throw new InvalidArgumentError('offsetStore', 'offsetStore: expected an OffsetStore', {
      expected: 'OffsetStore',
      actual: options.offsetStore,
    });
  }
  const saveEvery = options.saveEvery ?? 1;
  if (!Number.isSafeInteger(saveEvery) || saveEvery < 1) {
    throw new InvalidArgumentError('saveEvery', `saveEvery: expected an integer >= 1, found ${saveEvery}`, {
      expected: '>= 1',
      actual: saveEvery,
    });
  }
  const slices = options.slices === undefined ? undefined : validateSlices(options.name, options.slices);
  return { done: project(options as ProjectionOptions<unknown>, saveEvery, slices) };
}

async function project<Transaction>(
  options: ProjectionOptions<Transaction>,
  saveEvery: number,
  slices: CheckedSlices | undefined,
): Promise<Offset> {
  const logger = resolveLogger(options.logger);
  // A projection is foreground work: the process stays up until its source ends or it fails.
  const hold = holdProcess();
  try {
    if (slices) return await projectSlices(options, saveEvery, slices, logger);
    return await projectHeld(options, saveEvery, logger);
  } finally {
    hold.release();
  }
}

async function projectHeld<Transaction>(options: ProjectionOptions<Transaction>, saveEvery: number, logger: Logger): Promise<Offset> {
  const { name, offsetStore } = options;
  let offset = await offsetStore.load(name);
  logger.info(`[memento] projection ${name} starting`, { offset });
  let unsaved = 0;
  let batch: TelemetrySpan | undefined;
  const endBatch = (events: number, error?: unknown) => {
    batch?.end({ 'memento.events': events, 'memento.offset': describeOffset(offset) }, error);
    batch = undefined;
  };
  try {
    for await (const envelope of options.source(offset)) {
      batch ??= options.telemetry?.start('memento.projection.batch', { 'memento.projection': name });
      if (isTransactionalOffsetStore(offsetStore)) {
        const store = offsetStore as TransactionalOffsetStore<Transaction>;
        await store.inTransaction(name, envelope.offset, (transaction) => options.handler(envelope, { projectionName: name, transaction }));
        offset = envelope.offset;
        endBatch(1);
        continue;
      }
      await options.handler(envelope, { projectionName: name, transaction: undefined as Transaction });
      unsaved++;
      if (unsaved >= saveEvery) {
        await offsetStore.save(name, envelope.offset);
        offset = envelope.offset;
        endBatch(unsaved);
        unsaved = 0;
        continue;
      }
      offset = envelope.offset;
    }
  } catch (error) {
    endBatch(unsaved, error);
    throw error;
  } finally {
    // Whatever was handled is worth remembering, even when a later event failed.
    if (unsaved > 0) await offsetStore.save(name, offset);
    endBatch(unsaved);
  }
  return offset;
}

/** The stored offset name of one slice of a projection: `<name>@<slice>`. */
export const sliceOffsetName = (projectionName: string, slice: number): string => `${projectionName}@${slice}`;

/** Longest projection name that still leaves room for `@1023` within the stores' 255 characters. */
const MAX_SLICED_NAME = 250;

interface CheckedSlices {
  readonly range: SliceRange;
  readonly offsets: 'sequence' | 'timestamp';
  readonly checkpointEvery: number;
}

function validateSlices(name: string, slices: ProjectionSlices): CheckedSlices {
  if (name.length > MAX_SLICED_NAME) {
    throw new InvalidArgumentError(
      'name',
      `name: expected at most ${MAX_SLICED_NAME} characters for a sliced projection, found ${name.length}`,
      {
        expected: `<= ${MAX_SLICED_NAME} characters`,
        actual: name.length,
      },
    );
  }
  const range = validateSliceRange(slices?.range?.minSlice, slices?.range?.maxSlice);
  const offsets = slices.offsets ?? 'sequence';
  if (offsets !== 'sequence' && offsets !== 'timestamp') {
    throw new InvalidArgumentError(
      'slices.offsets',
      `slices.offsets: expected 'sequence' or 'timestamp', found ${JSON.stringify(offsets)}`,
      {
        expected: "'sequence' | 'timestamp'",
        actual: offsets,
      },
    );
  }
  const checkpointEvery = slices.checkpointEvery ?? 1000;
  if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1) {
    throw new InvalidArgumentError('slices.checkpointEvery', `slices.checkpointEvery: expected an integer >= 1, found ${checkpointEvery}`, {
      expected: '>= 1',
      actual: checkpointEvery,
    });
  }
  return { range, offsets, checkpointEvery };
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const pending = [...items];
  const worker = async () => {
    for (let item = pending.shift(); item !== undefined; item = pending.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, pending.length) }, worker));
}

/**
 * A projection over a slice range with an offset per slice. With sequence offsets (one
 * global order), the range starts at the lowest slice offset and skips each event at or
 * below its own slice's offset: so ranges can be split or merged between runs (4 processes
 * to 8) and each event is still handled once (exactly-once with a transactional store).
 * With timestamp offsets the source reads back its window before the lowest one and every
 * event there may be handled again (at-least-once).
 */
async function projectSlices<Transaction>(
  options: ProjectionOptions<Transaction>,
  saveEvery: number,
  slices: CheckedSlices,
  logger: Logger,
): Promise<Offset> {
  const { name, offsetStore } = options;
  const { range, checkpointEvery } = slices;
  const toOffset = (value: number): Offset => (value === 0 ? NoOffset : { type: slices.offsets, value });
  const all = Array.from({ length: range.maxSlice - range.minSlice + 1 }, (_, index) => range.minSlice + index);
  /** Per slice: the highest offset handled (and, once saved, stored). */
  const handled = new Map<number, number>();
  const stored = new Map<number, number>();
  await forEachLimited(all, 16, async (slice) => {
    const value = offsetToNumber(await offsetStore.load(sliceOffsetName(name, slice)));
    handled.set(slice, value);
    stored.set(slice, value);
  });
  let position = Math.min(...handled.values());
  logger.info(`[memento] projection ${name} starting on slices ${range.minSlice}-${range.maxSlice}`, { offset: position });
  const transactional = isTransactionalOffsetStore(offsetStore) ? (offsetStore as TransactionalOffsetStore<Transaction>) : undefined;
  let unsaved = 0;
  let sinceCheckpoint = 0;
  const flush = async () => {
    await forEachLimited(all, 16, async (slice) => {
      const value = handled.get(slice) ?? 0;
      if (value <= (stored.get(slice) ?? 0)) return;
      await offsetStore.save(sliceOffsetName(name, slice), toOffset(value));
      stored.set(slice, value);
    });
    unsaved = 0;
  };
  // Every event of the range up to `position` is handled, so every slice may store it.
  const checkpoint = async () => {
    for (const slice of all) if ((handled.get(slice) ?? 0) < position) handled.set(slice, position);
    await flush();
    sinceCheckpoint = 0;
  };
  try {
    for await (const envelope of options.source(toOffset(position))) {
      const slice = sliceOf(envelope.persistenceId);
      if (slice < range.minSlice || slice > range.maxSlice) {
        throw new InvalidArgumentError(
          'source',
          `projection ${name}: expected events of slices ${range.minSlice}-${range.maxSlice}, found ${JSON.stringify(envelope.persistenceId)} of slice ${slice}`,
          { persistenceId: envelope.persistenceId, expected: `${range.minSlice}-${range.maxSlice}`, actual: slice },
        );
      }
      const value = offsetToNumber(envelope.offset);
      // Handled by an earlier run of a range that held this slice.
      if (slices.offsets === 'sequence' && value <= (handled.get(slice) ?? 0)) continue;
      if (transactional) {
        await transactional.inTransaction(sliceOffsetName(name, slice), envelope.offset, (transaction) =>
          options.handler(envelope, { projectionName: name, transaction }),
        );
        stored.set(slice, Math.max(value, stored.get(slice) ?? 0));
      } else {
        await options.handler(envelope, { projectionName: name, transaction: undefined as Transaction });
        unsaved++;
      }
      handled.set(slice, Math.max(value, handled.get(slice) ?? 0));
      position = Math.max(position, value);
      sinceCheckpoint++;
      if (unsaved >= saveEvery) await flush();
      if (sinceCheckpoint >= checkpointEvery) await checkpoint();
    }
  } finally {
    // Whatever was handled is worth remembering, even when a later event failed.
    if (unsaved > 0 || sinceCheckpoint > 0) await checkpoint();
  }
  return toOffset(position);
}

function describeOffset(offset: Offset): number | undefined {
  return offset.type === 'sequence' ? offset.value : undefined;
}
