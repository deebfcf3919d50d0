/**
 * Schema names: validated, then always quoted (by `pg`'s own `escapeIdentifier`), so no
 * option can inject SQL.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { requireOptionalPeer } from '../core/optional-peer.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Throws unless `value` is a plain identifier (letters, digits, `_`, at most 63 bytes). */
export function validateSchemaName(value: unknown, argument = 'schema'): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new InvalidArgumentError(
      argument,
      `${argument}: expected an identifier of letters, digits and _ (at most 63, not starting with a digit), found ${JSON.stringify(value)}`,
      { expected: IDENTIFIER.source, actual: value, source: 'postgres' },
    );
  }
  return value;
}

let escapeIdentifier: ((name: string) => string) | undefined;

/**
 * Quotes an identifier with `pg`'s `escapeIdentifier` (loaded on first use: `pg` is an
 * optional peer dependency); callers pass validated names only, quoting keeps case as written.
 */
export function quoteIdentifier(name: string): string {
  escapeIdentifier ??= requireOptionalPeer<{ escapeIdentifier: (name: string) => string }>({
    name: 'pg',
    source: 'postgres',
  }).escapeIdentifier;
  return escapeIdentifier(name);
}

/** Fully qualified, quoted names of every table of one schema. */
export interface TableNames {
  readonly schema: string;
  readonly migrations: string;
  readonly journal: string;
  readonly streams: string;
  readonly snapshots: string;
  readonly state: string;
  readonly stateChanges: string;
  readonly offsets: string;
  readonly stateOrdering: string;
}

/** The quoted table names in `schema`; every table is prefixed `memento_` so `public` stays tidy. */
export function tableNames(schema: string): TableNames {
  const q = quoteIdentifier(validateSchemaName(schema));
  return {
    schema: q,
    migrations: `${q}.memento_migrations`,
    journal: `${q}.memento_journal`,
    streams: `${q}.memento_journal_streams`,
    snapshots: `${q}.memento_snapshots`,
    state: `${q}.memento_durable_state`,
    stateChanges: `${q}.memento_durable_state_changes`,
    offsets: `${q}.memento_projection_offsets`,
    stateOrdering: `${q}.memento_durable_state_ordering_seq`,
  };
}
