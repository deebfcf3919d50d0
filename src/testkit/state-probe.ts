/**
 * How an entity test kit reads its entity's state: the kit's wrapped command handler answers a
 * private command by handing what it sees to the probe, outside the user's handler.
 * @module
 */
import { InvalidStateError } from '../core/errors.js';
import type { Serialization } from '../serialization/serialization.js';
import { requireRoundTrip } from './serialization-check.js';

/** Holds what the entity last showed the kit; see {@link StateProbe.read}. */
export class StateProbe<Observed extends { readonly state: unknown }> {
  readonly #serialization: Serialization;
  #seen: Observed | undefined;

  constructor(serialization: Serialization) {
    this.#serialization = serialization;
  }

  /** Called by the wrapped command handler with the state it was given. */
  saw(observed: Observed): void {
    this.#seen = observed;
  }

  /**
   * Sends the private command through `ask` and resolves with what the entity showed, its
   * state checked to survive the serializer (`during` says when, in the error).
   */
  async read(persistenceId: string, during: string, ask: () => Promise<unknown>): Promise<Observed> {
    this.#seen = undefined;
    await ask();
    const observed = this.#seen as Observed | undefined;
    if (!observed) throw new InvalidStateError(`${persistenceId}: the entity did not answer the test kit`, { source: 'testkit' });
    requireRoundTrip(observed.state, this.#serialization, 'state', persistenceId, during);
    return observed;
  }
}
