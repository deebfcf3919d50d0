/**
 * A reader over an array or (async) iterable of actions: for tests, imports, and sources
 * that already stream actions in order.
 * @module
 */
import { RecoveryError } from '../core/errors.js';
import { invalidArgument } from '../core/validation.js';
import type { Action } from './action.js';
import type { Reader, ReadOptions } from './reader.js';

/** Where an {@link IterableReader} gets its actions; a function is called once per read. */
export type ActionSource<A extends Action> = Iterable<A> | AsyncIterable<A> | (() => Iterable<A> | AsyncIterable<A>);

/** Delivers the actions of an iterable; resuming skips up to and including the given id. */
export class IterableReader<A extends Action = Action> implements Reader<A> {
  readonly #source: ActionSource<A>;

  constructor(source: ActionSource<A>) {
    const iterable = source as Partial<Iterable<A> & AsyncIterable<A>> | null;
    const ok =
      typeof source === 'function' ||
      (typeof iterable === 'object' &&
        iterable !== null &&
        (typeof iterable[Symbol.iterator] === 'function' || typeof iterable[Symbol.asyncIterator] === 'function'));
    if (!ok) invalidArgument('source', 'an array, an (async) iterable of actions, or a function returning one', source);
    this.#source = source;
  }

  /** The source's actions after `afterId`; reports caught up when the source ends. */
  async *read(afterId: string | null, options: ReadOptions): AsyncIterable<A> {
    const iterable = typeof this.#source === 'function' ? this.#source() : this.#source;
    let skipping = afterId !== null;
    for await (const action of iterable) {
      if (options.signal.aborted) return;
      if (skipping) {
        skipping = action?.id !== afterId;
        continue;
      }
      yield action;
    }
    if (skipping) {
      // Resuming after an id the source does not hold would silently replay nothing.
      throw new RecoveryError(`cannot resume after action ${JSON.stringify(afterId)}: the source does not contain it`, {
        expected: afterId,
        actual: 'end of source',
        source: 'machine',
      });
    }
    options.onCaughtUp?.();
  }
}
