/**
 * Every migration, in version order. Append new ones; never edit a released one.
 * @module
 */
import { createJournal } from './0001-create-journal.js';
import { createSnapshots } from './0002-create-snapshots.js';
import { createDurableState } from './0003-create-durable-state.js';
import { indexTags } from './0004-index-tags.js';
import { createProjectionOffsets } from './0005-create-projection-offsets.js';
import { durableStateOrdering } from './0006-durable-state-ordering.js';
import { dropDuplicateTagIndex } from './0007-drop-duplicate-tag-index.js';
import { journalSlices } from './0008-journal-slices.js';
import { durableStateChanges } from './0009-durable-state-changes.js';
import { journalStreamsEmptied } from './0010-journal-streams-emptied.js';
import { journalAppendFunction } from './0011-journal-append-function.js';
import { journalAppendPackedPayloads } from './0012-journal-append-packed-payloads.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** The migrations of the current release, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  createJournal,
  createSnapshots,
  createDurableState,
  indexTags,
  createProjectionOffsets,
  durableStateOrdering,
  dropDuplicateTagIndex,
  journalSlices,
  durableStateChanges,
  journalStreamsEmptied,
  journalAppendFunction,
  journalAppendPackedPayloads,
];

/** The schema version this release writes and expects. */
export const SCHEMA_VERSION = MIGRATIONS.length;
