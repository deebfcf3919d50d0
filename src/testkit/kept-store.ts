/**
 * A store a test kit's runtime may close without losing it: `restart()` closes the runtime
 * (passivating every entity, as a process exit would) and starts a new one on the same data.
 * @module
 */

/** `store` with a `close()` that does nothing; every other member is the store's own. */
export function keptOpen<Store extends { close(): Promise<void> }>(store: Store): Store {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'close') return async () => {};
      const value: unknown = Reflect.get(target, key, target);
      // Bound to the store itself: its methods read private fields the proxy does not have.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
