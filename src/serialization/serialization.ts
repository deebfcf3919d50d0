/**
 * Values to stored bytes and back: picks the serializer, compresses large payloads,
 * encrypts when configured, and wraps everything in the shared envelope.
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { CorruptDataError, ErrorCodes, InvalidArgumentError, isMementoError, SerializationError } from '../core/errors.js';
import { BytesSerializer } from './bytes-serializer.js';
import {
  Compression,
  decodeEnvelope,
  type EnvelopeParts,
  encodeEnvelope,
  encodeEnvelopeParts,
  encodeTextEnvelope,
  PlainEnvelopeReader,
  placeAt,
  plainJsonPayloadAt,
} from './envelope.js';
import { JsonSerializer, jsonBytes, jsonFromRange, LARGE_BYTES } from './json-serializer.js';
import { loadMsgpackr, MessagePackSerializer } from './msgpack-serializer.js';
import { formatPlace, placeOf, placeTag, placeText } from './place.js';
import type { Serializer } from './serializer.js';
import { UnrepresentableValueError } from './tagged-json.js';

/** True when every byte of `bytes[start, end)` is ASCII. */
function isAscii(bytes: Buffer, start: number, end: number): boolean {
  let bits = 0;
  for (let at = start; at < end; at++) bits |= bytes[at] as number;
  return bits < 0x80;
}

/** What #plainJson answers for an envelope it does not read. */
const NOT_PLAIN_JSON: unique symbol = Symbol('not plain JSON');

/** Compression of large payloads. */
export interface CompressionOptions {
  /** Payloads of at least this many bytes are deflated. @default 65536 */
  readonly thresholdBytes?: number;
  /** zlib level 1 (fast) to 9 (small). @default 1 */
  readonly level?: number;
}

/** AES-256-GCM encryption at rest, with key ids so keys can rotate. */
export interface EncryptionOptions {
  /** Every key that may have written data, by id: 32-byte Buffers or base64 strings. */
  readonly keys: Readonly<Record<string, Uint8Array | string>>;
  /** The key new data is written with; older keys stay readable while listed in `keys`. */
  readonly activeKeyId: string;
}

/** Options of {@link Serialization}. */
export interface SerializationOptions {
  /** Extra serializers; `json`, `msgpack` and `bytes` are always registered. */
  readonly serializers?: readonly Serializer[];
  /** Id of the serializer new values are written with. @default 'json' */
  readonly defaultSerializer?: string;
  /**
   * Chooses a serializer id per value, overriding the default (e.g. by event type). When it
   * returns undefined, a Uint8Array goes to `bytes` and anything else to the default.
   */
  readonly serializerFor?: (value: unknown) => string | undefined;
  /** `false` disables compression. @default { thresholdBytes: 65536, level: 1 } */
  readonly compression?: CompressionOptions | false;
  /** Encrypt stored payloads. @default undefined (no encryption) */
  readonly encryption?: EncryptionOptions;
}

/**
 * What a payload is and where it belongs: named in error messages (`event 3 of "cart-1"`),
 * and, when both a persistence id and a sequence number are given, bound into the envelope
 * so the payload reads back only for the same kind, id and number (see `placeOf`).
 */
export interface SerializationContext {
  readonly persistenceId?: string | undefined;
  /** The sequence number, or the revision for durable state. */
  readonly sequenceNr?: number | undefined;
  readonly what?: 'event' | 'snapshot' | 'state' | 'metadata' | 'event metadata' | 'snapshot metadata' | undefined;
}

/** A decoded value and how it was stored. */
export interface DeserializedValue {
  readonly value: unknown;
  readonly serializerId: string;
  readonly manifest: string;
}

/** Renders a {@link SerializationContext} for messages. */
export function describeContext(context: SerializationContext = {}): string {
  const what = context.what ?? 'value';
  const seq = context.sequenceNr === undefined ? '' : ` ${context.sequenceNr}`;
  const id = context.persistenceId === undefined ? '' : ` of ${JSON.stringify(context.persistenceId)}`;
  return `${what}${seq}${id}`;
}

function toKey(id: string, key: Uint8Array | string): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'base64') : Buffer.from(key);
  if (bytes.length !== 32) {
    throw new InvalidArgumentError(`encryption.keys.${id}`, `encryption.keys.${id}: expected 32 bytes (AES-256), found ${bytes.length}`, {
      expected: 32,
      actual: bytes.length,
    });
  }
  return bytes;
}

/** Bytes of a large payload deflated first to see whether deflating all of it pays. */
const COMPRESSION_PROBE_BYTES = 64 * 1024;

/** What AES-GCM authenticates beside the payload; version 2 envelopes add their place. */
const additionalData = (flags: string, serializerId: string, manifest: string, keyId: string, place: string | undefined) =>
  Buffer.from(
    JSON.stringify(place === undefined ? [flags, serializerId, manifest, keyId] : [flags, serializerId, manifest, keyId, place]),
    'utf8',
  );

/** Serializes values into envelopes and back; one instance is shared by a store's operations. */
export class Serialization {
  readonly #serializers = new Map<string, Serializer>();
  readonly #defaultSerializer: Serializer;
  readonly #serializerFor: ((value: unknown) => string | undefined) | undefined;
  readonly #compressionThreshold: number;
  readonly #compressionLevel: number;
  readonly #keys = new Map<string, Buffer>();
  readonly #activeKeyId: string | undefined;
  readonly #plain = new PlainEnvelopeReader();
  readonly #builtInJson = new JsonSerializer();
  /** The built-in JSON serializer when registered as `json` (not replaced by one of the options'), else undefined. */
  readonly #json: JsonSerializer | undefined;

  constructor(options: SerializationOptions = {}) {
    for (const serializer of [this.#builtInJson, new MessagePackSerializer(), new BytesSerializer(), ...(options.serializers ?? [])]) {
      if (!serializer || typeof serializer.id !== 'string' || typeof serializer.toBinary !== 'function') {
        throw new InvalidArgumentError('serializers', 'serializers: expected objects with id, manifest, toBinary and fromBinary', {
          actual: serializer,
        });
      }
      this.#serializers.set(serializer.id, serializer);
    }
    this.#json = this.#serializers.get('json') === this.#builtInJson ? this.#builtInJson : undefined;
    const defaultId = options.defaultSerializer ?? 'json';
    const chosen = this.#serializers.get(defaultId);
    if (!chosen) {
      throw new InvalidArgumentError(
        'defaultSerializer',
        `defaultSerializer: expected one of ${this.serializerIds.join(', ')}, found ${JSON.stringify(defaultId)}`,
        {
          expected: this.serializerIds,
          actual: defaultId,
        },
      );
    }
    // Fail at startup, not at the first write, when MessagePack is chosen but not installed.
    if (chosen instanceof MessagePackSerializer) loadMsgpackr();
    this.#defaultSerializer = chosen;
    this.#serializerFor = options.serializerFor;
    const compression = options.compression === false ? undefined : (options.compression ?? {});
    this.#compressionThreshold = compression ? (compression.thresholdBytes ?? 65536) : Number.POSITIVE_INFINITY;
    this.#compressionLevel = compression?.level ?? 1;
    if (options.encryption) {
      for (const [id, key] of Object.entries(options.encryption.keys)) this.#keys.set(id, toKey(id, key));
      if (!this.#keys.has(options.encryption.activeKeyId)) {
        throw new InvalidArgumentError(
          'encryption.activeKeyId',
          `encryption.activeKeyId: expected one of the configured key ids (${[...this.#keys.keys()].join(', ')}), found ${JSON.stringify(options.encryption.activeKeyId)}`,
          {
            expected: [...this.#keys.keys()],
            actual: options.encryption.activeKeyId,
          },
        );
      }
      this.#activeKeyId = options.encryption.activeKeyId;
    }
  }

  /** True when new payloads are encrypted (an `encryption` option with an active key was given). */
  get encrypts(): boolean {
    return this.#activeKeyId !== undefined;
  }

  /** Ids of the registered serializers. */
  get serializerIds(): string[] {
    return [...this.#serializers.keys()];
  }

  /** Encodes a value into an envelope; throws {@link SerializationError} naming the context. */
  serialize(value: unknown, context: SerializationContext = {}): Uint8Array {
    const serializer = this.#pick(value, context);
    if (serializer !== this.#json || this.#activeKeyId !== undefined) return encodeEnvelope(this.#encode(value, context, serializer));
    const json = serializer as JsonSerializer;
    let encoded: { manifest: string; text: string };
    try {
      encoded = json.encodeText(value);
    } catch (cause) {
      throw this.#refusal(cause, json, value, context);
    }
    const { manifest, text } = encoded;
    // Text too short to reach the compression threshold even at 3 UTF-8 bytes per unit (most
    // events) is written straight into the envelope.
    if (text.length < LARGE_BYTES && text.length * 3 < this.#compressionThreshold) {
      return encodeTextEnvelope(placeOf(context), json.id, manifest, text);
    }
    return encodeEnvelope(this.#seal(json, manifest, jsonBytes(text), context));
  }

  /**
   * The envelope of {@link serialize} as [header, payload, checksum] buffers, the payload not
   * copied (see {@link encodeEnvelopeParts}); `headroom` bytes are left free at the start of
   * the header buffer. For large values written straight to a file or an upload.
   */
  serializeParts(value: unknown, context: SerializationContext = {}, headroom = 0): Uint8Array[] {
    return encodeEnvelopeParts(this.#encode(value, context), headroom);
  }

  #encode(value: unknown, context: SerializationContext, serializer = this.#pick(value, context)): EnvelopeParts {
    let manifest: string;
    let payload: Uint8Array;
    try {
      if (serializer.encode) {
        ({ manifest, bytes: payload } = serializer.encode(value));
      } else {
        manifest = serializer.manifest(value);
        payload = serializer.toBinary(value);
      }
    } catch (cause) {
      throw this.#refusal(cause, serializer, value, context);
    }
    return this.#seal(serializer, manifest, payload, context);
  }

  /** What a serializer's throw becomes: a SerializationError naming the context (a missing peer dependency as it is). */
  #refusal(cause: unknown, serializer: Serializer, value: unknown, context: SerializationContext): unknown {
    if (isMementoError(cause, ErrorCodes.peerDependency)) return cause;
    // A refusal names the path inside the value, from its root: `state.items[2] is a function`.
    const reason =
      cause instanceof UnrepresentableValueError
        ? cause.describe(context.what ?? 'value')
        : cause instanceof Error
          ? cause.message
          : String(cause);
    return new SerializationError(`cannot serialize ${describeContext(context)} with serializer "${serializer.id}": ${reason}`, {
      persistenceId: context.persistenceId,
      expected: `a value serializer "${serializer.id}" can represent`,
      actual: cause instanceof UnrepresentableValueError ? cause.found : typeof value,
      cause,
    });
  }

  /** Compresses, places and encrypts a serializer's output as configured. */
  #seal(serializer: Serializer, manifest: string, serialized: Uint8Array, context: SerializationContext): EnvelopeParts {
    let payload = serialized;
    let compression: (typeof Compression)[keyof typeof Compression] = Compression.none;
    if (payload.length >= this.#compressionThreshold && this.#worthDeflating(payload)) {
      const deflated = deflateRawSync(payload, { level: this.#compressionLevel });
      if (deflated.length < payload.length) {
        payload = deflated;
        compression = Compression.deflate;
      }
    }
    const place = placeOf(context);
    if (this.#activeKeyId === undefined) return { place, serializerId: serializer.id, manifest, compression, payload };
    const keyId = this.#activeKeyId;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(keyId) as Buffer, iv);
    cipher.setAAD(additionalData(String(compression), serializer.id, manifest, keyId, placeText(context)));
    const encrypted = Buffer.concat([cipher.update(payload), cipher.final()]);
    return {
      place,
      serializerId: serializer.id,
      manifest,
      compression,
      encryption: { keyId, iv, authTag: cipher.getAuthTag() },
      payload: encrypted,
    };
  }

  /**
   * Decodes an envelope. Damaged bytes and failed authentication throw
   * {@link CorruptDataError}; an unknown serializer or key throws {@link SerializationError}.
   */
  deserialize(bytes: Uint8Array, context: SerializationContext = {}): DeserializedValue {
    // A small plain JSON snapshot or state is read as deserializeAt reads an event: most of a
    // small load's time was the generic decode.
    const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const value = this.#plainJson(view, 0, view.length, context.what ?? 'value', context.persistenceId, context.sequenceNr);
    if (value !== NOT_PLAIN_JSON) return { value, serializerId: 'json', manifest: '' };
    const described = () => describeContext(context);
    const parts = decodeEnvelope(bytes, described, context.persistenceId);
    // Unbound payloads (place 0, or a version 1 envelope) and unplaced reads are not checked.
    if (parts.place) {
      const expected = placeOf(context);
      if (expected !== 0 && parts.place !== expected) {
        throw new CorruptDataError(
          `cannot read ${described()}: its payload was written for another place (another persistence id, sequence number or kind; place tag ${formatPlace(parts.place)}, this one's is ${formatPlace(expected)}): a row copied or moved by hand?`,
          { persistenceId: context.persistenceId, expected: formatPlace(expected), actual: formatPlace(parts.place) },
        );
      }
    }
    const serializer = this.#serializers.get(parts.serializerId);
    if (!serializer) {
      throw new SerializationError(
        `cannot read ${described()}: written by serializer "${parts.serializerId}", which is not registered (registered: ${this.serializerIds.join(', ')})`,
        {
          persistenceId: context.persistenceId,
          expected: this.serializerIds,
          actual: parts.serializerId,
        },
      );
    }
    let payload = parts.payload;
    if (parts.encryption) {
      const { keyId, iv, authTag } = parts.encryption;
      const key = this.#keys.get(keyId);
      if (!key) {
        const configured = this.#keys.size === 0 ? 'no encryption keys are configured' : `configured: ${[...this.#keys.keys()].join(', ')}`;
        throw new SerializationError(`cannot read ${described()}: encrypted with key "${keyId}", which is not configured (${configured})`, {
          persistenceId: context.persistenceId,
          expected: [...this.#keys.keys()],
          actual: keyId,
        });
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        const place = parts.place === undefined ? undefined : parts.place === 0 ? '' : placeText(context);
        decipher.setAAD(additionalData(String(parts.compression), parts.serializerId, parts.manifest, keyId, place));
        decipher.setAuthTag(authTag);
        payload = Buffer.concat([decipher.update(payload), decipher.final()]);
      } catch (cause) {
        throw new CorruptDataError(
          `cannot read ${described()}: decryption with key "${keyId}" failed authentication (wrong key material or tampered bytes)`,
          {
            persistenceId: context.persistenceId,
            expected: 'a valid AES-256-GCM tag',
            actual: 'authentication failure',
            cause,
          },
        );
      }
    }
    try {
      if (parts.compression === Compression.deflate) payload = inflateRawSync(payload);
      return { value: serializer.fromBinary(payload, parts.manifest), serializerId: parts.serializerId, manifest: parts.manifest };
    } catch (cause) {
      // A serializer whose library is not installed has not judged the bytes: reporting
      // them as corrupt would let a snapshot store skip every snapshot it wrote.
      if (isMementoError(cause, ErrorCodes.peerDependency)) throw cause;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new CorruptDataError(`cannot read ${described()}: serializer "${parts.serializerId}" failed to decode it: ${reason}`, {
        persistenceId: context.persistenceId,
        expected: `bytes serializer "${parts.serializerId}" can decode`,
        actual: reason,
        cause,
      });
    }
  }

  /**
   * The value of the envelope at `bytes[start, end)` stored as `what` at `sequenceNr` of
   * `persistenceId`: {@link deserialize} of that range, with the same checks and errors. The
   * common envelope (JSON, neither compressed nor encrypted) is read in place, with no view
   * or context object per payload: a replay reads every event of a page from one buffer.
   * `latin1`, when given, is the whole of `bytes` as latin1 text (one character per byte): an
   * all-ASCII JSON payload is then parsed from a slice of it instead of a UTF-8 decode.
   */
  deserializeAt(
    bytes: Buffer,
    start: number,
    end: number,
    persistenceId: string,
    sequenceNr: number,
    what: NonNullable<SerializationContext['what']>,
    latin1?: string,
  ): unknown {
    // Plain JSON events, the common case, are parsed here: the generic path below cost as
    // much again as JSON.parse itself per small event.
    const value = this.#plainJson(bytes, start, end, what, persistenceId, sequenceNr, latin1);
    if (value !== NOT_PLAIN_JSON) return value;
    const plain = this.#plain;
    if (plain.read(bytes, start, end)) {
      const { place, manifest } = plain;
      const serializer = this.#serializers.get(plain.serializerId);
      if (serializer instanceof JsonSerializer && (!place || place === placeTag(what, persistenceId, sequenceNr))) {
        try {
          return jsonFromRange(serializer, bytes, plain.payloadStart, plain.payloadEnd, manifest);
        } catch {
          // The slow path below fails the same way and reports it as deserialize does.
        }
      }
    }
    return this.deserialize(bytes.subarray(start, end), { persistenceId, sequenceNr, what }).value;
  }

  /**
   * The value of the plain JSON envelope (the built-in serializer; no compression, encryption
   * or manifest; a sound checksum) under {@link LARGE_BYTES} at `bytes[start, end)`, whose place
   * tag is none or the one of `what` at `sequenceNr` of `persistenceId` (any, when those name no
   * place); NOT_PLAIN_JSON for anything else, which the full decode then reads or rejects with
   * its own errors.
   */
  #plainJson(
    bytes: Buffer,
    start: number,
    end: number,
    what: string,
    persistenceId: string | undefined,
    sequenceNr: number | undefined,
    latin1?: string,
  ): unknown {
    if (this.#json === undefined || end - start >= LARGE_BYTES) return NOT_PLAIN_JSON;
    const payloadAt = plainJsonPayloadAt(bytes, start, end);
    if (payloadAt < 0) return NOT_PLAIN_JSON;
    const place = placeAt(bytes, start);
    if (place !== 0 && persistenceId !== undefined && sequenceNr !== undefined && place !== placeTag(what, persistenceId, sequenceNr)) {
      return NOT_PLAIN_JSON;
    }
    let text: string;
    // ASCII reads the same as latin1 and UTF-8; a slice of the page's text costs less than a decode.
    if (latin1 !== undefined && isAscii(bytes, payloadAt, end - 4)) {
      text = latin1.slice(payloadAt, end - 4);
    } else {
      text = bytes.toString('utf8', payloadAt, end - 4);
      // A lenient read leaves U+FFFD for invalid bytes: such text goes the strict way.
      if (text.includes('\uFFFD')) return NOT_PLAIN_JSON;
    }
    try {
      return JSON.parse(text);
    } catch {
      // The full decode fails the same way and reports it as deserialize does.
      return NOT_PLAIN_JSON;
    }
  }

  /**
   * False when the payload's first 64 KiB deflate to more than 90% of their size: already
   * compressed, encrypted or random bytes, which would cost deflate's time (a large share of
   * a big save; docs/performance.md) to come out no smaller.
   */
  #worthDeflating(payload: Uint8Array): boolean {
    // A payload no bigger than the probe is deflated once, and kept only if smaller.
    if (payload.length <= COMPRESSION_PROBE_BYTES) return true;
    const sample = payload.subarray(0, COMPRESSION_PROBE_BYTES);
    return deflateRawSync(sample, { level: this.#compressionLevel }).length <= sample.length * 0.9;
  }

  #pick(value: unknown, context: SerializationContext): Serializer {
    const id = this.#serializerFor?.(value);
    if (id === undefined) return value instanceof Uint8Array ? (this.#serializers.get('bytes') as Serializer) : this.#defaultSerializer;
    const serializer = this.#serializers.get(id);
    if (!serializer) {
      throw new SerializationError(
        `cannot serialize ${describeContext(context)}: serializerFor chose "${id}", which is not registered (registered: ${this.serializerIds.join(', ')})`,
        {
          persistenceId: context.persistenceId,
          expected: this.serializerIds,
          actual: id,
        },
      );
    }
    return serializer;
  }
}

/** The serialization used when none is configured: JSON, deflate above 64 KiB, no encryption. */
export const defaultSerialization = (): Serialization => new Serialization();
