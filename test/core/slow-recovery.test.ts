/**
 * The `snapshotAfterSlowRecovery` decision (issue 17, point 6): either bound is enough, the
 * `ms` bound judged on the duration the caller measured (so no clock is needed here), and a
 * recovery that replayed nothing never counts as slow (a snapshot would save nothing).
 */
import { describe, expect, it } from 'vitest';
import { isSlowRecovery, slowRecoveryThreshold } from '../../src/core/slow-recovery.js';

describe('isSlowRecovery', () => {
  it('fires on the ms bound alone when the recovery took longer than it', () => {
    expect(isSlowRecovery({ ms: 500 }, 3, 501)).toBe(true);
    expect(isSlowRecovery({ ms: 500 }, 3, 500)).toBe(false);
    expect(isSlowRecovery({ ms: 500 }, 1_000_000, 10)).toBe(false);
  });

  it('fires on the events bound alone when more events were replayed than it', () => {
    expect(isSlowRecovery({ events: 10 }, 11, 0)).toBe(true);
    expect(isSlowRecovery({ events: 10 }, 10, 1_000_000)).toBe(false);
  });

  it('with both bounds, either one is enough', () => {
    const both = { events: 10, ms: 500 };
    expect(isSlowRecovery(both, 11, 1)).toBe(true);
    expect(isSlowRecovery(both, 2, 501)).toBe(true);
    expect(isSlowRecovery(both, 10, 500)).toBe(false);
  });

  it('never fires without a threshold, or when nothing was replayed', () => {
    expect(isSlowRecovery(undefined, 1_000_000, 1_000_000)).toBe(false);
    expect(isSlowRecovery({ ms: 1 }, 0, 1_000_000)).toBe(false);
  });

  it('validates a threshold, naming the option and the bound', () => {
    expect(slowRecoveryThreshold(undefined, 'options.x')).toBeUndefined();
    expect(slowRecoveryThreshold({ ms: 200 }, 'options.x')).toEqual({ events: undefined, ms: 200 });
    expect(() => slowRecoveryThreshold({ ms: 0 }, 'options.x')).toThrow(/options\.x\.ms/);
    expect(() => slowRecoveryThreshold({ events: 1.5 }, 'options.x')).toThrow(/options\.x\.events/);
    expect(() => slowRecoveryThreshold({}, 'options.x')).toThrow(/options\.x/);
  });
});
