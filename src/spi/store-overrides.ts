/**
 * The one way the runtime wraps a store it was given (telemetry, circuit breakers; unlike
 * the Guarded* base classes, which every store extends): a view
 * of the store whose guarded methods are replaced and whose every other member (capabilities,
 * queries, `ready()`) is the store's own, bound to it so private fields keep working.
 * @module
 */

/** `store` with `overrides` in place of its methods of the same names. */
export function withOverrides<S extends object>(store: S, overrides: Partial<S>): S {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof S];
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(property);
      if (method === undefined) {
        method = (value as (...args: unknown[]) => unknown).bind(target);
        bound.set(property, method);
      }
      return method;
    },
  });
}
