/**
 * The replay pacer reads the clock every few events while events are cheap, and after every
 * event once they are not, so a replay of large events (or a slow handler) pauses on time
 * instead of running a whole window of events past its slice.
 */
import { describe, expect, it } from 'vitest';
import { ReplayPacer } from '../../src/core/replay-pacer.js';

/** Holds the thread for `ms`, as decoding a large event or a slow handler would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy on purpose: the pacer must see time pass.
  }
}

/** Steps `pacer` after events of `eventMs` each; the number of the event after which it first asked for a pause. */
function firstPause(pacer: ReplayPacer, eventMs: number, limit: number): number | undefined {
  for (let event = 1; event <= limit; event++) {
    busy(eventMs);
    if (pacer.step()) return event;
  }
  return undefined;
}

describe('ReplayPacer', () => {
  it('pauses within the slice when every event is slow, not after a whole window of events', () => {
    const pacer = new ReplayPacer('p', undefined, { yieldEveryMs: 5, progressEveryMs: 60_000 });
    // 2 ms per event passes the 5 ms slice at the third event; a clock read only every 16
    // events would pause at the 16th. A loaded machine only makes time pass faster here.
    expect(firstPause(pacer, 2, 32)).toBeLessThanOrEqual(3);
  });

  it('never pauses with yieldEveryMs: Infinity, and counts every event', () => {
    const pacer = new ReplayPacer('p', undefined, { yieldEveryMs: Number.POSITIVE_INFINITY, progressEveryMs: 60_000 });
    expect(firstPause(pacer, 0.2, 40)).toBeUndefined();
    expect(pacer.replayed).toBe(40);
  });
});
