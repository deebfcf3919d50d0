/** Envelope version 2: a payload reads back only for the kind, id and number it was written for. */
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CorruptDataError,
  CorruptSnapshotError,
  decodeEnvelope,
  decodeEvent,
  decodeSnapshot,
  decodeState,
  ENVELOPE_VERSION,
  encodeEvent,
  encodeSnapshot,
  encodeState,
  persistentRepr,
  Serialization,
  type SerializationContext,
  SnapshotMetadata,
} from '../../src/index.js';
import { placeTag } from '../../src/serialization/place.js';
import { envelopesV1, V1_KEY } from './fixtures/envelope-v1.js';

const key = Buffer.alloc(32, 9).toString('base64');
const plain = new Serialization();
const encrypted = new Serialization({ encryption: { keys: { k1: key }, activeKeyId: 'k1' } });

const at = (persistenceId: string, sequenceNr: number, what: SerializationContext['what'] = 'event'): SerializationContext => ({
  persistenceId,
  sequenceNr,
  what,
});

describe('envelope version 2 binds each payload to its place', () => {
  it('writes version 2 and reads a payload back at its own place', () => {
    for (const serialization of [plain, encrypted]) {
      const bytes = serialization.serialize({ n: 1 }, at('cart-1', 3));
      expect(decodeEnvelope(bytes).place).not.toBe(0);
      expect(bytes[2]).toBe(ENVELOPE_VERSION);
      expect(serialization.deserialize(bytes, at('cart-1', 3)).value).toEqual({ n: 1 });
    }
  });

  it.each([
    ['another sequence number', at('cart-1', 4)],
    ['another persistence id', at('cart-2', 3)],
    ['another kind', at('cart-1', 3, 'snapshot')],
    ['an id that only differs by its digits moving', at('cart-13', 3)],
  ])('refuses it at %s with CorruptDataError naming that place', (_label, elsewhere) => {
    for (const serialization of [plain, encrypted]) {
      const bytes = serialization.serialize({ n: 1 }, at('cart-1', 3));
      let error: unknown;
      try {
        serialization.deserialize(bytes, elsewhere);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(CorruptDataError);
      expect((error as Error).message).toContain(`${elsewhere.what} ${elsewhere.sequenceNr} of ${JSON.stringify(elsewhere.persistenceId)}`);
      expect((error as Error).message).toMatch(/written for another place/);
      expect((error as CorruptDataError).persistenceId).toBe(elsewhere.persistenceId);
    }
  });

  it('authenticates the place when encrypted: a forged place tag with a fixed checksum still fails', () => {
    const bytes = Buffer.from(encrypted.serialize({ n: 1 }, at('cart-1', 3)));
    // Rewrite the place tag to the one of event 4 and recompute the CRC, as a forger would.
    const forged = Buffer.from(encrypted.serialize({ n: 2 }, at('cart-1', 4)));
    bytes.set(forged.subarray(4, 8), 4);
    bytes.writeUInt32BE(crc32(bytes.subarray(0, bytes.length - 4)), bytes.length - 4);
    expect(() => encrypted.deserialize(bytes, at('cart-1', 4))).toThrow(/failed authentication/);
  });

  it('binds events, their metadata, snapshots, their metadata and durable state through the store helpers', () => {
    const stored = encodeEvent(persistentRepr({ persistenceId: 'a', sequenceNr: 2, event: 'x', metadata: { m: 1 } }), plain);
    expect(() => decodeEvent({ ...stored, sequenceNr: 3 }, plain)).toThrow(CorruptDataError);
    expect(() => decodeEvent({ ...stored, persistenceId: 'b' }, plain)).toThrow(/event 2 of "b".*written for another place/);
    expect(() => decodeEvent({ ...stored, payload: stored.metadata as Uint8Array }, plain)).toThrow(/written for another place/);
    const snapshot = encodeSnapshot(new SnapshotMetadata({ persistenceId: 'a', sequenceNr: 2, metadata: { m: 1 } }), { s: 1 }, plain);
    expect(decodeSnapshot(snapshot, plain).snapshot).toEqual({ s: 1 });
    expect(() => decodeSnapshot({ ...snapshot, sequenceNr: 1 }, plain)).toThrow(CorruptSnapshotError);
    expect(() => decodeSnapshot({ ...snapshot, sequenceNr: 1 }, plain)).toThrow(/snapshot 1 of "a".*written for another place/);
    // An event payload passed off as the snapshot at the same id and number.
    expect(() => decodeSnapshot({ ...snapshot, payload: stored.payload }, plain)).toThrow(/written for another place/);
    const state = encodeState({ v: 1 }, 'a', 2, plain);
    expect(decodeState(state, 'a', 2, plain)).toEqual({ v: 1 });
    expect(() => decodeState(state, 'a', 3, plain)).toThrow(/state 3 of "a".*written for another place/);
    expect(() => decodeState(state, 'b', 2, plain)).toThrow(CorruptDataError);
    expect(decodeState(null, 'a', 4, plain)).toBeNull();
  });

  it('tags every number as the CRC-32 of kind, id and number, read in any order (the tag reuses the digits it last saw)', () => {
    const expected = (what: string, id: string, nr: number) => crc32(`${what}\u0000${id}\u0000${nr}`) || 1;
    const numbers = [0, 1, 9, 10, 11, 19, 20, 99, 100, 101, 1009, 1010, 2 ** 53 - 1, 2 ** 53, 1e21, 1.5, -3, 7, 70, 7];
    for (let nr = 1; nr <= 250; nr++) numbers.push(nr);
    for (let nr = 250; nr >= 1; nr -= 3) numbers.push(nr);
    for (const [what, id] of [
      ['event', 'cart-1'],
      ['event metadata', 'cart-1'],
      ['event', 'cart-2'],
      ['snapshot', 'é|x'],
    ] as const) {
      for (const nr of numbers) expect(placeTag(what, id, nr), `${what} ${nr} of ${id}`).toBe(expected(what, id, nr));
    }
  });

  it('keeps the place tag format: CRC-32 of "kind NUL id NUL number", for ids written interleaved', () => {
    const ids = ['cart-1', 'cart-2', 'café|7', 'cart-1'];
    for (const sequenceNr of [0, 1, 9, 10, 12_345, Number.MAX_SAFE_INTEGER, 2 ** 60]) {
      for (const [index, persistenceId] of ids.entries()) {
        const what = index === 2 ? 'snapshot' : 'event';
        const text = `${what}\u0000${persistenceId}\u0000${sequenceNr}`;
        expect(decodeEnvelope(plain.serialize({ n: 1 }, at(persistenceId, sequenceNr, what))).place).toBe(crc32(text) || 1);
      }
    }
  });

  it('writes the same envelope from JSON text as from its bytes, multi-byte text included', () => {
    const noCompression = new Serialization({ compression: false });
    for (const value of [{ n: 1 }, { note: 'café ☕ 𝄞' }, 'x'.repeat(70_000)]) {
      const bytes = Buffer.from(noCompression.serialize(value, at('cart-1', 3)));
      const { payload, manifest } = decodeEnvelope(bytes);
      expect(Buffer.from(payload).toString('utf8')).toBe(JSON.stringify(value));
      expect(manifest).toBe('');
      expect(crc32(bytes.subarray(0, bytes.length - 4))).toBe(bytes.readUInt32BE(bytes.length - 4));
      expect(noCompression.deserialize(bytes, at('cart-1', 3)).value).toEqual(value);
    }
  });

  it('reads an unbound payload (written without a place) wherever it is read', () => {
    const bytes = plain.serialize({ n: 1 });
    expect(decodeEnvelope(bytes).place).toBe(0);
    expect(plain.deserialize(bytes, at('cart-1', 3)).value).toEqual({ n: 1 });
  });
});

describe('envelope version 1 (stored before places) keeps loading', () => {
  const v1 = (name: keyof typeof envelopesV1) => Buffer.from(envelopesV1[name], 'hex');
  const withKey = new Serialization({ encryption: { keys: { k1: V1_KEY }, activeKeyId: 'k1' } });

  it('decodes every old-format fixture to the value it held, at its place and at any other', () => {
    for (const context of [at('cart-1', 2), at('elsewhere', 99, 'snapshot')]) {
      expect(plain.deserialize(v1('jsonEvent'), context).value).toEqual({ type: 'added', amount: 3, note: 'café' });
      expect(plain.deserialize(v1('jsonSnapshot'), context).value).toEqual({ items: Array(8).fill('a'), total: 8 });
      expect(withKey.deserialize(v1('encryptedEvent'), context).value).toEqual({ type: 'secret', value: 42 });
      expect(plain.deserialize(v1('msgpackEvent'), context).value).toEqual({ at: new Date(0), tags: new Set(['x']) });
      expect(plain.deserialize(v1('bytesEvent'), context).value).toEqual(new Uint8Array([1, 2, 3]));
    }
    expect(decodeEnvelope(v1('jsonEvent')).place).toBeUndefined();
  });

  it('still catches a damaged old-format envelope', () => {
    const damaged = v1('jsonEvent');
    damaged[20] = (damaged[20] as number) ^ 0xff;
    expect(() => plain.deserialize(damaged, at('cart-1', 2))).toThrow(/checksum/);
  });
});
