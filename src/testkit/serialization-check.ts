/**
 * The test kits' serialization guard: every event, state and action a test produces must come
 * back exactly from the serializer the application configures, or the test fails naming where.
 * @module
 */
import { SerializationError } from '../core/errors.js';
import { invalidArgument } from '../core/validation.js';
import { checkRoundTrip } from '../serialization/round-trip.js';
import { Serialization } from '../serialization/serialization.js';
import type { Serializer } from '../serialization/serializer.js';

/** The serializer a test kit checks with: a whole `Serialization`, or one `Serializer` used for everything. */
export type TestKitSerialization = Serialization | Serializer;

/** The `Serialization` the kit's memory stores write with. */
export function serializationOf(configured: TestKitSerialization | undefined, argument: string): Serialization {
  if (configured === undefined) return new Serialization();
  if (configured instanceof Serialization) return configured;
  if (
    typeof configured !== 'object' ||
    configured === null ||
    typeof configured.toBinary !== 'function' ||
    typeof configured.id !== 'string'
  )
    invalidArgument(argument, 'a Serialization or a Serializer (id, manifest, toBinary, fromBinary)', configured);
  return new Serialization({ serializers: [configured], defaultSerializer: configured.id });
}

/**
 * Throws {@link SerializationError} when `value` does not survive `serialization` exactly.
 * `root` names the value (`state`, `event 2`), `during` says what produced it.
 */
export function requireRoundTrip(value: unknown, serialization: Serialization, root: string, persistenceId: string, during: string): void {
  const problem = checkRoundTrip(value, serialization, { root });
  if (!problem) return;
  throw new SerializationError(
    `${persistenceId}: ${problem.message} (${during}); it would not survive being stored and read back with the configured serializer`,
    {
      persistenceId,
      expected: 'a value the configured serializer gives back exactly',
      actual: problem.path,
      source: 'testkit',
    },
  );
}
