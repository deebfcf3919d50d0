/**
 * Names for the stores' statements when `preparedStatements` is on: each connection then
 * parses and plans a statement once and afterwards only binds and executes it. The name is
 * derived from the text, so stores sharing a pool (other schemas, other stores) never send
 * two texts under one name, which `pg` refuses.
 * @module
 */
import { createHash } from 'node:crypto';

/**
 * Most distinct texts the process names. The stores' texts come from a few fixed templates
 * per schema (about twenty); the bound only guarantees that a connection never gathers
 * statements without limit (PostgreSQL keeps each until the connection closes). Texts past
 * it go unnamed.
 */
export const MAX_NAMED_STATEMENTS = 1024;

/** Names of statement texts, at most `limit` of them. */
export class StatementNames {
  readonly #names = new Map<string, string>();

  constructor(private readonly limit: number) {}

  /** The name to send `text` under; undefined once `limit` other texts have names. */
  nameOf(text: string): string | undefined {
    const known = this.#names.get(text);
    if (known !== undefined || this.#names.size >= this.limit) return known;
    const name = `memento_${createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
    this.#names.set(text, name);
    return name;
  }
}

/**
 * The names every store of the process uses: shared, so that a new store object (a restart
 * of the store, not of the process) does not hash its texts again.
 */
export const statementNames = new StatementNames(MAX_NAMED_STATEMENTS);
