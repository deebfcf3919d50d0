/**
 * Pages of persistence ids with their counts, so a store with a million ids is listed
 * page by page, never all at once. The ids are those of the journal, of the durable state
 * store (when it declares `transfer`) and of the snapshot store (when it declares
 * `listing`), merged: an id with only a durable state or only snapshots is listed too.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { comparePersistenceIds } from '../core/persistence-id.js';
import { MAX_SEQUENCE_NR, validateInteger, validateOptionalString } from '../core/validation.js';
import { type DurableStateStore, isTransferableDurableStateStore } from '../spi/durable-state-store.js';
import type { Journal } from '../spi/journal.js';
import { isListableJournal, type ListableJournal } from '../spi/queryable-journal.js';
import { isListableSnapshotStore, type SnapshotStore } from '../spi/snapshot-store.js';
import type { IdSummary } from './inspection.js';

/** The stores ids come from. */
export interface IdSources {
  readonly journal: Journal;
  readonly snapshotStore?: SnapshotStore | undefined;
  readonly durableStateStore?: DurableStateStore | undefined;
}

/** Ids of one store, ascending, after an id, at most `limit`. */
type IdListing = (afterId: string | undefined, limit: number) => Promise<string[]>;

/** Every store that lists its ids; the journal must. */
function listings(sources: IdSources): IdListing[] {
  const journal = listingJournal(sources.journal);
  const found: IdListing[] = [(after, limit) => journal.listPersistenceIds(after, limit)];
  const { snapshotStore, durableStateStore } = sources;
  if (snapshotStore && isListableSnapshotStore(snapshotStore)) found.push((after, limit) => snapshotStore.listPersistenceIds(after, limit));
  if (durableStateStore && isTransferableDurableStateStore(durableStateStore))
    found.push((after, limit) => durableStateStore.listPersistenceIds(after, limit));
  return found;
}

/**
 * The first `limit` ids after `afterId` over every store: each store's first `limit`
 * include every id of the merged first `limit`, so one page per store is enough.
 */
export async function listIds(sources: IdSources, afterId: string | undefined, limit: number): Promise<string[]> {
  const pages = await Promise.all(listings(sources).map((listing) => listing(afterId, limit)));
  if (pages.length === 1) return pages[0] as string[];
  return [...new Set(pages.flat())].sort(comparePersistenceIds).slice(0, limit);
}

/** Every id over every store, ascending, fetched `pageSize` at a time. */
export async function* allIds(sources: IdSources, pageSize = 500): AsyncIterable<string> {
  let after: string | undefined;
  for (;;) {
    const page = await listIds(sources, after, pageSize);
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1];
  }
}

/** Ids summarized at once within a page (each costs a few store round trips). */
const CONCURRENCY = 8;

/** Page size when `limit` is not given. */
export const DEFAULT_ID_PAGE = 100;

/** The journal, checked to list ids. */
export function listingJournal(journal: Journal): ListableJournal {
  if (!isListableJournal(journal)) {
    throw new InvalidArgumentError(
      'journal',
      'listing persistence ids needs a journal that lists them (capability listing or queries: SQLite, PostgreSQL, DynamoDB, memory)',
      {
        expected: 'ListableJournal',
        actual: journal?.constructor?.name,
      },
    );
  }
  return journal;
}

/**
 * A string below every string starting with `prefix` and above most others: the prefix with
 * its last code unit lowered, then the highest code unit. Listing after it starts at the prefix.
 */
function floorOf(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return `${prefix.slice(0, -1)}${String.fromCharCode(last - 1)}\uffff`;
}

/** One page of ids (ascending after `after`, starting with `prefix`), each summarized. */
export async function idPage(
  sources: IdSources,
  options: { readonly prefix?: string; readonly after?: string; readonly limit?: number } = {},
): Promise<IdSummary[]> {
  validateOptionalString(options.prefix, 'options.prefix');
  validateOptionalString(options.after, 'options.after');
  const limit = validateInteger(options.limit ?? DEFAULT_ID_PAGE, 'options.limit', {}, { min: 1 });
  const prefix = options.prefix;
  let after = options.after;
  if (prefix !== undefined) {
    const floor = floorOf(prefix);
    if (after === undefined || after < floor) after = floor;
  }
  const ids: string[] = [];
  scan: while (ids.length < limit) {
    const page = await listIds(sources, after, limit);
    for (const id of page) {
      after = id;
      if (prefix !== undefined && !id.startsWith(prefix)) {
        if (comparePersistenceIds(id, prefix) > 0) break scan; // sorted: past every id with the prefix
        continue;
      }
      ids.push(id);
      if (ids.length === limit) break scan;
    }
    if (page.length < limit) break;
  }
  const summaries: IdSummary[] = [];
  for (let at = 0; at < ids.length; at += CONCURRENCY) {
    summaries.push(...(await Promise.all(ids.slice(at, at + CONCURRENCY).map((id) => summarize(sources, id)))));
  }
  return summaries;
}

/** Counts and last write of one id: a few bounded reads, never a full replay. */
export async function summarize(sources: IdSources, persistenceId: string): Promise<IdSummary> {
  const { journal, snapshotStore, durableStateStore } = sources;
  const highest = await journal.highestSequenceNr(persistenceId);
  const first = await firstEvent(journal, persistenceId, 1, MAX_SEQUENCE_NR);
  const last = highest > 0 ? await firstEvent(journal, persistenceId, highest, highest) : undefined;
  let snapshotCount = 0;
  let newestSnapshot: number | null = null;
  if (snapshotStore) {
    for await (const metadata of snapshotStore.list(persistenceId)) {
      snapshotCount++;
      newestSnapshot = Math.max(newestSnapshot ?? 0, metadata.timestamp);
    }
  }
  const state = await durableState(durableStateStore, persistenceId);
  const times = [last?.timestamp, newestSnapshot, state?.timestamp].filter((time): time is number => typeof time === 'number');
  return {
    persistenceId,
    highestSequenceNr: highest,
    // Sequence numbers are contiguous and deleteTo removes a prefix: stored = highest - first + 1.
    eventCount: first ? highest - first.sequenceNr + 1 : 0,
    snapshotCount,
    stateRevision: state?.revision ?? 0,
    lastWriteTimestamp: times.length === 0 ? null : Math.max(...times),
  };
}

async function firstEvent(journal: Journal, persistenceId: string, from: number, to: number) {
  for await (const repr of journal.replay(persistenceId, from, to, 1)) return repr;
  return undefined;
}

/** The id's durable state revision and, when the store tells, the time of its latest change. */
async function durableState(
  store: DurableStateStore | undefined,
  persistenceId: string,
): Promise<{ revision: number; timestamp: number | undefined } | undefined> {
  if (!store) return undefined;
  if (isTransferableDurableStateStore(store)) {
    const stored = await store.readStored(persistenceId);
    return stored ? { revision: stored.revision, timestamp: stored.timestamp } : undefined;
  }
  const { revision } = await store.get(persistenceId);
  return revision > 0 ? { revision, timestamp: undefined } : undefined;
}
