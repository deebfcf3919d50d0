import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { SnapshotMetadata } from '../../src/core/snapshot-metadata.js';
import { Serialization } from '../../src/serialization/serialization.js';
import { declaredFrameLength, decodeSnapshotFrame, encodeSnapshotFrame } from '../../src/spi/snapshot-frame.js';
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

  it('declare their whole length in their headers, plain, with metadata and encrypted; a prefix too short to tell declares none', () => {
    const encrypted = new Serialization({ encryption: { keys: { k1: randomBytes(32) }, activeKeyId: 'k1' } });
    for (const serialization of [new Serialization({ compression: false }), encrypted]) {
      for (const metadata of [undefined, { reason: 'nightly' }]) {
        const { parts, length } = encodeSnapshotFrame(new SnapshotMetadata({ ...identity, metadata }), { items: ['a'] }, serialization);
        const frame = Buffer.concat(parts);
        expect(declaredFrameLength(frame)).toBe(length);
        // A reader that got only part of the file is told it needs more, or cannot be told.
        expect(declaredFrameLength(frame.subarray(0, length - 1))).toBe(length);
        expect(declaredFrameLength(frame.subarray(0, 20))).toBeUndefined();
      }
    }
    expect(declaredFrameLength(Buffer.from('not a snapshot frame at all, just text'))).toBeUndefined();
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
