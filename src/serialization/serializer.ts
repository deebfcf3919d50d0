/**
 * The serializer contract: values to bytes and back, with a manifest naming the type.
 * @module
 */

/** Turns values into bytes and back. Registered by `id`, which is stored with the bytes. */
export interface Serializer {
  /** Stable identifier written into every envelope; never change it once data exists. */
  readonly id: string;
  /** A type hint stored beside the bytes and passed back to `fromBinary` ('' if unused). */
  manifest(value: unknown): string;
  /** Encodes a value; throws when the value cannot be represented. */
  toBinary(value: unknown): Uint8Array;
  /** Decodes bytes produced by `toBinary`. */
  fromBinary(bytes: Uint8Array, manifest: string): unknown;
  /**
   * Optional: manifest and bytes in one call, for serializers whose manifest depends on the
   * value (the JSON serializer walks a value once, not twice). Used instead of `manifest` and
   * `toBinary` when present.
   */
  encode?(value: unknown): EncodedValue;
}

/** What {@link Serializer.encode} returns. */
export interface EncodedValue {
  readonly manifest: string;
  readonly bytes: Uint8Array;
}
