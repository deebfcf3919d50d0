/**
 * Effects: what a typed command handler asks the runtime to do. Immutable values built
 * with `Effect.persist(...)`, `Effect.none()` and friends, then chained with
 * `.thenRun`, `.thenReply`, `.thenSnapshot`, `.thenStop`.
 * @module
 */
import { validateFunction } from '../../core/validation.js';

/** What the runtime does first. */
export type EffectKind = 'persist' | 'none' | 'unhandled' | 'stop';

// Method syntax makes these callbacks bivariant in State, so `Effect.persist(e)` (State
// not yet known) is assignable where an `Effect<Event, State>` is expected.
/** A side effect run with the state after the events were applied. */
export type SideEffect<State> = { bivarianceHack(state: State): void }['bivarianceHack'];
/** Computes the reply from the state after the events were applied. */
export type ReplyFn<State> = { bivarianceHack(state: State): unknown }['bivarianceHack'];

/** Everything an effect says, as plain data. */
export interface EffectSpec<Event, State> {
  readonly kind: EffectKind;
  readonly events: readonly Event[];
  readonly sideEffects: readonly SideEffect<State>[];
  readonly replyWith: ReplyFn<State> | undefined;
  readonly stopAfter: boolean;
  /** Take a snapshot after applying the events, with this user metadata. */
  readonly snapshot: { readonly metadata: unknown } | undefined;
}

/** The decision a command handler returns. */
export class EffectBuilder<Event, State> {
  /** @internal Use the `Effect` builders. */
  constructor(readonly spec: EffectSpec<Event, State>) {}

  #with<S>(changes: Partial<EffectSpec<Event, S>>): EffectBuilder<Event, S> {
    return new EffectBuilder<Event, S>({ ...(this.spec as unknown as EffectSpec<Event, S>), ...changes });
  }

  /** Runs `fn` with the new state once the events are stored and applied. */
  thenRun<S = State>(fn: (state: S) => void): EffectBuilder<Event, S> {
    validateFunction(fn, 'thenRun(fn)');
    return this.#with<S>({ sideEffects: [...(this.spec.sideEffects as unknown as readonly SideEffect<S>[]), fn] });
  }

  /** Answers the asker with `fn(newState)` once the events are stored and applied. */
  thenReply<S = State>(fn: (state: S) => unknown): EffectBuilder<Event, S> {
    validateFunction(fn, 'thenReply(fn)');
    return this.#with<S>({ replyWith: fn });
  }

  /** Saves a snapshot of the new state (in the background), with optional user metadata. */
  thenSnapshot(metadata?: unknown): EffectBuilder<Event, State> {
    return this.#with<State>({ snapshot: { metadata } });
  }

  /** Stops (passivates) the entity after this command; the next command recovers it. */
  thenStop(): EffectBuilder<Event, State> {
    return this.#with<State>({ stopAfter: true });
  }
}

/** The decision a command handler returns. */
export type Effect<Event, State> = EffectBuilder<Event, State>;

const make = <Event, State>(kind: EffectKind, events: readonly Event[] = [], changes: Partial<EffectSpec<Event, State>> = {}) =>
  new EffectBuilder<Event, State>({
    kind,
    events,
    sideEffects: [],
    replyWith: undefined,
    stopAfter: false,
    snapshot: undefined,
    ...changes,
  });

/** Builders of {@link Effect}s. */
export const Effect = {
  /** Persist one event or several (stored all or none), then apply them to the state. */
  persist<const Event, State = never>(events: Event | readonly Event[]): EffectBuilder<Event, State> {
    const list = Array.isArray(events) ? (events as readonly Event[]) : [events as Event];
    return make<Event, State>(list.length === 0 ? 'none' : 'persist', list);
  },
  /** Persist nothing; chained side effects and replies still run. */
  none<Event = never, State = never>(): EffectBuilder<Event, State> {
    return make<Event, State>('none');
  },
  /** The command is not handled in this state: the asker gets an UnhandledCommandError. */
  unhandled<Event = never, State = never>(): EffectBuilder<Event, State> {
    return make<Event, State>('unhandled');
  },
  /** Stop (passivate) the entity; the next command recovers it. */
  stop<Event = never, State = never>(): EffectBuilder<Event, State> {
    return make<Event, State>('stop', [], { stopAfter: true });
  },
  /** Persist nothing and answer the asker with `value`. */
  reply<Event = never, State = never>(value: unknown): EffectBuilder<Event, State> {
    return make<Event, State>('none', [], { replyWith: () => value });
  },
};
