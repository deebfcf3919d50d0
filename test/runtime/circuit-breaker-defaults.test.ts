/**
 * The runtime's breakers are on by default with Akka's numbers (issue 17, point 5): without
 * a `circuitBreakers` option the journal's opens after 10 failures in a row; `false` turns
 * it off. The store is a journal whose reads fail (a store that is down).
 */
import { describe, expect, it } from 'vitest';
import { createPersistence, ErrorCodes, isMementoError } from '../../src/index.js';
import { MemoryJournal, MemorySnapshotStore } from '../../src/memory/index.js';
import { counter } from './support/counter.js';
import { FaultyJournal } from './support/faulty-stores.js';

/** True when `error` or one of its causes is a CircuitOpenError. */
function isCircuitOpen(error: unknown): boolean {
  for (let at = error; at !== undefined && at !== null; at = (at as { cause?: unknown }).cause) {
    if (isMementoError(at, ErrorCodes.circuitOpen)) return true;
  }
  return false;
}

/** Sends `commands` gets to an entity whose journal reads fail; each fails its recovery. */
async function failures(options: Parameters<typeof createPersistence>[0]['circuitBreakers'], commands: number) {
  const journal = new FaultyJournal(new MemoryJournal());
  journal.readFailure = new Error('journal down');
  const persistence = createPersistence({ journal, snapshotStore: new MemorySnapshotStore(), circuitBreakers: options, logger: false });
  const ref = persistence.entity(counter(), 'down');
  const outcomes: unknown[] = [];
  for (let command = 0; command < commands; command++) outcomes.push(await ref.ask({ type: 'get' }).catch((error: unknown) => error));
  await persistence.close();
  return outcomes;
}

describe('circuit breaker defaults in the runtime', () => {
  it("opens the journal's breaker after 10 failures in a row when no option is given", async () => {
    const outcomes = await failures(undefined, 11);
    expect(outcomes.slice(0, 10).map(isCircuitOpen)).toEqual(Array(10).fill(false));
    for (const outcome of outcomes.slice(0, 10)) expect(String(outcome)).toContain('journal down');
    expect(isCircuitOpen(outcomes[10])).toBe(true);
  });

  it('never opens with circuitBreakers.journal: false', async () => {
    const outcomes = await failures({ journal: false }, 12);
    expect(outcomes.some(isCircuitOpen)).toBe(false);
  });
});
