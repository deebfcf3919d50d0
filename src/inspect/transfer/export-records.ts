/**
 * Export: every id of a journal (with its snapshots) as NDJSON lines, streamed page by
 * page so a store of any size is exported in bounded memory.
 * @module
 */
import type { PersistentRepr } from '../../core/persistent-repr.js';
import type { SelectedSnapshot } from '../../core/snapshot-results.js';
import { MAX_SEQUENCE_NR } from '../../core/validation.js';
import type { Journal } from '../../spi/journal.js';
import type { SnapshotStore } from '../../spi/snapshot-store.js';
import { listingJournal } from '../id-summaries.js';
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

/** Every line of the export (newline excluded), the header first. */
export async function* exportRecords(
  journal: Journal,
  snapshotStore: SnapshotStore | undefined,
  summary: ExportSummary,
  options: ExportOptions = {},
): AsyncIterable<string> {
  yield JSON.stringify(exportHeader());
  for await (const persistenceId of idsToExport(journal, options.persistenceIds)) {
    if (options.signal?.aborted) throw abortError('export');
    const highestSequenceNr = await journal.highestSequenceNr(persistenceId);
    yield JSON.stringify({ kind: 'id', persistenceId, highestSequenceNr });
    let count = 0;
    for await (const repr of journal.replay(persistenceId, 1, MAX_SEQUENCE_NR)) {
      yield eventLine(repr);
      summary.events++;
      if (++count % 1000 === 0 && options.signal?.aborted) throw abortError('export');
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
    summary.ids++;
    options.onId?.(summary);
  }
}

async function* idsToExport(journal: Journal, given: readonly string[] | undefined): AsyncIterable<string> {
  if (given) {
    yield* given;
    return;
  }
  const listing = listingJournal(journal);
  let after: string | undefined;
  for (;;) {
    const page = await listing.listPersistenceIds(after, ID_PAGE);
    yield* page;
    if (page.length < ID_PAGE) return;
    after = page[page.length - 1];
  }
}

/** How many ids an export of the whole journal covers (for a progress bar). */
export async function countIds(journal: Journal): Promise<number> {
  let count = 0;
  for await (const _ of idsToExport(journal, undefined)) count++;
  return count;
}
