/**
 * A {@link Serialization} that remembers how each snapshot it read was stored: envelope
 * size and serializer id. Tools build their snapshot store with it, so `snapshots` can
 * show size and serializer without a store-specific API: every store decodes snapshots
 * through its serialization.
 * @module
 */
import { type DeserializedValue, Serialization, type SerializationContext } from '../serialization/serialization.js';

/** How one snapshot was stored, as its last read saw it. */
export interface StoredForm {
  /** Bytes of the payload envelope. */
  readonly size: number;
  /** Serializer id from the envelope; undefined when the envelope could not be read. */
  readonly serializer: string | undefined;
}

/** Entries kept: reads are looked up right after they happen, so a small window suffices. */
const REMEMBERED = 4096;

const keyOf = (persistenceId: string, sequenceNr: number) => `${persistenceId}\u0000${sequenceNr}`;

/** Serialization that records the stored form of every snapshot payload it decodes. */
export class ObservedSerialization extends Serialization {
  readonly #seen = new Map<string, StoredForm>();

  override deserialize(bytes: Uint8Array, context: SerializationContext = {}): DeserializedValue {
    const observed = context.what === 'snapshot' && context.persistenceId !== undefined && context.sequenceNr !== undefined;
    try {
      const value = super.deserialize(bytes, context);
      if (observed) this.#remember(keyOf(context.persistenceId as string, context.sequenceNr as number), bytes.length, value.serializerId);
      return value;
    } catch (error) {
      if (observed) this.#remember(keyOf(context.persistenceId as string, context.sequenceNr as number), bytes.length, undefined);
      throw error;
    }
  }

  /** How the snapshot was stored when it was last read, if it was. */
  storedForm(persistenceId: string, sequenceNr: number): StoredForm | undefined {
    return this.#seen.get(keyOf(persistenceId, sequenceNr));
  }

  #remember(key: string, size: number, serializer: string | undefined): void {
    this.#seen.delete(key);
    this.#seen.set(key, { size, serializer });
    if (this.#seen.size > REMEMBERED) this.#seen.delete(this.#seen.keys().next().value as string);
  }
}
