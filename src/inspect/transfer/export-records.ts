/**
 * Export: every id of the stores (events, snapshots, durable state) as NDJSON lines,
 * streamed page by page so a store of any size is exported in bounded memory.
 * @module
 */

import type { PersistentRepr } from '../../core/persistent-repr.js';
import type { SelectedSnapshot } from '../../core/snapshot-results.js';
import { nextTurn } from '../../core/timers.js';
import { MAX_SEQUENCE_NR } from '../../core/validation.js';
import { isTransferableDurableStateStore, type StoredDurableState } from '../../spi/durable-state-store.js';
import { allIds, type IdSources } from '../id-summaries.js';
import { plainMessage, readExactSnapshot } from '../snapshot-reading.js';
import { abortError } from '../state-rebuild.js';
import { EXPORT_FORMAT, EXPORT_VERSION, encodeField, type HeaderRecord } from './records.js';

/** Ids listed per query. */
const ID_PAGE = 500;

/** What was exported, and what could not be. */
export interface ExportSummary {
  ids: number;
  events: number;
  snapshots: number;
  /** Durable states. */
  states: number;
  /** Snapshots that could not be read, so were not exported. */
  readonly damagedSnapshots: { persistenceId: string; sequenceNr: number; message: string }[];
}

/** Options of {@link exportRecords}. */
export interface ExportOptions {
  readonly signal?: AbortSignal | undefined;
  /** Called after each id with the running summary. */
  readonly onId?: ((summary: ExportSummary) => void) | undefined;
  /** Only these ids (in this order) instead of every id of the journal. */
  readonly persistenceIds?: readonly string[] | undefined;
}

/** The header line. */
export function exportHeader(now = new Date()): HeaderRecord {
  return { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: now.toISOString() };
}

/** The NDJSON line of an event. */
export function eventLine(repr: PersistentRepr): string {
  return JSON.stringify({
    kind: 'event',
    persistenceId: repr.persistenceId,
    sequenceNr: repr.sequenceNr,
    timestamp: repr.timestamp,
    ...(repr.manifest === undefined ? {} : { manifest: repr.manifest }),
    ...(repr.tags === undefined || repr.tags.length === 0 ? {} : { tags: repr.tags }),
    ...(repr.writerId === undefined ? {} : { writerId: repr.writerId }),
    ...encodeField('event', repr.event, false),
    ...encodeField('metadata', repr.metadata, true),
  });
}

/** The NDJSON line of a snapshot. */
export function snapshotLine(selected: SelectedSnapshot): string {
  const { metadata } = selected;
  return JSON.stringify({
    kind: 'snapshot',
    persistenceId: metadata.persistenceId,
    sequenceNr: metadata.sequenceNr,
    timestamp: metadata.timestamp,
    ...encodeField('snapshot', selected.snapshot, false),
    ...encodeField('metadata', metadata.metadata, true),
  });
}

/** The NDJSON line of a durable state. */
export function stateLine(state: StoredDurableState): string {
  return JSON.stringify({
    kind: 'state',
    persistenceId: state.persistenceId,
    revision: state.revision,
    timestamp: state.timestamp,
    ...(state.tag === undefined ? {} : { tag: state.tag }),
    ...encodeField('value', state.value, false),
  });
}

/** Every line of the export (newline excluded), the header first. */
export async function* exportRecords(sources: IdSources, summary: ExportSummary, options: ExportOptions = {}): AsyncIterable<string> {
  const { journal, snapshotStore, durableStateStore } = sources;
  yield JSON.stringify(exportHeader());
  for await (const persistenceId of idsToExport(sources, options.persistenceIds)) {
    if (options.signal?.aborted) throw abortError('export');
    const highestSequenceNr = await journal.highestSequenceNr(persistenceId);
    yield JSON.stringify({ kind: 'id', persistenceId, highestSequenceNr });
    let count = 0;
    for await (const repr of journal.replay(persistenceId, 1, MAX_SEQUENCE_NR)) {
      yield eventLine(repr);
      summary.events++;
      if (++count % 1000 === 0 && options.signal) {
        await nextTurn(); // lets a Ctrl-C abort the signal
        if (options.signal.aborted) throw abortError('export');
      }
    }
    if (snapshotStore) {
      for await (const listed of snapshotStore.list(persistenceId)) {
        const read = await readExactSnapshot(snapshotStore, persistenceId, listed.sequenceNr);
        if (read === null) continue;
        if (!read.readable) {
          summary.damagedSnapshots.push({ persistenceId, sequenceNr: listed.sequenceNr, message: plainMessage(read.error) });
          continue;
        }
        yield snapshotLine(read.selected);
        summary.snapshots++;
      }
    }
    if (durableStateStore && isTransferableDurableStateStore(durableStateStore)) {
      const state = await durableStateStore.readStored(persistenceId);
      if (state) {
        yield stateLine(state);
        summary.states++;
      }
    }
    summary.ids++;
    options.onId?.(summary);
  }
}

async function* idsToExport(sources: IdSources, given: readonly string[] | undefined): AsyncIterable<string> {
  if (given) yield* given;
  else yield* allIds(sources, ID_PAGE);
}

/** How many ids an export of every store covers (for a progress bar). */
export async function countIds(sources: IdSources): Promise<number> {
  let count = 0;
  for await (const _ of allIds(sources, ID_PAGE)) count++;
  return count;
}
