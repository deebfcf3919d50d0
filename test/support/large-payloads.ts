/**
 * The size of the conformance kit's large-value tests (a large event, snapshot, durable
 * state). `npm test` keeps the kit's own size (10 MiB); the fast tier (vitest.fast.config.ts)
 * sets `MEMENTO_LARGE_PAYLOAD_BYTES` lower, so every store still round-trips a value of
 * several pages on each change without moving tens of megabytes through every server.
 * @module
 */

/** `{ largePayloadBytes }` from `MEMENTO_LARGE_PAYLOAD_BYTES`, or nothing (the kit's default) when unset. */
export function largePayloads(): { largePayloadBytes?: number } {
  const text = process.env.MEMENTO_LARGE_PAYLOAD_BYTES;
  if (text === undefined || text === '') return {};
  const bytes = Number(text);
  if (!(Number.isSafeInteger(bytes) && bytes > 0)) {
    throw new Error(`MEMENTO_LARGE_PAYLOAD_BYTES: expected a positive whole number of bytes, found "${text}"`);
  }
  return { largePayloadBytes: bytes };
}
