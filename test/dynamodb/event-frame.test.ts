/** The packed form of one AtomicWrite's events: exact round trips, and damage always caught. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { packEvents, unpackEvents } from '../../src/dynamodb/event-frame.js';
import type { StoredEvent } from '../../src/spi/journal-support.js';

const storedEvents = fc
  .tuple(
    fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER - 100 }),
    fc.array(
      fc.record(
        {
          timestamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          payload: fc.uint8Array({ maxLength: 64 }),
          manifest: fc.string({ minLength: 1 }),
          tags: fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 3 }),
          writerId: fc.string({ minLength: 1 }),
          metadata: fc.uint8Array({ minLength: 1, maxLength: 16 }),
        },
        { requiredKeys: ['timestamp', 'payload'] },
      ),
      { minLength: 1, maxLength: 20 },
    ),
  )
  .map(([first, events]): StoredEvent[] =>
    events.map((event, index) => ({
      persistenceId: 'frame|1',
      sequenceNr: first + index,
      timestamp: event.timestamp,
      manifest: event.manifest,
      tags: event.tags,
      writerId: event.writerId,
      payload: event.payload,
      metadata: event.metadata,
    })),
  );

const comparable = (events: readonly StoredEvent[]) =>
  events.map((event) => ({ ...event, payload: [...event.payload], metadata: event.metadata && [...event.metadata] }));

describe('event frame', () => {
  it('unpacks exactly what was packed', () => {
    fc.assert(
      fc.property(storedEvents, (events) => {
        const unpacked = unpackEvents(packEvents(events), 'frame|1', events[0]?.sequenceNr ?? 1);
        expect(comparable(unpacked)).toEqual(comparable(events));
      }),
    );
  });

  it('reports any flipped byte as CorruptDataError naming the id', () => {
    fc.assert(
      fc.property(storedEvents, fc.nat(), fc.integer({ min: 1, max: 255 }), (events, at, flip) => {
        const frame = packEvents(events);
        const position = at % frame.length;
        frame[position] = (frame[position] ?? 0) ^ flip;
        let failure: unknown;
        try {
          unpackEvents(frame, 'frame|1', 1);
        } catch (error) {
          failure = error;
        }
        expect(isMementoError(failure, ErrorCodes.corruptData)).toBe(true);
        expect((failure as Error).message).toContain('"frame|1"');
      }),
    );
  });
});
