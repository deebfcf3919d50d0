/**
 * What every PostgreSQL store exposes of its {@link PostgresBase} (serialization, schema,
 * migrate), written once for the four guard classes the stores extend.
 * @module
 */
import type { Serialization } from '../serialization/serialization.js';
import type { MigrateResult } from './migrate.js';
import type { PostgresBase } from './store-base.js';

/** A guard class, whatever its constructor takes. */
// biome-ignore lint/suspicious/noExplicitAny: a mixin's base constructor must accept any arguments.
type GuardClass = abstract new (...args: any[]) => object;

/** Each store's base, kept off the store so declaration files need no protected member of a class expression. */
const bases = new WeakMap<object, PostgresBase>();

/** Records the base `store` works with; its constructor calls this right after `super`. */
export function attachBase(store: object, base: PostgresBase): void {
  bases.set(store, base);
}

function baseOf(store: object): PostgresBase {
  const base = bases.get(store);
  if (!base) throw new TypeError('postgres: a store built without attachBase (a subclass constructor must call it)');
  return base;
}

/** `Guard` with the accessors every PostgreSQL store has over the base its constructor attached. */
export function withPostgresBase<G extends GuardClass>(Guard: G) {
  abstract class PostgresStore extends Guard {
    /** How this store turns values into stored bytes (its encryption included). */
    get serialization(): Serialization {
      return baseOf(this).serialization;
    }

    /** The schema holding the tables. */
    get schema(): string {
      return baseOf(this).schema;
    }

    /** Creates or upgrades the tables (idempotent, safe from several processes at once). */
    migrate(): Promise<MigrateResult> {
      return baseOf(this).migrate();
    }
  }
  return PostgresStore;
}
