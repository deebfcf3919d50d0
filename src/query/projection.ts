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
import { isTransactionalOffsetStore, type OffsetStore, type TransactionalOffsetStore } from '../spi/offset-store.js';
import type { EventEnvelope, Offset } from '../spi/read-journal.js';

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
  /** Where the projection reports its start (see LoggerOption); false for none. @default warnings and errors on stderr */
  readonly logger?: LoggerOption;
  /** Traces each batch (the events between two offset saves) as a `memento.projection.batch` span. @default none */
  readonly telemetry?: Telemetry;
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
  return { done: project(options as ProjectionOptions<unknown>, saveEvery) };
}

async function project<Transaction>(options: ProjectionOptions<Transaction>, saveEvery: number): Promise<Offset> {
  const logger = resolveLogger(options.logger);
  // A projection is foreground work: the process stays up until its source ends or it fails.
  const hold = holdProcess();
  try {
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

function describeOffset(offset: Offset): number | undefined {
  return offset.type === 'sequence' ? offset.value : undefined;
}
