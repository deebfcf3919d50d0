/**
 * The writer contract: appends actions to the source a machine's reader reads.
 * @module
 */
import type { ActionDraft } from './action.js';

/** What a writer reports about a stored action: at least the id the source gave it. */
export interface WrittenAction {
  /** The id the reader will deliver the action with. */
  readonly id: string;
}

/** Appends actions; the machine applies them only when its reader delivers them back. */
export interface Writer {
  /** Stores one action and resolves with its id. */
  write(draft: ActionDraft): Promise<WrittenAction>;
  /** Stores several actions in order (ideally in one round trip); resolves with their ids in order. */
  writeMany?(drafts: readonly ActionDraft[]): Promise<readonly WrittenAction[]>;
}
