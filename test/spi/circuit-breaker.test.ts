/** The circuit breaker's states (issue 17, point 5), on a fake clock: closed, open, half-open, closed again. */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  CircuitBreaker,
  CircuitOpenError,
  ConcurrencyError,
  circuitBreakerSettings,
  ErrorCodes,
  isMementoError,
  JOURNAL_BREAKER_DEFAULTS,
  SNAPSHOT_BREAKER_DEFAULTS,
  StoreUnavailableError,
} from '../../src/index.js';

class FakeClock {
  time = 1_000_000;
  now(): number {
    return this.time;
  }
}

const down = () => Promise.reject(new StoreUnavailableError('down'));
const up = () => Promise.resolve('ok');
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (isMementoError(error, ErrorCodes.circuitOpen) ? 'open' : 'failed'),
  );

describe('CircuitBreaker', () => {
  it("has Akka's defaults", () => {
    expect(JOURNAL_BREAKER_DEFAULTS).toEqual({ maxFailures: 10, callTimeoutMs: 10_000, resetTimeoutMs: 30_000 });
    expect(SNAPSHOT_BREAKER_DEFAULTS).toEqual({ maxFailures: 5, callTimeoutMs: 20_000, resetTimeoutMs: 60_000 });
  });

  it('opens after maxFailures in a row, fails at once while open, half-opens after resetTimeoutMs and closes on a good trial', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker('journal', { maxFailures: 3, callTimeoutMs: 1000, resetTimeoutMs: 30_000 }, clock);
    let reached = 0;
    const counted = (work: () => Promise<string>) => () => {
      reached++;
      return work();
    };
    for (let n = 0; n < 3; n++) expect(await outcome(breaker.call('journal.write', 'a', counted(down)))).toBe('failed');
    expect(breaker.state).toBe('open');
    const refused = await breaker.call('journal.write', 'a', counted(up)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(refused).toMatchObject({ persistenceId: 'a', retryAfterMs: 30_000 });
    expect((refused as Error).message).toMatch(/journal\.write: the journal circuit breaker is open after 3 failures/);
    expect(reached).toBe(3);
    clock.time += 29_999;
    expect(await outcome(breaker.call('journal.write', 'a', counted(up)))).toBe('open');
    clock.time += 1;
    expect(breaker.state).toBe('half-open');
    expect(await outcome(breaker.call('journal.write', 'a', counted(up)))).toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(reached).toBe(4);
  });

  it('a failed trial opens it again for another resetTimeoutMs; only one trial runs at a time', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker('snapshot store', { maxFailures: 1, callTimeoutMs: 1000, resetTimeoutMs: 100 }, clock);
    await outcome(breaker.call('load', 'a', down));
    clock.time += 100;
    let release: () => void = () => {};
    const trial = breaker.call('load', 'a', () => new Promise<void>((resolve) => (release = resolve)).then(down));
    expect(await outcome(breaker.call('load', 'a', up))).toBe('open');
    release();
    expect(await outcome(trial)).toBe('failed');
    expect(breaker.state).toBe('open');
    clock.time += 99;
    expect(await outcome(breaker.call('load', 'a', up))).toBe('open');
    clock.time += 1;
    expect(await outcome(breaker.call('load', 'a', up))).toBe('ok');
  });

  it('a call slower than callTimeoutMs fails with StoreUnavailableError and counts', async () => {
    const breaker = new CircuitBreaker('journal', { maxFailures: 1, callTimeoutMs: 5, resetTimeoutMs: 60_000 }, new FakeClock());
    const never = () => new Promise<string>(() => {});
    const error = await breaker.call('journal.write', 'slow', never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/did not answer within 5 ms/);
    expect(breaker.state).toBe('open');
  });

  it('times every call out callTimeoutMs after it started, whatever answered in between', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const breaker = new CircuitBreaker('journal', { maxFailures: 3, callTimeoutMs: 30, resetTimeoutMs: 60_000 }, new FakeClock());
      const never = () => new Promise<string>(() => {});
      const settled: string[] = [];
      const track = (name: string, promise: Promise<unknown>) =>
        promise.then(
          () => settled.push(`${name} ok`),
          (error: unknown) => settled.push(`${name} ${error instanceof StoreUnavailableError ? 'timed out' : 'failed'}`),
        );
      const first = track('first', breaker.call('journal.write', 'a', never));
      await vi.advanceTimersByTimeAsync(20);
      const second = track('second', breaker.call('journal.write', 'b', never));
      await track('quick', breaker.call('journal.write', 'c', up));
      await vi.advanceTimersByTimeAsync(10);
      await first;
      expect(settled).toEqual(['quick ok', 'first timed out']);
      await vi.advanceTimersByTimeAsync(19);
      expect(settled).toEqual(['quick ok', 'first timed out']);
      await vi.advanceTimersByTimeAsync(1);
      await second;
      expect(settled).toEqual(['quick ok', 'first timed out', 'second timed out']);
      // Two timeouts in a row count as two failures: one short of maxFailures.
      expect(breaker.state).toBe('closed');
      const third = track('third', breaker.call('journal.write', 'd', never));
      await vi.advanceTimersByTimeAsync(30);
      await third;
      expect(breaker.state).toBe('open');
    } finally {
      vi.useRealTimers();
    }
  });

  it("the caller's errors (ConcurrencyError) do not count", async () => {
    const breaker = new CircuitBreaker('journal', { maxFailures: 1, callTimeoutMs: 1000, resetTimeoutMs: 60_000 }, new FakeClock());
    await outcome(breaker.call('journal.write', 'a', () => Promise.reject(new ConcurrencyError('taken'))));
    expect(breaker.state).toBe('closed');
  });

  it('is open exactly when the last maxFailures calls all failed (any sequence of outcomes, no time passing)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.array(fc.boolean(), { maxLength: 30 }), async (maxFailures, calls) => {
        const breaker = new CircuitBreaker('journal', { maxFailures, callTimeoutMs: 1000, resetTimeoutMs: 1000 }, new FakeClock());
        let streak = 0;
        for (const fails of calls) {
          const expected = streak >= maxFailures ? 'open' : fails ? 'failed' : 'ok';
          expect(await outcome(breaker.call('op', undefined, fails ? down : up))).toBe(expected);
          if (expected !== 'open') streak = fails ? streak + 1 : 0;
        }
        expect(breaker.state).toBe(streak >= maxFailures ? 'open' : 'closed');
      }),
    );
  });

  it('validates options, naming them; false turns a breaker off', () => {
    expect(circuitBreakerSettings(false, JOURNAL_BREAKER_DEFAULTS, 'x')).toBeUndefined();
    expect(circuitBreakerSettings({ maxFailures: 2 }, JOURNAL_BREAKER_DEFAULTS, 'x')).toEqual({
      ...JOURNAL_BREAKER_DEFAULTS,
      maxFailures: 2,
    });
    expect(() => circuitBreakerSettings({ resetTimeoutMs: 0 }, JOURNAL_BREAKER_DEFAULTS, 'options.circuitBreakers.journal')).toThrow(
      /options\.circuitBreakers\.journal\.resetTimeoutMs/,
    );
    expect(() => circuitBreakerSettings(3 as never, JOURNAL_BREAKER_DEFAULTS, 'options.circuitBreakers.journal')).toThrow(
      /options\.circuitBreakers\.journal/,
    );
  });
});
