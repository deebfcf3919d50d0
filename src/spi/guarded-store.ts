/**
 * What the four guards (journal, snapshot, durable state and offset store) share: the
 * lifecycle that refuses use after close, the hook timing of the core's I/O and the lookup of
 * a core method a capability needs.
 * @module
 */
import { measure, type OperationEvent, type PersistenceHooks } from '../observability/hooks.js';
import { runGuarded, StoreLifecycle } from './store-options.js';

/** The part of every core a guard relies on itself. */
export interface ClosableCore {
  /** Releases resources; called once, on the first `close()`. */
  close(): Promise<void>;
}

/** What every guard needs besides the core. */
export interface StoreGuardOptions {
  /** The store's name in errors and hook events (`'sqlite'`). */
  readonly source: string;
  /** Timing callbacks. @default none */
  readonly hooks?: PersistenceHooks | undefined;
  /** The lifecycle to share with a core that checks it again mid-operation. @default a new one */
  readonly lifecycle?: StoreLifecycle | undefined;
}

/** An operation's hook event fields besides its name, store and timing. */
type OperationFields = Partial<Pick<OperationEvent, 'persistenceId' | 'count' | 'bytes'>>;

/**
 * The base of every guard: owns the core, closes it once and times its I/O for the hooks.
 * `kind` names the store in StoreClosedError messages (`'journal'`).
 */
export abstract class GuardedStore<Core extends ClosableCore> {
  /** Refuses use after close; subclasses use it to guard methods of their own. */
  protected readonly lifecycle: StoreLifecycle;
  /** The store's name in errors and hook events. */
  protected readonly source: string;
  /** Timing callbacks, for subclasses timing methods of their own. */
  protected readonly hooks: PersistenceHooks | undefined;
  readonly #core: Core;

  constructor(core: Core, options: StoreGuardOptions, kind: string) {
    this.#core = core;
    this.source = options.source;
    this.hooks = options.hooks;
    this.lifecycle = options.lifecycle ?? new StoreLifecycle(options.source, kind);
  }

  /** The core this guard stands in front of. */
  protected get core(): Core {
    return this.#core;
  }

  /** Runs `work` timed for the hooks as `operation` of this store. */
  protected timed<T>(operation: OperationEvent['operation'], fields: OperationFields, work: () => Promise<T>): Promise<T> {
    return measure(this.hooks, { operation, store: this.source, ...fields }, work);
  }

  /** The core's optional method `name` (call it on {@link core}); a TypeError saying `missing` when the core lacks it. */
  protected coreMethod<K extends keyof Core>(name: K, missing: string): NonNullable<Core[K]> {
    const method = this.#core[name];
    if (!method) throw new TypeError(`${this.source}: ${missing}`);
    return method as NonNullable<Core[K]>;
  }

  /**
   * Runs a method a subclass adds (e.g. a purge) as this guard runs its own: refused when
   * closed, `check` run on the arguments, `io` timed for the hooks as `operation`.
   */
  protected guarded<A, T>(
    operation: OperationEvent['operation'],
    persistenceId: string | undefined,
    check: () => A,
    io: (checked: A) => Promise<T>,
  ): Promise<T> {
    return runGuarded(this.lifecycle, this.hooks, this.source, { operation, persistenceId, check, io });
  }

  /** Closes the store; later calls fail with StoreClosedError. Idempotent. */
  async close(): Promise<void> {
    if (this.lifecycle.close()) await this.#core.close();
  }
}
