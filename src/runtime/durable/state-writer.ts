/**
 * Writes one durable state change (upsert or delete) at the next revision and classifies
 * the outcome the way the runtime must react: stored, rejected (that command fails),
 * conflict (another writer won; reload), or failed (the store is down; stop the entity).
 * @module
 */
import { ErrorCodes, isConcurrencyError, isMementoError } from '../../core/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { DurableStateStore } from '../../spi/durable-state-store.js';
import { asError, PersistFailedError } from '../cell/runtime-errors.js';

/** A change to store: the whole new state, or a delete. */
export type StateChange =
  | { readonly kind: 'upsert'; readonly value: unknown; readonly tag: string | undefined }
  | { readonly kind: 'delete' };

/** Outcome of {@link writeState}. */
export type StateWriteOutcome =
  | { readonly status: 'stored'; readonly revision: number }
  | { readonly status: 'rejected' | 'conflict' | 'failed'; readonly error: Error };

/** Stores `change` as revision `revision + 1`; logs and explains anything but success. */
export async function writeState(
  store: DurableStateStore,
  persistenceId: string,
  revision: number,
  change: StateChange,
  logger: Logger,
): Promise<StateWriteOutcome> {
  const next = revision + 1;
  try {
    if (change.kind === 'upsert') await store.upsert(persistenceId, next, change.value, change.tag);
    else await store.delete(persistenceId, next);
    return { status: 'stored', revision: next };
  } catch (cause) {
    const error = asError(cause);
    const fields = { persistenceId, revision: next, error: error.message };
    if (isConcurrencyError(error)) {
      logger.warn('[memento] [runtime] another writer changed the durable state first; reloading before the next command', fields);
      return { status: 'conflict', error };
    }
    if (isMementoError(error, ErrorCodes.serialization) || isMementoError(error, ErrorCodes.invalidArgument)) {
      logger.warn('[memento] [runtime] durable state store rejected the state; the command failed, state unchanged', fields);
      return { status: 'rejected', error };
    }
    logger.error('[memento] [runtime] durable state write failed; entity stopped, reloads on its next command', fields);
    const message = `storing revision ${next} of ${JSON.stringify(persistenceId)} failed; the entity was stopped and reloads on its next command: ${error.message}`;
    return { status: 'failed', error: new PersistFailedError(message, { persistenceId, cause: error }) };
  }
}
