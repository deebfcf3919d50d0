/**
 * Durable effects: what a durable state entity's command handler asks the runtime to do.
 * Immutable values built with `DurableEffect.persist(state)`, `DurableEffect.delete()`
 * and friends, then chained with `.thenRun`, `.thenReply`, `.thenStop`.
 * @module
 */
import { validateFunction } from '../../core/validation.js';
import type { ReplyFn, SideEffect } from '../typed/effect.js';

/** What the runtime does first. */
export type DurableEffectKind = 'persist' | 'delete' | 'none' | 'unhandled' | 'stop';

/** Everything a durable effect says, as plain data. */
export interface DurableEffectSpec<State> {
  readonly kind: DurableEffectKind;
  /** The whole new state (kind `persist`). */
  readonly state: State | undefined;
  readonly sideEffects: readonly SideEffect<State>[];
  readonly replyWith: ReplyFn<State> | undefined;
  readonly stopAfter: boolean;
}

/** The decision a durable command handler returns. */
export class DurableEffectBuilder<State> {
  /** @internal Use the `DurableEffect` builders. */
  constructor(readonly spec: DurableEffectSpec<State>) {}

  #with<S>(changes: Partial<DurableEffectSpec<S>>): DurableEffectBuilder<S> {
    return new DurableEffectBuilder<S>({ ...(this.spec as unknown as DurableEffectSpec<S>), ...changes });
  }

  /** Runs `fn` with the new state once it is stored. */
  thenRun<S = State>(fn: (state: S) => void): DurableEffectBuilder<S> {
    validateFunction(fn, 'thenRun(fn)');
    return this.#with<S>({ sideEffects: [...(this.spec.sideEffects as unknown as readonly SideEffect<S>[]), fn] });
  }

  /** Answers the asker with `fn(newState)` once the state is stored. */
  thenReply<S = State>(fn: (state: S) => unknown): DurableEffectBuilder<S> {
    validateFunction(fn, 'thenReply(fn)');
    return this.#with<S>({ replyWith: fn });
  }

  /** Stops (passivates) the entity after this command; the next command loads it again. */
  thenStop(): DurableEffectBuilder<State> {
    return this.#with<State>({ stopAfter: true });
  }
}

/** The decision a durable command handler returns. */
export type DurableEffect<State> = DurableEffectBuilder<State>;

const make = <State>(kind: DurableEffectKind, changes: Partial<DurableEffectSpec<State>> = {}) =>
  new DurableEffectBuilder<State>({ kind, state: undefined, sideEffects: [], replyWith: undefined, stopAfter: false, ...changes });

/** Builders of {@link DurableEffect}s. */
export const DurableEffect = {
  /** Store `state` as the entity's whole new state (revision + 1). */
  persist<State>(state: State): DurableEffectBuilder<State> {
    return make<State>('persist', { state });
  },
  /** Delete the stored state (revision + 1); the entity starts again from `emptyState`. */
  delete<State = never>(): DurableEffectBuilder<State> {
    return make<State>('delete');
  },
  /** Store nothing; chained side effects and replies still run. */
  none<State = never>(): DurableEffectBuilder<State> {
    return make<State>('none');
  },
  /** Store nothing and answer the asker with `value`. */
  reply<State = never>(value: unknown): DurableEffectBuilder<State> {
    return make<State>('none', { replyWith: () => value });
  },
  /** The command is not handled in this state: the asker gets an UnhandledCommandError. */
  unhandled<State = never>(): DurableEffectBuilder<State> {
    return make<State>('unhandled');
  },
  /** Stop (passivate) the entity; the next command loads it again. */
  stop<State = never>(): DurableEffectBuilder<State> {
    return make<State>('stop', { stopAfter: true });
  },
};
