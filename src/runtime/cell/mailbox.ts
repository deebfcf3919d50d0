/**
 * An entity's mailbox: commands wait here, in arrival order, while the entity recovers
 * or handles an earlier command (the stash). User commands are bounded by the stash
 * capacity; the runtime's own messages (snapshot results, timers) are not, because
 * refusing them would lose results the entity was promised.
 * @module
 */
import { StashOverflowError } from './runtime-errors.js';

/** Where the answer to one command goes. */
export interface ReplyChannel {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** True once resolved or rejected; later calls are ignored. */
  readonly settled: boolean;
}

/** A message waiting for the entity. */
export interface Envelope {
  readonly message: unknown;
  /** Runtime messages are dropped, not answered, when the entity is not running. */
  readonly system: boolean;
  readonly reply: ReplyChannel;
}

/**
 * A reply channel backed by a promise (`promise`); `tell` uses one whose failures (`onError`) are
 * only logged. A class rather than an object of closures: every command makes one.
 */
export class PromiseChannel implements ReplyChannel {
  settled = false;
  readonly promise: Promise<unknown>;
  #resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;

  constructor(private readonly onError: ((error: unknown) => void) | undefined) {
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  resolve(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.#resolve(value);
  }

  reject(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (this.onError) {
      this.onError(error);
      this.#resolve(undefined);
    } else this.#reject(error);
  }
}

/** A FIFO of envelopes that refuses user messages beyond `capacity`. */
export class Mailbox {
  readonly #queue: Envelope[] = [];
  #userMessages = 0;

  constructor(
    private readonly capacity: number,
    private readonly persistenceId: string,
  ) {}

  /** Messages waiting. */
  get size(): number {
    return this.#queue.length;
  }

  /** Adds an envelope; a user message beyond capacity is rejected on its own channel. */
  push(envelope: Envelope): boolean {
    if (!envelope.system && this.#userMessages >= this.capacity) {
      envelope.reply.reject(
        new StashOverflowError(
          `entity ${JSON.stringify(this.persistenceId)}: stash full (${this.capacity} commands waiting); this command was refused, retry later`,
          { persistenceId: this.persistenceId, expected: `<= ${this.capacity} waiting commands`, actual: this.#userMessages + 1 },
        ),
      );
      return false;
    }
    this.#queue.push(envelope);
    if (!envelope.system) this.#userMessages++;
    return true;
  }

  /** The oldest envelope, without removing it. */
  peek(): Envelope | undefined {
    return this.#queue[0];
  }

  /** Puts `envelopes` back in front, in their order (unstash): they were admitted once already, so no capacity check. */
  prepend(envelopes: readonly Envelope[]): void {
    this.#queue.unshift(...envelopes);
    for (const envelope of envelopes) if (!envelope.system) this.#userMessages++;
  }

  /** Removes and returns the oldest envelope. */
  shift(): Envelope | undefined {
    const envelope = this.#queue.shift();
    if (envelope && !envelope.system) this.#userMessages--;
    return envelope;
  }

  /** Removes every envelope (e.g. to fail them all when recovery fails). */
  drain(): Envelope[] {
    const all = this.#queue.splice(0);
    this.#userMessages = 0;
    return all;
  }
}
