import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { SnapshotMetadata } from '../../src/core/snapshot-metadata.js';
import { Serialization } from '../../src/serialization/serialization.js';
import { decodeSnapshotFrame, encodeSnapshotFrame } from '../../src/spi/snapshot-frame.js';
import { decodeSnapshot } from '../../src/spi/snapshot-support.js';

const identity = { persistenceId: 'cart|é-1', sequenceNr: 42, timestamp: 1_700_000_000_042 };

describe('snapshot frames', () => {
  it('encode as buffers that concatenate to the frame, and decode back, with and without metadata', () => {
    const serialization = new Serialization({ compression: false });
    for (const metadata of [undefined, { reason: 'nightly', n: 3 }]) {
      for (const state of [{ items: ['a', 'b'] }, randomBytes(200_000)]) {
        const { parts, length } = encodeSnapshotFrame(new SnapshotMetadata({ ...identity, metadata }), state, serialization);
        const frame = Buffer.concat(parts);
        expect(frame.length).toBe(length);
        // A Uint8Array state is one of the frame's buffers itself: never copied.
        if (state instanceof Uint8Array) expect(parts).toContain(state);
        const decoded = decodeSnapshot(decodeSnapshotFrame(frame, identity, 'test'), serialization);
        expect(decoded.metadata.metadata).toEqual(metadata);
        expect(decoded.metadata.sequenceNr).toBe(42);
        if (state instanceof Uint8Array) {
          // Compared as bytes: toEqual walks a typed array element by element, seconds for this one.
          expect((decoded.snapshot as object).constructor).toBe(Uint8Array);
          expect(Buffer.compare(decoded.snapshot as Uint8Array, state)).toBe(0);
        } else {
          expect(decoded.snapshot).toEqual(state);
        }
      }
    }
  });

  it('refuses a frame found under another identity or with a damaged header', () => {
    const frame = Buffer.concat(encodeSnapshotFrame(new SnapshotMetadata(identity), { n: 1 }, new Serialization()).parts);
    const refused = (bytes: Uint8Array, where: typeof identity) => {
      try {
        decodeSnapshotFrame(bytes, where, 'test');
      } catch (error) {
        return isMementoError(error, ErrorCodes.corruptData) ? (error as Error).message : `unexpected ${String(error)}`;
      }
      return 'accepted';
    };
    expect(refused(frame, { ...identity, sequenceNr: 43 })).toMatch(/expected sequence number 43, found 42/);
    const damaged = Buffer.from(frame);
    damaged[8] = (damaged[8] as number) ^ 0x01;
    expect(refused(damaged, identity)).toMatch(/header checksum/);
  });
});
