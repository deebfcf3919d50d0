/**
 * The check behind "an unknown id gets one clear line": an id with no events and no
 * snapshots is not in the store.
 * @module
 */
import { validatePersistenceId } from '../../core/persistence-id.js';
import type { Inspection } from '../../inspect/inspection.js';
import type { CommandRun } from '../context.js';
import { CliError, oneLine } from '../errors.js';

/** Throws a CliError unless the id is valid and the store has events, snapshots or durable state for it. */
export async function requireKnownId(run: CommandRun, inspection: Inspection, persistenceId: string): Promise<void> {
  try {
    validatePersistenceId(persistenceId, 'persistence id');
  } catch (error) {
    throw new CliError(oneLine(error));
  }
  const stores = await run.stores('read');
  if ((await stores.journal.highestSequenceNr(persistenceId)) > 0) return;
  if ((await inspection.snapshots(persistenceId)).length > 0) return;
  if ((await stores.durableStateStore.get(persistenceId)).revision > 0) return;
  throw new CliError(
    `${JSON.stringify(persistenceId)} is not in ${stores.storeUrl}: no events, snapshots or durable state (memento ids lists the ids)`,
  );
}
