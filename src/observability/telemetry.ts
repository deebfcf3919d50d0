/**
 * Tracing and metrics of persistence operations, behind a small interface of our own so that
 * Memento depends on no telemetry library: {@link openTelemetry} adapts it to
 * `@opentelemetry/api` (an optional peer, loaded only when called); a runtime without a
 * `telemetry` option wraps nothing and pays nothing.
 * @module
 */
import { requireOptionalPeer } from '../core/optional-peer.js';

/** The operations traced: one span name each. */
export type TelemetryOperation =
  | 'memento.journal.write'
  | 'memento.journal.replay'
  | 'memento.journal.highest_sequence_nr'
  | 'memento.journal.delete'
  | 'memento.snapshot.save'
  | 'memento.snapshot.load'
  | 'memento.snapshot.delete'
  | 'memento.state.get'
  | 'memento.state.upsert'
  | 'memento.state.delete'
  | 'memento.recovery'
  | 'memento.projection.batch';

/** Span attributes: `memento.persistence_id`, `memento.sequence_nr.from` / `.to`, `memento.events`, `memento.bytes`... */
export type TelemetryAttributes = Record<string, string | number | boolean | undefined>;

/** An operation under way. */
export interface TelemetrySpan {
  /** Ends it, adding `attributes`; an `error` marks it failed. */
  end(attributes?: TelemetryAttributes, error?: unknown): void;
}

/** Where the runtime reports its operations; see {@link openTelemetry}. */
export interface Telemetry {
  /** Runs `work` as `operation` (the active span while it runs); `describe` adds attributes from its result. */
  run<T>(
    operation: TelemetryOperation,
    attributes: TelemetryAttributes,
    work: () => Promise<T>,
    describe?: (result: T) => TelemetryAttributes,
  ): Promise<T>;
  /** Starts an operation that ends later (a replay ends when its iteration does). */
  start(operation: TelemetryOperation, attributes: TelemetryAttributes): TelemetrySpan;
}

// The parts of @opentelemetry/api used here, declared structurally so that Memento's types
// never need the package.
/** An OpenTelemetry span, as far as Memento uses it. */
export interface OpenTelemetrySpanLike {
  setAttributes(attributes: Record<string, string | number | boolean>): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | string): unknown;
  end(): void;
}

/** An OpenTelemetry tracer, as far as Memento uses it. */
export interface OpenTelemetryTracerLike {
  startSpan(name: string, options?: { attributes?: Record<string, string | number | boolean> }): OpenTelemetrySpanLike;
  startActiveSpan<F extends (span: OpenTelemetrySpanLike) => unknown>(
    name: string,
    options: { attributes?: Record<string, string | number | boolean> },
    fn: F,
  ): ReturnType<F>;
}

/** An OpenTelemetry histogram, as far as Memento uses it. */
export interface OpenTelemetryHistogramLike {
  record(value: number, attributes?: Record<string, string | number | boolean>): void;
}

/** An OpenTelemetry meter, as far as Memento uses it. */
export interface OpenTelemetryMeterLike {
  createHistogram(name: string, options?: { description?: string; unit?: string }): OpenTelemetryHistogramLike;
}

/** Options of {@link openTelemetry}. */
export interface OpenTelemetryOptions {
  /** @default `trace.getTracer('memento-es')` of `@opentelemetry/api` (the global provider) */
  readonly tracer?: OpenTelemetryTracerLike;
  /** @default `metrics.getMeter('memento-es')` of `@opentelemetry/api` (the global provider) */
  readonly meter?: OpenTelemetryMeterLike;
}

interface OpenTelemetryApi {
  trace: { getTracer(name: string): OpenTelemetryTracerLike };
  metrics: { getMeter(name: string): OpenTelemetryMeterLike };
}

/** OpenTelemetry's `SpanStatusCode.ERROR`. */
const STATUS_ERROR = 2;

/** The histograms {@link openTelemetry} records. */
export const TELEMETRY_METRICS = Object.freeze({
  recoveryDuration: 'memento.recovery.duration',
  recoveryEvents: 'memento.recovery.events',
  writeDuration: 'memento.journal.write.duration',
  writeBatchSize: 'memento.journal.write.batch_size',
});

/**
 * Telemetry over OpenTelemetry: a span per operation (attributes: persistence id, sequence
 * numbers, event counts and sizes; a failure sets the span's status to ERROR and records the
 * exception) and histograms of recovery time, events replayed per recovery, journal write
 * latency and write batch size. Without `tracer` and `meter`, loads `@opentelemetry/api` (an
 * optional peer; PeerDependencyError when missing) and uses its global providers.
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): Telemetry {
  const api =
    options.tracer && options.meter
      ? undefined
      : requireOptionalPeer<OpenTelemetryApi>({ name: '@opentelemetry/api', source: 'observability' });
  const tracer = options.tracer ?? (api as OpenTelemetryApi).trace.getTracer('memento-es');
  const meter = options.meter ?? (api as OpenTelemetryApi).metrics.getMeter('memento-es');
  const histograms = {
    recoveryDuration: meter.createHistogram(TELEMETRY_METRICS.recoveryDuration, { description: 'Time to recover an entity', unit: 'ms' }),
    recoveryEvents: meter.createHistogram(TELEMETRY_METRICS.recoveryEvents, {
      description: 'Events replayed per recovery',
      unit: '{event}',
    }),
    writeDuration: meter.createHistogram(TELEMETRY_METRICS.writeDuration, { description: 'Journal write latency', unit: 'ms' }),
    writeBatchSize: meter.createHistogram(TELEMETRY_METRICS.writeBatchSize, { description: 'Events per journal write', unit: '{event}' }),
  };

  const record = (operation: TelemetryOperation, attributes: TelemetryAttributes, durationMs: number, failed: boolean): void => {
    const labels = { 'memento.outcome': failed ? 'failure' : 'success' };
    if (operation === 'memento.recovery') {
      histograms.recoveryDuration.record(durationMs, labels);
      if (!failed) histograms.recoveryEvents.record(Number(attributes['memento.events'] ?? 0), labels);
    } else if (operation === 'memento.journal.write') {
      histograms.writeDuration.record(durationMs, labels);
      histograms.writeBatchSize.record(Number(attributes['memento.events'] ?? 0), labels);
    }
  };

  const finish = (
    span: OpenTelemetrySpanLike,
    operation: TelemetryOperation,
    attributes: TelemetryAttributes,
    started: number,
    error: unknown,
    failed: boolean,
  ) => {
    try {
      span.setAttributes(defined(attributes));
      if (failed) {
        span.setStatus({ code: STATUS_ERROR, message: error instanceof Error ? error.message : String(error) });
        span.recordException(error instanceof Error ? error : String(error));
      }
      span.end();
      record(operation, attributes, performance.now() - started, failed);
    } catch {
      // Telemetry must never break persistence.
    }
  };

  return {
    run(operation, attributes, work, describe) {
      const started = performance.now();
      return tracer.startActiveSpan(operation, { attributes: defined(attributes) }, async (span) => {
        try {
          const result = await work();
          finish(span, operation, { ...attributes, ...safely(describe, result) }, started, undefined, false);
          return result;
        } catch (error) {
          finish(span, operation, attributes, started, error, true);
          throw error;
        }
      }) as ReturnType<typeof work>;
    },
    start(operation, attributes) {
      const started = performance.now();
      const span = tracer.startSpan(operation, { attributes: defined(attributes) });
      let ended = false;
      return {
        end(more, error) {
          if (ended) return;
          ended = true;
          finish(span, operation, { ...attributes, ...more }, started, error, error !== undefined);
        },
      };
    },
  };
}

function safely<T>(describe: ((result: T) => TelemetryAttributes) | undefined, result: T): TelemetryAttributes {
  try {
    return describe?.(result) ?? {};
  } catch {
    return {};
  }
}

/** Attributes without the undefined ones (OpenTelemetry drops them with a warning). */
function defined(attributes: TelemetryAttributes): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) result[key] = value;
  return result;
}
