/**
 * The stored size of a decoded event, carried by the event's object itself: journals stamp
 * it when they decode (the payload's length is known there for free), and recovery reads it
 * back to report bytes read without serializing anything again. The size lives in a private
 * field added to the object, so it is invisible to keys, spreads, JSON, structuredClone and
 * deep equality: a replayed event still looks exactly like the plain object it always was.
 * Free of node:* imports, so machines run in a browser too.
 * @module
 */

/** Hands back the object it is given: the subclass below then adds its field to that object. */
class Carrier {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: returning the target is what places the private field on it.
    return target;
  }
}

/** The private field holding a stored size. */
class StoredSize extends Carrier {
  readonly #bytes: number;

  private constructor(target: object, bytes: number) {
    super(target);
    this.#bytes = bytes;
  }

  /** Records `bytes` as the stored size of `target` (once per object; a second stamp is ignored). */
  static stamp(target: object, bytes: number): void {
    if (!(#bytes in target)) new StoredSize(target, bytes);
  }

  /** The stored size of `target`, or undefined when nothing decoded it from stored bytes. */
  static of(target: unknown): number | undefined {
    return typeof target === 'object' && target !== null && #bytes in target ? (target as StoredSize).#bytes : undefined;
  }
}

/** Records `bytes` as the stored size of a decoded event (or an action made from one). */
export const stampStoredSize = (target: object, bytes: number): void => StoredSize.stamp(target, bytes);

/** The stored size of a decoded event (or an action made from one); undefined when unknown. */
export const storedSizeOf = (target: unknown): number | undefined => StoredSize.of(target);
