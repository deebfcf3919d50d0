/**
 * Helpers every snapshot store uses: argument checks, the stored form, and the single
 * implementation of "youngest readable snapshot, skipping damaged ones".
 * @module
 */
import { CorruptSnapshotError, ErrorCodes, isMementoError, SnapshotTooLargeError } from '../core/errors.js';
import { validatePersistenceId } from '../core/persistence-id.js';
import { SnapshotMetadata, type SnapshotMetadataInit } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { validateInteger } from '../core/validation.js';
import { callHook, type PersistenceHooks, type SkippedSnapshot } from '../observability/hooks.js';
import type { Logger } from '../observability/logger.js';
import type { Serialization } from '../serialization/serialization.js';
import type { SnapshotLoadOptions, SnapshotSaveOptions } from './snapshot-store.js';

/** A snapshot as stored: identity columns plus envelopes of the state and user metadata. */
export interface StoredSnapshot {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly timestamp: number;
  /** Envelope of the snapshot value. */
  readonly payload: Uint8Array;
  /** Envelope of `SnapshotMetadata.metadata`, when present. */
  readonly metadata: Uint8Array | undefined;
}

/** Identity and user metadata of a snapshot, as stored, without its payload. */
export type SnapshotHead = Omit<StoredSnapshot, 'payload'>;

/** The option every snapshot store accepts to bound what it stores. */
export interface SnapshotSizeOptions {
  /** Refuse (SnapshotTooLargeError, nothing stored) snapshots whose encoded size is over this many bytes. @default no limit */
  readonly maxSnapshotBytes?: number;
}

/** Checks a store's `maxSnapshotBytes` option (`argument` names it in errors). */
export function validateMaxSnapshotBytes(value: number | undefined, argument: string): number | undefined {
  return value === undefined ? undefined : validateInteger(value, argument, {}, { min: 1 });
}

/**
 * Refuses a snapshot of `size` encoded bytes over the smaller of the store's limit and the
 * caller's `options.maxBytes`; called after encoding and before anything is written.
 */
export function assertSnapshotFits(
  metadata: { readonly persistenceId: string; readonly sequenceNr: number },
  size: number,
  storeLimit: number | undefined,
  options: SnapshotSaveOptions | undefined,
  source: string,
): void {
  const requested = options?.maxBytes;
  if (requested !== undefined) validateInteger(requested, 'options.maxBytes', { persistenceId: metadata.persistenceId }, { min: 1 });
  const limit = Math.min(storeLimit ?? Number.POSITIVE_INFINITY, requested ?? Number.POSITIVE_INFINITY);
  if (size <= limit) return;
  throw new SnapshotTooLargeError(
    `snapshot ${metadata.sequenceNr} of ${JSON.stringify(metadata.persistenceId)} is too large: ${size} bytes encoded, the limit is ${limit} bytes (maxSnapshotBytes); nothing was stored, older snapshots are kept`,
    size,
    limit,
    { persistenceId: metadata.persistenceId, source },
  );
}

/** Validates save arguments and serializes the user metadata; the payload comes next. */
function snapshotHead(metadata: SnapshotMetadataInit, serialization: Serialization) {
  const checked = SnapshotMetadata.from(metadata);
  const context = { persistenceId: checked.persistenceId, sequenceNr: checked.sequenceNr, what: 'snapshot' as const };
  const head: SnapshotHead = {
    persistenceId: checked.persistenceId,
    sequenceNr: checked.sequenceNr,
    timestamp: checked.timestamp,
    metadata:
      checked.metadata === undefined ? undefined : serialization.serialize(checked.metadata, { ...context, what: 'snapshot metadata' }),
  };
  return { head, context };
}

/** Validates save arguments and serializes the snapshot; throws before anything is stored. */
export function encodeSnapshot(metadata: SnapshotMetadataInit, snapshot: unknown, serialization: Serialization): StoredSnapshot {
  const { head, context } = snapshotHead(metadata, serialization);
  return { ...head, payload: serialization.serialize(snapshot, context) };
}

/**
 * {@link encodeSnapshot} with the payload envelope as parts (see `Serialization.serializeParts`),
 * `headroom(head)` bytes left free in front of it for a header written by the caller.
 */
export function encodeSnapshotParts(
  metadata: SnapshotMetadataInit,
  snapshot: unknown,
  serialization: Serialization,
  headroom: (head: SnapshotHead) => number,
): { readonly head: SnapshotHead; readonly payload: Uint8Array[] } {
  const { head, context } = snapshotHead(metadata, serialization);
  return { head, payload: serialization.serializeParts(snapshot, context, headroom(head)) };
}

/** Decodes a stored snapshot; any failure becomes {@link CorruptSnapshotError} naming it. */
export function decodeSnapshot(row: StoredSnapshot, serialization: Serialization, source?: string): SelectedSnapshot {
  const context = { persistenceId: row.persistenceId, sequenceNr: row.sequenceNr, what: 'snapshot' as const };
  try {
    const snapshot = serialization.deserialize(row.payload, context).value;
    const metadata =
      row.metadata === undefined ? undefined : serialization.deserialize(row.metadata, { ...context, what: 'snapshot metadata' }).value;
    return {
      metadata: new SnapshotMetadata({ persistenceId: row.persistenceId, sequenceNr: row.sequenceNr, timestamp: row.timestamp, metadata }),
      snapshot,
    };
  } catch (cause) {
    // A missing serializer library says nothing about the bytes: never skip the snapshot for it.
    if (isMementoError(cause, ErrorCodes.peerDependency)) throw cause;
    throw unreadableSnapshot(row.persistenceId, row.sequenceNr, cause, source);
  }
}

/** Wraps a read failure of one snapshot into {@link CorruptSnapshotError}. */
export function unreadableSnapshot(persistenceId: string, sequenceNr: number, cause: unknown, source?: string): CorruptSnapshotError {
  if (cause instanceof CorruptSnapshotError) return cause;
  const reason = cause instanceof Error ? cause.message.replace(/^(\[[^\]]+\] )+/, '') : String(cause);
  return new CorruptSnapshotError(`snapshot ${sequenceNr} of ${JSON.stringify(persistenceId)} cannot be read: ${reason}`, {
    persistenceId,
    sequenceNr,
    expected: 'a readable snapshot',
    actual: reason,
    cause,
    source,
  });
}

/** True for failures that mean "this snapshot's bytes are bad", as opposed to "the store is down". */
export function isUnreadableSnapshotError(error: unknown): boolean {
  return (
    isMementoError(error, ErrorCodes.corruptSnapshot) ||
    isMementoError(error, ErrorCodes.corruptData) ||
    isMementoError(error, ErrorCodes.serialization)
  );
}

/** Where skipped snapshots are reported. */
export interface SkipReporting {
  readonly source: string;
  readonly logger: Logger;
  readonly hooks?: PersistenceHooks | undefined;
  readonly options?: SnapshotLoadOptions | undefined;
}

/**
 * Walks candidates newest first and returns the first that reads; unreadable ones are
 * reported and skipped; store failures (unavailable, closed) propagate unchanged.
 */
export async function loadYoungestReadable<
  C extends { readonly sequenceNr: number; readonly timestamp: number; readonly persistenceId: string },
>(
  candidatesNewestFirst: Iterable<C> | AsyncIterable<C>,
  read: (candidate: C) => Promise<SelectedSnapshot>,
  reporting: SkipReporting,
): Promise<SelectedSnapshot | null> {
  for await (const candidate of candidatesNewestFirst) {
    try {
      return await read(candidate);
    } catch (error) {
      skipUnreadable(candidate, error, reporting);
    }
  }
  return null;
}

/**
 * The catch of a load walking candidates by hand (a store whose candidate is a synchronous
 * row, where the generator of {@link loadYoungestReadable} would be most of the work):
 * rethrows store failures, reports an unreadable snapshot as skipped and returns, so the
 * caller tries the next older one.
 */
export function skipUnreadable(
  candidate: { readonly sequenceNr: number; readonly timestamp: number; readonly persistenceId: string },
  error: unknown,
  reporting: SkipReporting,
): void {
  if (!isUnreadableSnapshotError(error)) throw error;
  const wrapped = unreadableSnapshot(candidate.persistenceId, candidate.sequenceNr, error, reporting.source);
  const skipped: SkippedSnapshot = {
    metadata: new SnapshotMetadata({
      persistenceId: candidate.persistenceId,
      sequenceNr: candidate.sequenceNr,
      timestamp: candidate.timestamp,
    }),
    error: wrapped,
  };
  reporting.logger.warn(`[memento] [${reporting.source}] skipped unreadable snapshot, trying the next older one`, {
    persistenceId: candidate.persistenceId,
    sequenceNr: candidate.sequenceNr,
    error: wrapped.message,
  });
  callHook(reporting.hooks?.onSnapshotSkipped, { ...skipped, store: reporting.source });
  callHook(reporting.options?.onSkipped, skipped);
}

/** Checks `load` / `list` / `deleteMatching` arguments and returns normalized criteria. */
export function validateSnapshotQuery(persistenceId: unknown, criteria: unknown): SnapshotSelectionCriteria {
  validatePersistenceId(persistenceId);
  return SnapshotSelectionCriteria.from(criteria as SnapshotSelectionCriteria | undefined);
}

/** Checks a metadata argument (of `delete`) and returns it as a {@link SnapshotMetadata}. */
export function validateSnapshotMetadata(metadata: unknown): SnapshotMetadata {
  return SnapshotMetadata.from(metadata as SnapshotMetadataInit);
}
