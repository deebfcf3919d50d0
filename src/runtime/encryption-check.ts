/**
 * Notices stores of one persistence that disagree about encryption at rest: a snapshot
 * store configured without the journal's key would write the next snapshots in plaintext.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import { Serialization } from '../serialization/serialization.js';

/** A store as given to `createPersistence`, under the option name it was given as. */
export interface NamedStore {
  /** The option, e.g. `options.snapshotStore`. */
  readonly name: string;
  /** The store; built-in stores expose their `serialization`. */
  readonly store: object;
}

/** True or false when the store says whether it encrypts, undefined when it does not expose its serialization. */
function encryptsOf(store: object): boolean | undefined {
  const serialization = (store as { serialization?: unknown }).serialization;
  return serialization instanceof Serialization ? serialization.encrypts : undefined;
}

/**
 * With `requireEncryption`, throws unless every store encrypts; otherwise warns through
 * `logger` when some stores encrypt and others write plaintext.
 */
export function checkEncryption(stores: readonly NamedStore[], logger: Logger, requireEncryption: boolean): void {
  const found = stores.map(({ name, store }) => ({ name, encrypts: encryptsOf(store) }));
  if (requireEncryption) {
    const plain = found.find((entry) => entry.encrypts !== true);
    if (plain) {
      const actual =
        plain.encrypts === false
          ? 'a store whose serialization has no encryption key (it would write plaintext)'
          : 'a store that does not expose its serialization, so it cannot be shown to encrypt';
      throw new InvalidArgumentError(plain.name, `${plain.name}: expected a store that encrypts (requireEncryption), found ${actual}`, {
        expected: 'a store whose serialization encrypts',
        actual,
      });
    }
    return;
  }
  const encrypted = found.filter((entry) => entry.encrypts === true).map((entry) => entry.name);
  const plaintext = found.filter((entry) => entry.encrypts === false).map((entry) => entry.name);
  if (encrypted.length > 0 && plaintext.length > 0) {
    logger.warn(
      `[memento] [runtime] ${plaintext.join(' and ')} write(s) plaintext while ${encrypted.join(' and ')} encrypt(s): give every store the same encryption keys, or set requireEncryption to refuse this`,
      { encrypted, plaintext },
    );
  }
}
