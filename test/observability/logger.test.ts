import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { IterableReader, Machine, MemoryOffsetStore, runProjection } from '../../src/index.js';
import { defaultLogger, isObjectFirstLogger, resolveLogger, silentLogger, stderrLogger } from '../../src/observability/logger.js';
import { BrokenCounter } from './fixtures/broken-counter.js';

/** A real pino logger writing its JSON lines into an array. */
function capturedPino() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  return { logger, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('loggers', () => {
  it('keeps every field with pino, which takes (fields, message)', async () => {
    const { logger, records } = capturedPino();
    expect(isObjectFirstLogger(logger)).toBe(true);
    const machine = new Machine(
      BrokenCounter,
      new IterableReader([{ id: 'a-1', type: 'increment', payload: {}, timestamp: 1 }]),
      { write: () => Promise.reject(new Error('read-only')) },
      undefined,
      { logger },
    );
    await machine.start();
    await machine.caughtUp();
    await machine.stop();
    const failure = records().find((record) => String(record.msg).includes('the counter is broken'));
    expect(failure).toMatchObject({ level: 50, machine: 'counter', actionId: 'a-1', actionType: 'increment' });
    expect(String(failure?.msg)).toMatch(/^\[memento\] \[machine\]/);
  });

  it('keeps every field with pino at info level too (a projection reports its starting offset)', async () => {
    const { logger, records } = capturedPino();
    const projection = runProjection({
      name: 'totals',
      source: async function* () {},
      handler: () => {},
      offsetStore: new MemoryOffsetStore(),
      logger,
    });
    await projection.done;
    expect(records()).toContainEqual(
      expect.objectContaining({ level: 30, msg: '[memento] projection totals starting', offset: { type: 'none' } }),
    );
  });

  it('passes a console-shaped logger through as given', () => {
    const calls: unknown[][] = [];
    const logger = { debug() {}, info() {}, warn: (...args: unknown[]) => calls.push(args), error() {} };
    resolveLogger(logger).warn('careful', { persistenceId: 'p-1' });
    expect(calls).toEqual([['careful', { persistenceId: 'p-1' }]]);
    expect(isObjectFirstLogger(console)).toBe(false);
  });

  it('is silent with false and the stderr logger when absent', () => {
    expect(resolveLogger(false)).toBe(silentLogger);
    expect(resolveLogger(undefined)).toBe(defaultLogger);
  });

  it('prints warnings and errors as one line each with the fields as JSON, and drops debug and info', () => {
    const lines: string[] = [];
    const logger = stderrLogger({ write: (line) => lines.push(line) });
    logger.debug('noise');
    logger.info('noise');
    logger.warn('a snapshot was skipped\nbecause it is damaged', {
      persistenceId: 'p-1',
      sequenceNr: 3n,
      error: new TypeError('bad\nbytes'),
    });
    const cyclic: Record<string, unknown> = { persistenceId: 'p-2' };
    cyclic.self = cyclic;
    logger.error('[memento] save failed', cyclic);
    expect(lines).toEqual([
      '[memento] WARN a snapshot was skipped because it is damaged {"persistenceId":"p-1","sequenceNr":"3n","error":"TypeError: bad bytes"}',
      '[memento] ERROR save failed {"persistenceId":"p-2","self":"[circular]"}',
    ]);
  });

  it('prints at most maxLinesPerWindow lines per window, then says how many it suppressed', () => {
    const lines: string[] = [];
    let time = 0;
    const logger = stderrLogger({ write: (line) => lines.push(line), maxLinesPerWindow: 2, windowMs: 1000, now: () => time });
    for (let index = 0; index < 5; index++) logger.warn(`failure ${index}`);
    expect(lines).toEqual(['[memento] WARN failure 0', '[memento] WARN failure 1']);
    time = 1000;
    logger.error('later');
    expect(lines.slice(2)).toEqual(['[memento] WARN 3 more log lines suppressed in the last 1 s', '[memento] ERROR later']);
  });
});
