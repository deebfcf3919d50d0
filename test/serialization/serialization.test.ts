import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CorruptDataError,
  decodeEnvelope,
  ErrorCodes,
  encodeEnvelope,
  encodeEnvelopeParts,
  InvalidArgumentError,
  isMementoError,
  Serialization,
  SerializationError,
  type Serializer,
  UnrepresentableValueError,
} from '../../src/index.js';
import { propertyRuns } from '../support/property-runs.js';
import { anyValue, expectSameValue, Point } from './values.js';

const context = { persistenceId: 'order-7', sequenceNr: 3, what: 'event' as const };

/**
 * An independent oracle: does a value hold only what msgpackr gives back exactly? Not -0, a
 * hole, an object without prototype, an own `__proto__` key, a function, a symbol or a class
 * instance (typed arrays keep -0 in their bytes).
 */
function msgpackKeeps(value: unknown): boolean {
  if (typeof value === 'function' || typeof value === 'symbol' || Object.is(value, -0)) return false;
  if (typeof value !== 'object' || value === null) return true;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date) return true;
  if (value instanceof Map) return [...value].every(([key, entry]) => msgpackKeeps(key) && msgpackKeeps(entry));
  if (value instanceof Set) return [...value].every(msgpackKeeps);
  if (Array.isArray(value)) {
    return Object.getPrototypeOf(value) === Array.prototype && Object.keys(value).length === value.length && value.every(msgpackKeeps);
  }
  if (Object.getPrototypeOf(value) !== Object.prototype || Object.hasOwn(value, '__proto__')) return false;
  return Object.values(value).every(msgpackKeeps);
}

describe('JSON serialization (default)', () => {
  const serialization = new Serialization();

  it('round-trips JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // Exactly, -0 included (JSON itself would give 0; the serializer tags it).
        expect(Object.is(serialization.deserialize(serialization.serialize(-0)).value, -0)).toBe(true);
        expect(serialization.deserialize(serialization.serialize(value)).value).toStrictEqual(value);
      }),
    );
  });

  it('names the persistence id and sequence number when a value cannot be serialized', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    // BigInt and undefined round-trip now (tagged JSON); a cycle, a function, a symbol and a class instance do not.
    for (const value of [circular, () => 1, { s: Symbol('s') }, { at: new URL('https://example.org') }]) {
      try {
        serialization.serialize(value, context);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(SerializationError);
        expect((error as Error).message).toContain('event 3 of "order-7"');
        expect((error as SerializationError).persistenceId).toBe('order-7');
      }
    }
  });
});

describe('MessagePack serialization', () => {
  const serialization = new Serialization({ defaultSerializer: 'msgpack' });

  it('round-trips Date, Map, Set, BigInt, typed arrays and undefined', () => {
    const value = {
      date: new Date('2026-11-23T10:00:00.000Z'),
      map: new Map<unknown, unknown>([
        [1, 'one'],
        ['two', { nested: new Set(['a']) }],
      ]),
      set: new Set([1, 2, 3]),
      big: 2n ** 80n,
      small: -5n,
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float64Array([1.5, -0.25]),
      ints: new Int32Array([-7, 7]),
      missing: undefined,
      plain: { a: [1, 'b', null] },
    };
    const back = serialization.deserialize(serialization.serialize(value)).value as typeof value;
    expect(back).toEqual(value);
    expect(back.map).toBeInstanceOf(Map);
    expect(back.plain).not.toBeInstanceOf(Map);
    expect(back.floats).toBeInstanceOf(Float64Array);
    expect(typeof back.big).toBe('bigint');
  });

  it('round-trips arbitrary values, or refuses them naming the path and storing nothing', () => {
    fc.assert(
      fc.property(anyValue, ({ value }) => {
        const keepable = msgpackKeeps(value);
        let bytes: Uint8Array | undefined;
        try {
          bytes = serialization.serialize(value, context);
        } catch (error) {
          expect(error, 'refused only what MessagePack would change').toBeInstanceOf(SerializationError);
          expect((error as Error).cause).toBeInstanceOf(UnrepresentableValueError);
          expect(keepable, `refused a value it keeps: ${(error as Error).message}`).toBe(false);
          return;
        }
        expect(keepable, 'serialized a value MessagePack changes').toBe(true);
        expectSameValue(serialization.deserialize(bytes, context).value, value);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('refuses -0, holes, objects without prototype, an own __proto__ key and class instances, naming the path', () => {
    const cases: [unknown, string][] = [
      [{ zero: -0 }, 'event.zero is -0'],
      // biome-ignore lint/suspicious/noSparseArray: the case under test
      [{ list: [1, , 3] }, 'event.list is a sparse array (a hole at index 1'],
      [{ bare: Object.create(null) }, 'event.bare is an object without prototype'],
      [JSON.parse('{"a": {"__proto__": {"polluted": true}}}'), 'event.a is an object with an own "__proto__" key'],
      [{ items: new Map([['p', new Point()]]) }, 'event.items.get("p") is an instance of class Point'],
      [{ run: () => 1 }, 'event.run is a function'],
    ];
    for (const [value, message] of cases) {
      expect(() => serialization.serialize(value, context)).toThrow(message);
      expect(() => serialization.serialize(value, context)).toThrow('with serializer "msgpack"');
    }
  });

  it('reads values written by JSON in the same store', () => {
    const json = new Serialization();
    expect(serialization.deserialize(json.serialize({ a: 1 })).value).toEqual({ a: 1 });
  });
});

describe('the envelope', () => {
  const serialization = new Serialization({ compression: { thresholdBytes: 32 } });
  const value = { text: 'hello world, hello world, hello world, hello world', n: 42 };
  const stored = serialization.serialize(value);

  it('records serializer id, manifest and compression', () => {
    const parts = decodeEnvelope(stored);
    expect(parts.serializerId).toBe('json');
    expect(parts.compression).toBe(1);
    expect(parts.encryption).toBeUndefined();
  });

  it('compresses only above the threshold', () => {
    expect(decodeEnvelope(serialization.serialize('tiny')).compression).toBe(0);
    expect(decodeEnvelope(new Serialization({ compression: false }).serialize('x'.repeat(100_000))).compression).toBe(0);
  });

  it('keeps a small payload above the threshold plain when deflating makes it bigger', () => {
    const random = new Uint8Array(randomBytes(1_000));
    const stored = decodeEnvelope(serialization.serialize(random));
    expect(stored.compression).toBe(0);
    expect(Buffer.from(stored.payload).equals(random)).toBe(true);
  });

  it('stores bytes that do not compress as they are, and still compresses what does', () => {
    const defaults = new Serialization();
    const random = new Uint8Array(randomBytes(300_000));
    const stored = decodeEnvelope(defaults.serialize(random));
    expect(stored.compression).toBe(0);
    expect(Buffer.from(stored.payload).equals(random)).toBe(true);
    // Compressible after a random first 64 KiB: the probe says no, so it is stored plain too.
    const randomHead = Buffer.concat([randomBytes(64 * 1024), Buffer.alloc(200_000, 7)]);
    expect(decodeEnvelope(defaults.serialize(new Uint8Array(randomHead))).compression).toBe(0);
    const text = { text: 'hello world '.repeat(20_000) };
    const compressed = defaults.serialize(text);
    expect(decodeEnvelope(compressed).compression).toBe(1);
    expect(compressed.length).toBeLessThan(JSON.stringify(text).length / 10);
    expect(defaults.deserialize(compressed).value).toEqual(text);
    expect(Buffer.from(defaults.deserialize(defaults.serialize(random)).value as Uint8Array).equals(random)).toBe(true);
  });

  it('detects every single-byte change', () => {
    fc.assert(
      fc.property(fc.nat({ max: stored.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, flip) => {
        const damaged = Uint8Array.from(stored);
        damaged[index] = (damaged[index] as number) ^ flip;
        expect(() => serialization.deserialize(damaged, context)).toThrow(CorruptDataError);
      }),
      { numRuns: propertyRuns(500) },
    );
  });

  it('detects truncation and trailing garbage', () => {
    for (let length = 0; length < stored.length; length++) {
      expect(() => serialization.deserialize(stored.subarray(0, length), context)).toThrow(CorruptDataError);
    }
    expect(() => serialization.deserialize(Buffer.concat([stored, Buffer.from([0])]), context)).toThrow(CorruptDataError);
  });

  it('says which item was damaged and what was found', () => {
    const damaged = Uint8Array.from(stored);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 1;
    try {
      serialization.deserialize(damaged, context);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('event 3 of "order-7"');
      expect((error as Error).message).toMatch(/expected checksum [0-9a-f]{8}, found [0-9a-f]{8}/);
      expect((error as CorruptDataError).persistenceId).toBe('order-7');
    }
    expect(() => serialization.deserialize(Buffer.from('{"not":"an envelope"}'), context)).toThrow(/envelope magic/);
  });

  it('rejects a value written by an unknown serializer, naming it', () => {
    const custom: Serializer = {
      id: 'protobuf-orders',
      manifest: () => 'Order',
      toBinary: (v) => Buffer.from(String(v)),
      fromBinary: (bytes) => Buffer.from(bytes).toString(),
    };
    const writer = new Serialization({ serializers: [custom], defaultSerializer: 'protobuf-orders' });
    const bytes = writer.serialize('x');
    expect(writer.deserialize(bytes).value).toBe('x');
    expect(writer.deserialize(bytes).manifest).toBe('Order');
    try {
      new Serialization().deserialize(bytes, context);
      expect.unreachable();
    } catch (error) {
      expect(isMementoError(error, ErrorCodes.serialization)).toBe(true);
      expect((error as Error).message).toContain('"protobuf-orders", which is not registered (registered: json, msgpack, bytes)');
    }
  });

  it('turns a serializer that fails to decode into CorruptDataError', () => {
    const fragile: Serializer = {
      id: 'fragile',
      manifest: () => '',
      toBinary: () => Buffer.from('x'),
      fromBinary: () => {
        throw new Error('unexpected tag 9');
      },
    };
    const serialization = new Serialization({ serializers: [fragile], defaultSerializer: 'fragile' });
    expect(() => serialization.deserialize(serialization.serialize(1), context)).toThrow(/fragile.*unexpected tag 9/);
  });
});

describe('encryption', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it('round-trips and hides the plaintext', () => {
    const serialization = new Serialization({ encryption: { keys: { k1 }, activeKeyId: 'k1' } });
    const bytes = serialization.serialize({ secret: 'swordfish' });
    expect(Buffer.from(bytes).toString('latin1')).not.toContain('swordfish');
    expect(decodeEnvelope(bytes).encryption?.keyId).toBe('k1');
    expect(serialization.deserialize(bytes).value).toEqual({ secret: 'swordfish' });
  });

  it('rotates keys: old data stays readable while its key is listed', () => {
    const before = new Serialization({ encryption: { keys: { k1 }, activeKeyId: 'k1' } });
    const after = new Serialization({ encryption: { keys: { k1, k2: k2.toString('base64') }, activeKeyId: 'k2' } });
    const old = before.serialize('old');
    const fresh = after.serialize('new');
    expect(decodeEnvelope(fresh).encryption?.keyId).toBe('k2');
    expect(after.deserialize(old).value).toBe('old');
    expect(after.deserialize(fresh).value).toBe('new');
    expect(() => before.deserialize(fresh, context)).toThrow(/encrypted with key "k2", which is not configured \(configured: k1\)/);
    expect(() => new Serialization().deserialize(fresh, context)).toThrow(/no encryption keys are configured/);
  });

  it('reports wrong key material as a failed authentication, never as wrong data', () => {
    const writer = new Serialization({ encryption: { keys: { k1 }, activeKeyId: 'k1' } });
    const impostor = new Serialization({ encryption: { keys: { k1: k2 }, activeKeyId: 'k1' } });
    expect(() => impostor.deserialize(writer.serialize('x'), context)).toThrow(/failed authentication/);
  });

  it('authenticates the header: a changed manifest is caught even with a valid checksum', () => {
    const custom: Serializer = {
      id: 'raw',
      manifest: (v) => String(v),
      toBinary: (v) => Buffer.from(String(v)),
      fromBinary: (b, m) => `${m}:${Buffer.from(b)}`,
    };
    const serialization = new Serialization({
      serializers: [custom],
      defaultSerializer: 'raw',
      encryption: { keys: { k1 }, activeKeyId: 'k1' },
    });
    const bytes = Buffer.from(serialization.serialize('A'));
    // Rewrite the one-byte manifest 'A' to 'B' and fix up the CRC so only GCM can notice.
    const manifestAt = bytes.indexOf(Buffer.from('A'), 4 + 1 + 3 + 2);
    bytes[manifestAt] = 'B'.charCodeAt(0);
    bytes.writeUInt32BE(crc32(bytes.subarray(0, bytes.length - 4)), bytes.length - 4);
    expect(() => serialization.deserialize(bytes, context)).toThrow(CorruptDataError);
  });

  it('rejects keys of the wrong size and an unknown active key', () => {
    expect(() => new Serialization({ encryption: { keys: { short: randomBytes(16) }, activeKeyId: 'short' } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new Serialization({ encryption: { keys: { k1 }, activeKeyId: 'k9' } })).toThrow(/found "k9"/);
  });
});

describe('bytes serialization (Uint8Array values)', () => {
  it('stores a Uint8Array or Buffer verbatim and reads back a plain Uint8Array, whatever the default serializer', () => {
    for (const defaultSerializer of ['json', 'msgpack']) {
      const serialization = new Serialization({ defaultSerializer, compression: false });
      for (const value of [new Uint8Array([0, 1, 255, 0]), Buffer.from('héllo\u0000', 'utf8'), new Uint8Array(0)]) {
        const stored = serialization.serialize(value, context);
        expect(Buffer.from(decodeEnvelope(stored).payload).equals(Buffer.from(value))).toBe(true);
        const back = serialization.deserialize(stored, context);
        expect(back.serializerId).toBe('bytes');
        expect(back.value).toEqual(new Uint8Array(value));
        expect(Object.getPrototypeOf(back.value)).toBe(Uint8Array.prototype);
      }
    }
  });

  it('lets serializerFor send bytes elsewhere, and refuses a non-byte value sent to it', () => {
    const toMsgpack = new Serialization({ serializerFor: (value) => (value instanceof Uint8Array ? 'msgpack' : undefined) });
    expect(toMsgpack.deserialize(toMsgpack.serialize(new Uint8Array([7]))).serializerId).toBe('msgpack');
    const wrong = new Serialization({ serializerFor: () => 'bytes' });
    expect(() => wrong.serialize({ not: 'bytes' }, context)).toThrow(SerializationError);
    expect(() => wrong.serialize({ not: 'bytes' }, context)).toThrow(/event 3 of "order-7".*Uint8Array values, not object/);
  });

  it('copies a small payload out of a larger buffer and views a large one that fills its buffer', () => {
    const serialization = new Serialization({ compression: false });
    const small = serialization.serialize(new Uint8Array([1, 2, 3]));
    const page = Buffer.concat([Buffer.alloc(1000), small, Buffer.alloc(1000)]);
    const smallBack = serialization.deserialize(page.subarray(1000, 1000 + small.length)).value as Uint8Array;
    expect(smallBack.buffer).not.toBe(page.buffer);
    expect(smallBack.buffer.byteLength).toBe(3);
    const large = serialization.serialize(randomBytes(1024 * 1024));
    const largeBack = serialization.deserialize(large).value as Uint8Array;
    expect(largeBack.buffer).toBe((large as Buffer).buffer);
    expect(largeBack.byteLength).toBe(1024 * 1024);
  });
});

describe('JSON serialization of large values', () => {
  const serialization = new Serialization({ compression: false });

  it('round-trips large ASCII and non-ASCII strings', () => {
    for (const text of ['a'.repeat(200_000), `${'b'.repeat(100_000)}é😀${'c'.repeat(100_000)}`, '"\\\n'.repeat(50_000)]) {
      const back = serialization.deserialize(serialization.serialize({ text }, context), context).value as { text: string };
      expect(back.text).toBe(text);
    }
  });

  it('rejects a large JSON payload that is not valid UTF-8 with CorruptDataError', () => {
    const payload = Buffer.from(JSON.stringify({ text: 'x'.repeat(100_000) }), 'utf8');
    payload[50_000] = 0xff;
    const stored = encodeEnvelope({ serializerId: 'json', manifest: '', compression: 0, payload });
    expect(() => serialization.deserialize(stored, context)).toThrow(CorruptDataError);
  });
});

describe('envelope parts', () => {
  it('concatenate to exactly the one-buffer envelope, after any headroom, with the payload not copied', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.string({ maxLength: 20 }),
        fc.constantFrom(0, 1),
        fc.nat({ max: 64 }),
        fc.option(
          fc.record({
            keyId: fc.string({ minLength: 1, maxLength: 10 }),
            iv: fc.uint8Array({ minLength: 12, maxLength: 12 }),
            authTag: fc.uint8Array({ minLength: 16, maxLength: 16 }),
          }),
          { nil: undefined },
        ),
        (payload, manifest, compression, headroom, encryption) => {
          const parts = { serializerId: 'json', manifest, compression: compression as 0 | 1, payload, encryption };
          const [head, body, trailer] = encodeEnvelopeParts(parts, headroom);
          expect(body).toBe(payload);
          expect(Buffer.concat([head.subarray(headroom), body, trailer]).equals(encodeEnvelope(parts))).toBe(true);
        },
      ),
    );
  });

  it('serializeParts gives the same envelope serialize does', () => {
    const serialization = new Serialization({ compression: false });
    const value = { items: ['a', 'b'], n: 3 };
    expect(Buffer.concat(serialization.serializeParts(value, context)).equals(Buffer.from(serialization.serialize(value, context)))).toBe(
      true,
    );
  });
});

describe('deserializeAt (a payload read in place, as replay pages do)', () => {
  const serialization = new Serialization();
  const inPage = (envelope: Uint8Array) => Buffer.concat([Buffer.from('before'), envelope, Buffer.from('after')]);
  const at = (page: Buffer, envelope: Uint8Array) => [page, 6, 6 + envelope.length] as const;
  const outcome = (read: () => unknown) => {
    try {
      return { value: read() };
    } catch (error) {
      return { error: `${(error as Error).constructor.name}: ${(error as Error).message}` };
    }
  };

  it('reads what deserialize reads, and fails the same way, for any damage to any byte', () => {
    const envelopes = [
      serialization.serialize({ note: 'plain \uFFFD text', n: 1 }, context),
      serialization.serialize({ when: new Date(0), items: new Map([[1, 2]]) }, context),
      new Serialization({ encryption: { keys: { k: randomBytes(32) }, activeKeyId: 'k' } }).serialize({ secret: 1 }, context),
      new Serialization({ compression: { thresholdBytes: 1 } }).serialize({ long: 'x'.repeat(200) }, context),
      serialization.serialize({ placed: 'elsewhere' }, { ...context, sequenceNr: 4 }),
      serialization.serialize({ unplaced: true }),
      encodeEnvelope({ serializerId: 'json', manifest: '', compression: 0, payload: Buffer.from('{"not json') }),
      // Version 1 (no place), as Memento 0.1.0 wrote it: `{ type: 'added', amount: 3, note: 'café' }`.
      Buffer.from(
        '4d450100046a736f6e00000000002a7b2274797065223a226164646564222c22616d6f756e74223a332c226e6f7465223a22636166c3a9227dcc919af8',
        'hex',
      ),
    ];
    for (const envelope of envelopes) {
      for (let index = -1; index < envelope.length; index++) {
        const damaged = Buffer.from(envelope);
        if (index >= 0) damaged[index] = (damaged[index] as number) ^ 0x80;
        const [page, start, end] = at(inPage(damaged), damaged);
        expect(outcome(() => serialization.deserializeAt(page, start, end, 'order-7', 3, 'event'))).toEqual(
          outcome(() => serialization.deserialize(damaged, context).value),
        );
      }
    }
  });

  it('reads plain JSON with the serializer registered as json when it replaces the built-in one', () => {
    const custom = new Serialization({
      serializers: [{ id: 'json', manifest: () => '', toBinary: () => Buffer.from('1'), fromBinary: () => 'custom' }],
    });
    const encoded = serialization.serialize({ n: 1 }, context);
    expect(custom.deserializeAt(...at(inPage(encoded), encoded), 'order-7', 3, 'event')).toBe('custom');
  });

  it('rejects a JSON payload that is not valid UTF-8 under a valid checksum, naming the event', () => {
    const encoded = encodeEnvelope({ serializerId: 'json', manifest: '', compression: 0, payload: Buffer.from([0x22, 0xff, 0x22]) });
    const [page, start, end] = at(inPage(encoded), encoded);
    expect(() => serialization.deserializeAt(page, start, end, 'order-7', 3, 'event')).toThrow(/event 3 of "order-7"/);
    expect(() => serialization.deserializeAt(page, start, end, 'order-7', 3, 'event')).toThrow(CorruptDataError);
  });
});
