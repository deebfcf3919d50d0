/**
 * Pages of persistence ids with their counts, so a store with a million ids is listed
 * page by page, never all at once.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { MAX_SEQUENCE_NR, validateInteger, validateOptionalString } from '../core/validation.js';
import type { Journal } from '../spi/journal.js';
import { isQueryableJournal, type QueryableJournal } from '../spi/queryable-journal.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';
import type { IdSummary } from './inspection.js';

/** Ids summarized at once within a page (each costs a few store round trips). */
const CONCURRENCY = 8;

/** Page size when `limit` is not given. */
export const DEFAULT_ID_PAGE = 100;

/** The journal, checked to list ids. */
export function listingJournal(journal: Journal): QueryableJournal {
  if (!isQueryableJournal(journal)) {
    throw new InvalidArgumentError(
      'journal',
      'listing persistence ids needs a journal that lists them (a QueryableJournal: SQLite, PostgreSQL, memory)',
      {
        expected: 'QueryableJournal',
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
  journal: QueryableJournal,
  snapshotStore: SnapshotStore | undefined,
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
    const page = await journal.listPersistenceIds(after, limit);
    for (const id of page) {
      after = id;
      if (prefix !== undefined && !id.startsWith(prefix)) {
        if (id > prefix) break scan; // sorted: past every id with the prefix
        continue;
      }
      ids.push(id);
      if (ids.length === limit) break scan;
    }
    if (page.length < limit) break;
  }
  const summaries: IdSummary[] = [];
  for (let at = 0; at < ids.length; at += CONCURRENCY) {
    summaries.push(...(await Promise.all(ids.slice(at, at + CONCURRENCY).map((id) => summarize(journal, snapshotStore, id)))));
  }
  return summaries;
}

/** Counts and last write of one id: a few bounded reads, never a full replay. */
export async function summarize(journal: Journal, snapshotStore: SnapshotStore | undefined, persistenceId: string): Promise<IdSummary> {
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
  const times = [last?.timestamp, newestSnapshot].filter((time): time is number => typeof time === 'number');
  return {
    persistenceId,
    highestSequenceNr: highest,
    // Sequence numbers are contiguous and deleteTo removes a prefix: stored = highest - first + 1.
    eventCount: first ? highest - first.sequenceNr + 1 : 0,
    snapshotCount,
    lastWriteTimestamp: times.length === 0 ? null : Math.max(...times),
  };
}

async function firstEvent(journal: Journal, persistenceId: string, from: number, to: number) {
  for await (const repr of journal.replay(persistenceId, from, to, 1)) return repr;
  return undefined;
}
