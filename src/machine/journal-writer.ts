/**
 * A writer over any Journal. Concurrent writes are grouped into one journal call (one
 * AtomicWrite per `write`/`writeMany`), and a ConcurrencyError from another writer on the
 * same id is retried with a fresh highest sequence number.
 * @module
 */
import { isConcurrencyError } from '../core/errors.js';
import { validatePersistenceId } from '../core/persistence-id.js';
import type { AtomicWrite, PersistentRepr } from '../core/persistent-repr.js';
import { invalidArgument, validateInteger, validateOptionalString } from '../core/validation.js';
import type { Journal } from '../spi/journal.js';
import { type Action, type ActionDraft, validateActionType } from './action.js';
import { notifyAppended } from './append-signal.js';
import { toActionEvent } from './journal-action-codec.js';
import type { JournalSource } from './journal-reader.js';
import type { Writer } from './writer.js';

/** Options of {@link JournalWriter}. */
export interface JournalWriterOptions {
  /** Stored as `writerId` on every event. @default undefined */
  readonly writerId?: string;
  /** Attempts per write after a ConcurrencyError before giving up with it. @default 10 */
  readonly maxRetries?: number;
}

interface PendingWrite {
  readonly drafts: readonly ActionDraft[];
  readonly resolve: (actions: Action[]) => void;
  readonly reject: (error: unknown) => void;
  retries: number;
}

/** Appends actions to one persistence id of a journal; action ids are the sequence numbers. */
export class JournalWriter implements Writer, JournalSource {
  /** The journal appended to. */
  readonly journal: Journal;
  /** Whose events are appended. */
  readonly persistenceId: string;
  readonly #writerId: string | undefined;
  readonly #maxRetries: number;
  readonly #queue: PendingWrite[] = [];
  #draining = false;
  /** Next sequence number to use; undefined until read from the journal, or after a conflict. */
  #next: number | undefined;

  constructor(journal: Journal, persistenceId: string, options: JournalWriterOptions = {}) {
    if (typeof journal?.write !== 'function') invalidArgument('journal', 'a Journal', journal);
    validatePersistenceId(persistenceId);
    validateOptionalString(options.writerId, 'options.writerId', { persistenceId });
    this.journal = journal;
    this.persistenceId = persistenceId;
    this.#writerId = options.writerId;
    this.#maxRetries = validateInteger(options.maxRetries ?? 10, 'options.maxRetries', { persistenceId }, { min: 0 });
  }

  /** Appends one action and resolves with it as stored (id = sequence number). */
  async write(draft: ActionDraft): Promise<Action> {
    const [action] = await this.writeMany([draft]);
    return action as Action;
  }

  /** Appends the actions all-or-nothing, in order, in one journal write. */
  writeMany(drafts: readonly ActionDraft[]): Promise<Action[]> {
    if (!Array.isArray(drafts)) invalidArgument('drafts', 'an array of action drafts', drafts);
    drafts.forEach((draft: ActionDraft, index) => {
      if (typeof draft !== 'object' || draft === null)
        invalidArgument(`drafts[${index}]`, 'an action draft { type, payload, timestamp }', draft);
      validateActionType(draft.type, `drafts[${index}].type`);
      validateInteger(draft.timestamp, `drafts[${index}].timestamp`, { persistenceId: this.persistenceId });
    });
    if (drafts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#queue.push({ drafts, resolve, reject, retries: 0 });
      void this.#drain();
    });
  }

  /** Writes queued batches one journal call at a time, so sequence numbers stay contiguous. */
  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0) await this.#writeBatch(this.#queue.splice(0));
    } finally {
      this.#draining = false;
    }
  }

  async #writeBatch(batch: PendingWrite[]): Promise<void> {
    let writes: AtomicWrite[];
    let results: (Error | undefined)[];
    try {
      this.#next ??= (await this.journal.highestSequenceNr(this.persistenceId)) + 1;
      let sequenceNr = this.#next;
      writes = batch.map((pending) => ({
        persistenceId: this.persistenceId,
        events: pending.drafts.map((draft) => this.#repr(draft, sequenceNr++)),
      }));
      results = await this.journal.write(writes);
    } catch (error) {
      // The store failed as a whole: nothing is known to be written, so re-read the highest next time.
      this.#next = undefined;
      for (const pending of batch) pending.reject(error);
      return;
    }
    let conflicted = false;
    const retry: PendingWrite[] = [];
    let stored = false;
    results.forEach((result, index) => {
      const pending = batch[index] as PendingWrite;
      const write = writes[index] as AtomicWrite;
      if (result === undefined) {
        stored = true;
        this.#next = (write.events[write.events.length - 1]?.sequenceNr ?? 0) + 1;
        pending.resolve(write.events.map((event) => this.#action(event)));
      } else if (isConcurrencyError(result) && pending.retries < this.#maxRetries) {
        conflicted = true;
        pending.retries++;
        retry.push(pending);
      } else {
        // A rejected write leaves a gap the later writes of this batch trip over; they retry.
        conflicted ||= isConcurrencyError(result);
        pending.reject(result);
      }
    });
    if (conflicted || retry.length > 0) this.#next = undefined;
    if (stored) notifyAppended(this.journal, this.persistenceId);
    this.#queue.unshift(...retry);
  }

  #repr(draft: ActionDraft, sequenceNr: number): PersistentRepr {
    const repr = {
      persistenceId: this.persistenceId,
      sequenceNr,
      event: toActionEvent(draft),
      timestamp: draft.timestamp,
      manifest: draft.type,
    };
    return this.#writerId === undefined ? repr : { ...repr, writerId: this.#writerId };
  }

  #action(repr: PersistentRepr): Action {
    const event = repr.event as { type: string; payload: unknown };
    return {
      id: String(repr.sequenceNr),
      sequenceNr: repr.sequenceNr,
      type: event.type,
      payload: event.payload,
      timestamp: repr.timestamp,
    };
  }
}
