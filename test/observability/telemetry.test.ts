/**
 * OpenTelemetry (issue 17, point 10): spans for journal, snapshot, durable state, recovery
 * and projection operations, and the four histograms, read back through the SDK's
 * in-memory span exporter and a pull metric reader.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPersistence,
  DurableEffect,
  defineDurableEntity,
  defineEntity,
  Effect,
  type EntityOptions,
  type EventEnvelope,
  type Journal,
  MemoryDurableStateStore,
  MemoryJournal,
  MemoryOffsetStore,
  MemorySnapshotStore,
  openTelemetry,
  runProjection,
  TELEMETRY_METRICS,
} from '../../src/index.js';

class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

function setup() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PullReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const telemetry = openTelemetry({ tracer: tracerProvider.getTracer('test'), meter: meterProvider.getMeter('test') });
  const spans = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === name);
  /** Count and sum of a histogram's points, all attribute sets together. */
  const histogram = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((found) => found.descriptor.name === name);
    const points = (metric?.dataPoints ?? []) as { value: { count: number; sum?: number } }[];
    return {
      count: points.reduce((sum, point) => sum + point.value.count, 0),
      sum: points.reduce((sum, point) => sum + (point.value.sum ?? 0), 0),
    };
  };
  return { telemetry, spans, histogram, exporter };
}

const counterOptions: EntityOptions<number, { type: 'add'; amount: number } | { type: 'get' } | { type: 'snapshot' }, { amount: number }> =
  {
    name: 'counter',
    emptyState: 0,
    commandHandler: (state, command) => {
      if (command.type === 'get') return Effect.reply(state);
      if (command.type === 'snapshot')
        return Effect.none<{ amount: number }, number>()
          .thenSnapshot()
          .thenReply((s) => s);
      return Effect.persist<{ amount: number }, number>({ amount: command.amount }).thenReply((s) => s);
    },
    eventHandler: (state, event) => state + event.amount,
  };
const counter = defineEntity(counterOptions);

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('openTelemetry', () => {
  it('traces writes, snapshot saves and loads, replays and recoveries with ids, numbers and counts; records the histograms', async () => {
    const { telemetry, spans, histogram } = setup();
    const journal = new MemoryJournal();
    const snapshotStore = new MemorySnapshotStore();
    const first = createPersistence({ journal, snapshotStore, telemetry });
    const ref = first.entity(counter, 'a');
    await ref.ask({ type: 'add', amount: 1 });
    await ref.ask({ type: 'add', amount: 2 });
    await ref.ask({ type: 'snapshot' });
    await ref.ask({ type: 'add', amount: 3 });
    // Not closed: closing would close the stores the second runtime recovers from.
    await first.idle();

    const writes = spans('memento.journal.write');
    expect(writes).toHaveLength(3);
    expect(writes[2]?.attributes).toMatchObject({
      'memento.persistence_id': 'counter|a',
      'memento.sequence_nr.from': 3,
      'memento.sequence_nr.to': 3,
      'memento.events': 1,
      'memento.rejected_writes': 0,
    });
    expect(spans('memento.snapshot.save')[0]?.attributes).toMatchObject({
      'memento.persistence_id': 'counter|a',
      'memento.sequence_nr': 2,
    });

    const second = createPersistence({ journal, snapshotStore, telemetry });
    closers.push(() => second.close());
    expect(await second.entity(counter, 'a').ask({ type: 'get' })).toBe(6);
    const recoveries = spans('memento.recovery');
    expect(recoveries.at(-1)?.attributes).toMatchObject({
      'memento.persistence_id': 'counter|a',
      'memento.events': 1,
      'memento.sequence_nr.snapshot': 2,
      'memento.sequence_nr.last': 3,
      'memento.bytes_read': expect.any(Number),
      'memento.snapshots_skipped': 0,
    });
    expect(recoveries.at(-1)?.attributes['memento.bytes_read']).toBeGreaterThan(0);
    expect(spans('memento.snapshot.load').at(-1)?.attributes).toMatchObject({ 'memento.found': true, 'memento.sequence_nr': 2 });
    expect(spans('memento.journal.replay').at(-1)?.attributes).toMatchObject({
      'memento.persistence_id': 'counter|a',
      'memento.sequence_nr.from': 3,
      'memento.events': 1,
      'memento.sequence_nr.last': 3,
    });
    for (const span of [...writes, ...recoveries]) expect(span.status.code).not.toBe(SpanStatusCode.ERROR);

    expect(await histogram(TELEMETRY_METRICS.writeDuration)).toMatchObject({ count: 3 });
    expect(await histogram(TELEMETRY_METRICS.writeBatchSize)).toEqual({ count: 3, sum: 3 });
    // Two recoveries: the first of a new entity (nothing replayed), the second replaying one event.
    expect(await histogram(TELEMETRY_METRICS.recoveryDuration)).toMatchObject({ count: 2 });
    expect(await histogram(TELEMETRY_METRICS.recoveryEvents)).toEqual({ count: 2, sum: 1 });
  });

  it('marks a failed operation: span status ERROR with the exception, and the recovery span failed too', async () => {
    const { telemetry, spans } = setup();
    const memory = new MemoryJournal();
    const journal: Journal = {
      write: (writes) => memory.write(writes),
      replay: (id, from, to, max) => memory.replay(id, from, to, max),
      deleteTo: (id, to) => memory.deleteTo(id, to),
      close: () => memory.close(),
      highestSequenceNr: async () => {
        throw new Error('journal down');
      },
    };
    const persistence = createPersistence({ journal, snapshotStore: new MemorySnapshotStore(), telemetry });
    closers.push(() => persistence.close());
    await expect(persistence.entity(counter, 'b').ask({ type: 'get' })).rejects.toThrow(/journal down/);
    const highest = spans('memento.journal.highest_sequence_nr')[0];
    expect(highest?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'journal down' });
    expect(highest?.events.map((event) => event.name)).toContain('exception');
    expect(spans('memento.recovery')[0]?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('traces the snapshot deletes that pruning makes, with the persistence id and sequence number', async () => {
    const { telemetry, spans } = setup();
    const persistence = createPersistence({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore(), telemetry });
    closers.push(() => persistence.close());
    const pruned = defineEntity({ ...counterOptions, name: 'pruned', retention: { keepNSnapshots: 1 } });
    const ref = persistence.entity(pruned, 'd');
    await ref.ask({ type: 'add', amount: 1 });
    await ref.ask({ type: 'snapshot' });
    await ref.ask({ type: 'add', amount: 2 });
    await ref.ask({ type: 'snapshot' });
    await persistence.idle();
    const deletes = spans('memento.snapshot.delete');
    expect(deletes.length).toBeGreaterThanOrEqual(1);
    expect(deletes[0]?.attributes).toMatchObject({ 'memento.persistence_id': 'pruned|d' });
    expect(deletes[0]?.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('traces durable state get and upsert with revisions', async () => {
    const { telemetry, spans } = setup();
    const persistence = createPersistence({
      journal: new MemoryJournal(),
      snapshotStore: new MemorySnapshotStore(),
      durableStateStore: new MemoryDurableStateStore(),
      telemetry,
    });
    closers.push(() => persistence.close());
    const settings = defineDurableEntity<number, { type: 'set'; value: number }>({
      name: 'settings',
      emptyState: 0,
      commandHandler: (_state, command) => DurableEffect.persist(command.value).thenReply((s: number) => s),
    });
    expect(await persistence.durableEntity(settings, 'x').ask({ type: 'set', value: 7 })).toBe(7);
    expect(spans('memento.state.get')[0]?.attributes).toMatchObject({ 'memento.persistence_id': 'settings|x', 'memento.revision': 0 });
    expect(spans('memento.state.upsert')[0]?.attributes).toMatchObject({ 'memento.persistence_id': 'settings|x', 'memento.revision': 1 });
  });

  it('traces projection batches: one span per offset save, with the event count and the offset', async () => {
    const { telemetry, spans } = setup();
    async function* source(): AsyncIterable<EventEnvelope> {
      for (let value = 1; value <= 5; value++) {
        yield { offset: { type: 'sequence', value }, persistenceId: 'p', sequenceNr: value, event: value, timestamp: 0 };
      }
    }
    const handled: unknown[] = [];
    const running = runProjection({
      name: 'totals',
      source,
      handler: (envelope) => {
        handled.push(envelope.event);
      },
      offsetStore: new MemoryOffsetStore(),
      saveEvery: 2,
      telemetry,
    });
    await running.done;
    expect(handled).toEqual([1, 2, 3, 4, 5]);
    expect(spans('memento.projection.batch').map((span) => span.attributes)).toEqual([
      { 'memento.projection': 'totals', 'memento.events': 2, 'memento.offset': 2 },
      { 'memento.projection': 'totals', 'memento.events': 2, 'memento.offset': 4 },
      { 'memento.projection': 'totals', 'memento.events': 1, 'memento.offset': 5 },
    ]);
  });

  it('without tracer and meter, uses the global providers of @opentelemetry/api (no-ops until one is registered)', async () => {
    const telemetry = openTelemetry();
    const persistence = createPersistence({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore(), telemetry });
    expect(await persistence.entity(counter, 'c').ask({ type: 'add', amount: 4 })).toBe(4);
    await persistence.close();
  });

  it('refuses a telemetry option that is not one', () => {
    expect(() =>
      createPersistence({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore(), telemetry: {} as never }),
    ).toThrow(/options\.telemetry/);
  });
});
