/**
 * The JSON shapes the API answers with: the inspection's views with every user value
 * (events, states, metadata, diff values) encoded exactly by {@link toJsonView}, and one
 * error shape.
 * @module
 */
import { isMementoError } from '../core/errors.js';
import type { EventView, SnapshotView, StateView, VerifyReport } from '../inspect/inspection.js';
import type { StateDifference } from '../time-travel/state-diff.js';
import { type JsonView, toJsonView } from './json-view.js';
import { BadRequestError } from './query-parameters.js';

/** An event as the API sends it. */
export function eventJson(event: EventView) {
  return {
    persistenceId: event.persistenceId,
    sequenceNr: event.sequenceNr,
    timestamp: event.timestamp,
    event: toJsonView(event.event),
    manifest: event.manifest ?? null,
    tags: event.tags ?? [],
    writerId: event.writerId ?? null,
    metadata: event.metadata === undefined ? null : toJsonView(event.metadata),
  };
}

/** A snapshot as the API sends it. */
export function snapshotJson(snapshot: SnapshotView) {
  return {
    persistenceId: snapshot.persistenceId,
    sequenceNr: snapshot.sequenceNr,
    timestamp: snapshot.timestamp,
    metadata: snapshot.metadata === undefined ? null : toJsonView(snapshot.metadata),
    size: snapshot.size ?? null,
    serializer: snapshot.serializer ?? null,
    version: snapshot.version ?? null,
    readable: snapshot.readable,
    problem: snapshot.problem ?? null,
  };
}

/** A rebuilt state as the API sends it. */
export function stateJson(view: StateView) {
  return {
    persistenceId: view.persistenceId,
    definition: view.definition,
    sequenceNr: view.sequenceNr,
    timestamp: view.timestamp ?? null,
    snapshotSequenceNr: view.snapshotSequenceNr,
    replayed: view.replayed,
    /** Snapshots the rebuild passed over (damaged, or a version nothing reads), newest first. */
    skippedSnapshots: view.skippedSnapshots ?? [],
    state: toJsonView(view.state),
  };
}

/** One difference with its values encoded. */
export function differenceJson(difference: StateDifference): {
  type: string;
  path: (string | number)[];
  value?: JsonView;
  oldValue?: JsonView;
} {
  return {
    type: difference.type,
    path: difference.path,
    ...('value' in difference ? { value: toJsonView(difference.value) } : {}),
    ...('oldValue' in difference ? { oldValue: toJsonView(difference.oldValue) } : {}),
  };
}

/** A verify report with the differences of each problem encoded. */
export function verifyJson(report: VerifyReport) {
  return {
    ...report,
    unverified: report.unverified ?? [],
    interrupted: report.interrupted ?? false,
    problems: report.problems.map((problem) => ({ ...problem, differences: (problem.differences ?? []).map(differenceJson) })),
  };
}

/** The error body every failed request answers with. */
export interface ErrorBody {
  readonly error: { readonly status: number; readonly code: string; readonly message: string; readonly persistenceId?: string };
}

const STATUS_BY_CODE: Record<string, number> = {
  MEMENTO_INVALID_ARGUMENT: 400,
  MEMENTO_INVALID_PERSISTENCE_ID: 400,
  MEMENTO_CONCURRENCY: 409,
  MEMENTO_INVALID_STATE: 409,
  MEMENTO_RECOVERY: 422,
  MEMENTO_CORRUPT_SNAPSHOT: 422,
  MEMENTO_CORRUPT_DATA: 422,
  MEMENTO_SERIALIZATION: 422,
  MEMENTO_STORE_UNAVAILABLE: 503,
  MEMENTO_STORE_CLOSED: 503,
};

/** The status and body for an error: request errors, Memento's codes, anything else as 500. */
export function errorJson(error: unknown): ErrorBody {
  if (error instanceof BadRequestError) {
    return {
      error: {
        status: error.status,
        code: error.status === 400 ? 'BAD_REQUEST' : error.status === 403 ? 'FORBIDDEN' : 'NOT_FOUND',
        message: error.message,
      },
    };
  }
  if (isMementoError(error)) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    return {
      error: {
        status,
        code: error.code,
        message: error.message,
        ...(error.persistenceId === undefined ? {} : { persistenceId: error.persistenceId }),
      },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { error: { status: 500, code: 'INTERNAL', message } };
}

/** An event as the API sends it. */
export type EventJson = ReturnType<typeof eventJson>;
/** A snapshot as the API sends it. */
export type SnapshotJson = ReturnType<typeof snapshotJson>;
/** A rebuilt state as the API sends it. */
export type StateJson = ReturnType<typeof stateJson>;
/** A difference as the API sends it. */
export type DifferenceJson = ReturnType<typeof differenceJson>;
/** A verify report as the API sends it. */
export type VerifyJson = ReturnType<typeof verifyJson>;
