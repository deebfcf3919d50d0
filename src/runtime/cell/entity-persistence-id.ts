/**
 * How a typed entity's name and id become one persistence id.
 * @module
 */
import { describeValue, InvalidArgumentError } from '../../core/errors.js';
import { validatePersistenceId } from '../../core/persistence-id.js';

/**
 * Separates an entity's name from its id in the persistence id: `counter|42`. The name
 * may not contain it, so the first `|` always ends the name; the id may (`a|b|c` is the
 * entity `b|c` of `a`).
 */
export const PERSISTENCE_ID_SEPARATOR = '|';

/** Throws unless `name` is a non-empty entity name without the separator. */
export function validateEntityName(name: unknown, argument = 'name'): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(argument, `${argument}: expected a non-empty string, found ${describeValue(name)}`, {
      expected: 'non-empty string',
      actual: name,
    });
  }
  if (name.includes(PERSISTENCE_ID_SEPARATOR)) {
    throw new InvalidArgumentError(
      argument,
      `${argument} ${describeValue(name)}: expected no ${JSON.stringify(PERSISTENCE_ID_SEPARATOR)} (it separates name and id in persistence ids)`,
      { expected: `no ${PERSISTENCE_ID_SEPARATOR}`, actual: name },
    );
  }
}

/** The persistence id of entity `id` of the entity type `name`, validated. */
export function entityPersistenceId(name: string, id: string): string {
  validateEntityName(name);
  if (typeof id !== 'string' || id.length === 0) {
    throw new InvalidArgumentError('id', `id of entity ${JSON.stringify(name)}: expected a non-empty string, found ${describeValue(id)}`, {
      expected: 'non-empty string',
      actual: id,
    });
  }
  const persistenceId = `${name}${PERSISTENCE_ID_SEPARATOR}${id}`;
  validatePersistenceId(persistenceId, `persistence id of entity ${JSON.stringify(name)}`);
  return persistenceId;
}

/** Splits a persistence id made by {@link entityPersistenceId} back into name and id. */
export function parseEntityPersistenceId(persistenceId: string): { name: string; id: string } | undefined {
  const at = persistenceId.indexOf(PERSISTENCE_ID_SEPARATOR);
  if (at <= 0) return undefined;
  return { name: persistenceId.slice(0, at), id: persistenceId.slice(at + 1) };
}
