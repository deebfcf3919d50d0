/**
 * The AsyncIterable behind paged reads (replay): pages are fetched on demand and their
 * entries turned into items one at a time as the consumer asks. Unlike an async generator,
 * which costs several promise hops per `yield`, an item of a page already fetched is handed
 * out in one already-resolved promise: a fifth of the per-event cost of a fast replay.
 * @module
 */
import { nextTurn } from '../core/timers.js';

/** Fetches the next page; `undefined` or an empty page ends the iteration. */
export type PageSource<P> = () => readonly P[] | undefined | Promise<readonly P[] | undefined>;

/**
 * A page that turns its own entries into items, by index (in order, each once): a packed
 * journal page decodes each event straight from its buffer, with no entry object between.
 */
export interface ItemPage<T> {
  readonly length: number;
  item(index: number): T;
  /**
   * Items after which the iterator lets the event loop turn once (undefined: never), read
   * when the iterator takes the page. A page whose successor is arriving over a socket sets
   * it: its data is taken in during the turn, where the consumer's loop of already-resolved
   * promises would otherwise leave the server waiting on a full socket buffer until the
   * whole page is consumed.
   */
  readonly yieldEvery?: number | undefined;
}

/** Fetches the next {@link ItemPage}; `undefined` or an empty page ends the iteration. */
export type ItemPageSource<T> = () => ItemPage<T> | undefined | Promise<ItemPage<T> | undefined>;

/** An array page whose entries `item` maps. */
class MappedPage<P, T> implements ItemPage<T> {
  readonly length: number;
  readonly #entries: readonly P[];
  readonly #item: (entry: P) => T;

  constructor(entries: readonly P[], item: (entry: P) => T) {
    this.length = entries.length;
    this.#entries = entries;
    this.#item = item;
  }

  item(index: number): T {
    return this.#item(this.#entries[index] as P);
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** Told once when an iteration ends (read through, stopped early or failed), with the items handed out. */
export type IterationEnd = (count: number) => void;

/**
 * Iterates `item(entry)` over the entries of the pages `nextPage` returns. The first page is
 * fetched at the first `next()` (so argument errors surface there, as with a generator); an
 * error from `nextPage` or `item` rejects that `next()` and ends the iteration.
 */
export function pagedIterable<P, T>(nextPage: PageSource<P>, item: (entry: P) => T): PagedIterable<T> {
  const mapped = (page: readonly P[] | undefined) => (page === undefined ? undefined : new MappedPage(page, item));
  return new PagedIterable(() => {
    const page = nextPage();
    return page instanceof Promise ? page.then(mapped) : mapped(page);
  });
}

/** {@link pagedIterable} over pages that make their own items. */
export function pagedItems<T>(nextPage: ItemPageSource<T>): PagedIterable<T> {
  return new PagedIterable(nextPage);
}

/**
 * What {@link pagedIterable} returns. A wrapper that needs to know when an iteration ends
 * (the journal guard's replay timing) calls {@link PagedIterable.iterate} instead of wrapping
 * it in a generator, so it adds no step per item.
 */
export class PagedIterable<T> implements AsyncIterable<T> {
  readonly #nextPage: ItemPageSource<T>;

  constructor(nextPage: ItemPageSource<T>) {
    this.#nextPage = nextPage;
  }

  /** An iterator over the items; `onEnd` is told once when it ends. */
  iterate(onEnd?: IterationEnd): AsyncIterator<T, undefined> {
    return new PagedIterator(this.#nextPage, onEnd);
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return this.iterate();
  }
}

const EMPTY: ItemPage<never> = {
  length: 0,
  item() {
    throw new RangeError('empty page');
  },
};

class PagedIterator<T> implements AsyncIterator<T, undefined> {
  readonly #nextPage: ItemPageSource<T>;
  readonly #onEnd: IterationEnd | undefined;
  #page: ItemPage<T> = EMPTY;
  #index = 0;
  /** The page's yieldEvery, 0 for none: read once per page, not per item. */
  #yieldEvery = 0;
  #count = 0;
  #finished = false;
  // A fetch (or a turn of the event loop, see ItemPage.yieldEvery) in flight: calls made
  // meanwhile wait for it rather than fetch the same page again.
  #fetching: Promise<void> | undefined;

  constructor(nextPage: ItemPageSource<T>, onEnd: IterationEnd | undefined) {
    this.#nextPage = nextPage;
    this.#onEnd = onEnd;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#fetching) return this.#fetching.then(() => this.next());
    try {
      while (this.#index >= this.#page.length) {
        if (this.#finished) return Promise.resolve(DONE);
        const page = this.#nextPage();
        if (page instanceof Promise) {
          const fetched = page.then(
            (resolved) => this.#accept(resolved),
            (error: unknown) => {
              this.#finish();
              throw error;
            },
          );
          const settled = () => {
            this.#fetching = undefined;
          };
          this.#fetching = fetched.then(settled, settled);
          return fetched.then(() => this.next());
        }
        this.#accept(page);
      }
      const value = this.#page.item(this.#index++);
      this.#count++;
      if (this.#yieldEvery !== 0 && this.#index % this.#yieldEvery === 0) {
        const turned = nextTurn();
        // Calls made meanwhile wait for it, so results still arrive in order.
        this.#fetching = turned.then(() => {
          this.#fetching = undefined;
        });
        return turned.then(() => ({ done: false, value }));
      }
      return Promise.resolve({ done: false, value });
    } catch (error) {
      this.#finish();
      return Promise.reject(error);
    }
  }

  /** Stops early (a `break` in `for await`): no further page is fetched. */
  return(): Promise<IteratorResult<T, undefined>> {
    this.#finish();
    return Promise.resolve(DONE);
  }

  #accept(page: ItemPage<T> | undefined): void {
    if (page === undefined || page.length === 0) {
      this.#finish();
      return;
    }
    this.#page = page;
    this.#index = 0;
    this.#yieldEvery = page.yieldEvery ?? 0;
  }

  #finish(): void {
    const first = !this.#finished;
    this.#finished = true;
    this.#page = EMPTY;
    this.#index = 0;
    if (first) this.#onEnd?.(this.#count);
  }
}
