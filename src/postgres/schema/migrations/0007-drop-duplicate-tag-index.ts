/**
 * Version 7: drops `memento_durable_state_tag_idx`, whose columns are the prefix of
 * `memento_durable_state_tag_ordering_idx` (version 6): every query it served uses the
 * longer index, and each change no longer maintains two indexes.
 * @module
 */
import type { Migration } from './migration.js';

/** Drops the duplicate tag index. */
export const dropDuplicateTagIndex: Migration = {
  version: 7,
  name: 'drop duplicate durable state tag index',
  sql: (t) => `
DROP INDEX IF EXISTS ${t.schema}.memento_durable_state_tag_idx;`,
};
