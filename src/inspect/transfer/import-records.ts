/**
 * Import of the NDJSON export. Two passes over the input: the first checks every line and
 * compares what it would write with what the target holds, refusing (ConcurrencyError,
 * nothing written) to overwrite a sequence number, snapshot or durable state unless `skipExisting`; the
 * second writes, events in atomic batches. An id whose first events were deleted at the
 * source gets them back as placeholders, deleted again right away, so its sequence
 * numbers and highest sequence number stay what they were.
 * @module
 */
import { ConcurrencyError, InvalidArgumentError } from '../../core/errors.js';
import { validatePersistenceId } from '../../core/persistence-id.js';
import type { PersistentRepr } from '../../core/persistent-repr.js';
import { SnapshotMetadata } from '../../core/snapshot-metadata.js';
import {
  type DurableStateStore,
  isTransferableDurableStateStore,
  type StoredDurableState,
  type TransferableDurableStateStore,
} from '../../spi/durable-state-store.js';
import type { Journal } from '../../spi/journal.js';
import type { SnapshotStore } from '../../spi/snapshot-store.js';
import { abortError } from '../state-rebuild.js';
import { decodeField, EXPORT_FORMAT, EXPORT_VERSION } from './records.js';

/** Events per AtomicWrite. */
const BATCH = 1000;
/** Manifest of the stand-ins for events deleted at the source (deleted again at once). */
export const PLACEHOLDER_MANIFEST = 'memento.import.placeholder';

/** What one id of the input holds. */
interface IdPlan {
  highest: number;
  firstEvent: number | undefined;
  lastEvent: number | undefined;
  readonly snapshots: number[];
  /** The revision of the input's durable state, when it has one. */
  stateRevision: number | undefined;
  /** Filled by the check: the target's highest sequence number. */
  targetHighest: number;
  readonly targetSnapshots: Set<number>;
  /** Filled by the check: the target's durable state revision. */
  targetStateRevision: number;
}

/** What an import wrote and skipped. */
export interface ImportSummary {
  ids: number;
  events: number;
  snapshots: number;
  states: number;
  skippedEvents: number;
  skippedSnapshots: number;
  skippedStates: number;
  /**
   * True when `signal` stopped the writing pass: it stops between ids, so every id is
   * imported whole or not at all, and `ids` counts those imported.
   */
  interrupted?: boolean;
}

/** A summary of nothing imported yet, for `ids` ids. */
export function emptyImportSummary(ids: number): ImportSummary {
  return { ids, events: 0, snapshots: 0, states: 0, skippedEvents: 0, skippedSnapshots: 0, skippedStates: 0 };
}

/** Where an import writes. */
export interface ImportTarget {
  readonly journal: Journal;
  readonly snapshotStore?: SnapshotStore | undefined;
  /** Needs the `transfer` capability when the input has durable states. */
  readonly durableStateStore?: DurableStateStore | undefined;
}

/** Options of {@link importRecords}. */
export interface ImportOptions {
  /** Keep what the target already has (same sequence numbers) and import the rest. @default false */
  readonly skipExisting?: boolean | undefined;
  /** Stops the check (nothing written, AbortError) or the writing pass (at the next id, `interrupted`). */
  readonly signal?: AbortSignal | undefined;
  /** Called during the writing pass with the number of lines written so far. */
  readonly onLine?: ((line: number) => void) | undefined;
}

type Parsed =
  | { kind: 'id'; persistenceId: string; highestSequenceNr: number }
  | { kind: 'event'; repr: PersistentRepr }
  | { kind: 'snapshot'; metadata: SnapshotMetadata; snapshot: unknown }
  | { kind: 'state'; state: StoredDurableState };

const bad = (line: number, expected: string, found: unknown): never => {
  throw new InvalidArgumentError('input', `import line ${line}: expected ${expected}, found ${JSON.stringify(found)?.slice(0, 120)}`, {
    expected,
    actual: found,
  });
};

function integer(record: Record<string, unknown>, field: string, line: number, min: number): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) bad(line, `${field}: an integer >= ${min}`, value);
  return value as number;
}

/** Parses one line after the header; throws naming the line. */
export function parseRecord(text: string, line: number): Parsed {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return bad(line, 'one JSON object per line', text);
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return bad(line, 'a JSON object', record);
  const persistenceId = record.persistenceId;
  try {
    validatePersistenceId(persistenceId, 'persistenceId');
  } catch (error) {
    return bad(line, `a valid persistenceId (${(error as Error).message.replace(/^\[memento\] /, '')})`, persistenceId);
  }
  const id = persistenceId as string;
  const where = `import line ${line}`;
  switch (record.kind) {
    case 'id':
      return { kind: 'id', persistenceId: id, highestSequenceNr: integer(record, 'highestSequenceNr', line, 0) };
    case 'event': {
      const repr: { -readonly [K in keyof PersistentRepr]: PersistentRepr[K] } = {
        persistenceId: id,
        sequenceNr: integer(record, 'sequenceNr', line, 1),
        timestamp: integer(record, 'timestamp', line, 0),
        event: decodeField(record, 'event', where),
      };
      if (record.manifest !== undefined)
        repr.manifest = typeof record.manifest === 'string' ? record.manifest : bad(line, 'manifest: a string', record.manifest);
      if (record.tags !== undefined) {
        const tags = record.tags;
        if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string' || tag.length === 0))
          bad(line, 'tags: an array of non-empty strings', tags);
        repr.tags = tags as string[];
      }
      if (record.writerId !== undefined)
        repr.writerId = typeof record.writerId === 'string' ? record.writerId : bad(line, 'writerId: a string', record.writerId);
      const metadata = decodeField(record, 'metadata', where);
      if (metadata !== undefined) repr.metadata = metadata as Record<string, unknown>;
      return { kind: 'event', repr };
    }
    case 'snapshot':
      return {
        kind: 'snapshot',
        metadata: new SnapshotMetadata({
          persistenceId: id,
          sequenceNr: integer(record, 'sequenceNr', line, 0),
          timestamp: integer(record, 'timestamp', line, 0),
          metadata: decodeField(record, 'metadata', where),
        }),
        snapshot: decodeField(record, 'snapshot', where),
      };
    case 'state': {
      const tag = record.tag;
      if (tag !== undefined && (typeof tag !== 'string' || tag.length === 0)) bad(line, 'tag: a non-empty string', tag);
      const value = decodeField(record, 'value', where);
      if (value === undefined) bad(line, 'value (null for a deleted state) or valueMsgpack', value);
      return {
        kind: 'state',
        state: {
          persistenceId: id,
          revision: integer(record, 'revision', line, 1),
          timestamp: integer(record, 'timestamp', line, 0),
          tag: tag as string | undefined,
          value,
        },
      };
    }
    default:
      return bad(line, 'kind "id", "event", "snapshot" or "state"', record.kind);
  }
}

/** Lines with their numbers, the header checked and skipped; blank lines ignored. */
async function* numbered(lines: AsyncIterable<string>): AsyncIterable<[number, string]> {
  let number = 0;
  for await (const text of lines) {
    number++;
    if (number === 1) {
      let header: { format?: unknown; version?: unknown } | undefined;
      try {
        header = JSON.parse(text);
      } catch {
        header = undefined;
      }
      if (header?.format !== EXPORT_FORMAT) bad(1, `a memento export header {"format":"${EXPORT_FORMAT}",...}`, text);
      if (header?.version !== EXPORT_VERSION) bad(1, `export format version ${EXPORT_VERSION}`, header?.version);
      continue;
    }
    if (text.trim().length > 0) yield [number, text];
  }
  if (number === 0) bad(1, 'a memento export (the input is empty)', '');
}

/** Pass one: every line parsed and checked, per id what the input holds. */
async function plan(lines: AsyncIterable<string>, signal: AbortSignal | undefined): Promise<Map<string, IdPlan>> {
  const plans = new Map<string, IdPlan>();
  const planOf = (id: string) => {
    let found = plans.get(id);
    if (!found) {
      found = {
        highest: 0,
        firstEvent: undefined,
        lastEvent: undefined,
        snapshots: [],
        stateRevision: undefined,
        targetHighest: 0,
        targetSnapshots: new Set(),
        targetStateRevision: 0,
      };
      plans.set(id, found);
    }
    return found;
  };
  for await (const [line, text] of numbered(lines)) {
    if (line % 1000 === 0 && signal?.aborted) throw abortError('import');
    const parsed = parseRecord(text, line);
    if (parsed.kind === 'id') {
      const idPlan = planOf(parsed.persistenceId);
      idPlan.highest = Math.max(idPlan.highest, parsed.highestSequenceNr);
    } else if (parsed.kind === 'event') {
      const idPlan = planOf(parsed.repr.persistenceId);
      const { sequenceNr } = parsed.repr;
      if (idPlan.lastEvent !== undefined && sequenceNr !== idPlan.lastEvent + 1) {
        bad(
          line,
          `event ${idPlan.lastEvent + 1} of ${JSON.stringify(parsed.repr.persistenceId)} (events of an id are contiguous and ascending)`,
          sequenceNr,
        );
      }
      idPlan.firstEvent ??= sequenceNr;
      idPlan.lastEvent = sequenceNr;
      idPlan.highest = Math.max(idPlan.highest, sequenceNr);
    } else if (parsed.kind === 'snapshot') {
      planOf(parsed.metadata.persistenceId).snapshots.push(parsed.metadata.sequenceNr);
    } else {
      const idPlan = planOf(parsed.state.persistenceId);
      if (idPlan.stateRevision !== undefined)
        bad(line, `one durable state of ${JSON.stringify(parsed.state.persistenceId)}`, 'a second one');
      idPlan.stateRevision = parsed.state.revision;
    }
  }
  return plans;
}

/** What the import would break in the target, one line each. */
async function conflicts(plans: Map<string, IdPlan>, target: ImportTarget, skipExisting: boolean): Promise<string[]> {
  const { journal, snapshotStore, durableStateStore } = target;
  const found: string[] = [];
  for (const [id, idPlan] of plans) {
    idPlan.targetHighest = await journal.highestSequenceNr(id);
    const firstWritten = idPlan.firstEvent ?? idPlan.highest + 1;
    if (idPlan.highest > 0 && idPlan.targetHighest >= firstWritten && !skipExisting) {
      found.push(
        `${JSON.stringify(id)}: the target already has events up to ${idPlan.targetHighest}, the input has events ${firstWritten} to ${idPlan.highest}`,
      );
    } else if (idPlan.targetHighest > 0 && idPlan.targetHighest < firstWritten - 1) {
      found.push(
        `${JSON.stringify(id)}: the target's events end at ${idPlan.targetHighest} and the input's start at ${firstWritten}, which would leave a gap`,
      );
    }
    if (snapshotStore && idPlan.snapshots.length > 0) {
      for await (const metadata of snapshotStore.list(id)) idPlan.targetSnapshots.add(metadata.sequenceNr);
      const clashing = idPlan.snapshots.filter((sequenceNr) => idPlan.targetSnapshots.has(sequenceNr));
      if (clashing.length > 0 && !skipExisting)
        found.push(`${JSON.stringify(id)}: the target already has snapshot${clashing.length > 1 ? 's' : ''} ${clashing.join(', ')}`);
    }
    if (!snapshotStore && idPlan.snapshots.length > 0)
      found.push(`${JSON.stringify(id)}: the input has snapshots and no snapshot store is configured`);
    if (idPlan.stateRevision !== undefined) {
      if (!durableStateStore || !isTransferableDurableStateStore(durableStateStore)) {
        found.push(`${JSON.stringify(id)}: the input has a durable state and the target has no durable state store that restores one`);
      } else {
        idPlan.targetStateRevision = (await durableStateStore.get(id)).revision;
        if (idPlan.targetStateRevision > 0 && !skipExisting)
          found.push(`${JSON.stringify(id)}: the target already has a durable state (revision ${idPlan.targetStateRevision})`);
      }
    }
  }
  return found;
}

/** Imports NDJSON lines; `lines` is called twice (check, then write). */
export async function importRecords(
  lines: () => AsyncIterable<string>,
  target: ImportTarget,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const { journal, snapshotStore, durableStateStore } = target;
  const skipExisting = options.skipExisting ?? false;
  const plans = await plan(lines(), options.signal);
  const found = await conflicts(plans, target, skipExisting);
  if (found.length > 0) {
    const shown = found.slice(0, 5).join('; ');
    const more = found.length > 5 ? `; and ${found.length - 5} more` : '';
    throw new ConcurrencyError(
      `import refused, nothing was written: ${shown}${more}${skipExisting ? '' : ' (pass --skip-existing to keep what the target has and import the rest)'}`,
      { expected: 'sequence numbers the target does not have', actual: found.length },
    );
  }
  const summary = emptyImportSummary(plans.size);
  const writer = new EventBatches(journal, plans, summary);
  let idsDone = -1;
  for await (const [line, text] of numbered(lines())) {
    if (line % 1000 === 0) options.onLine?.(line);
    const parsed = parseRecord(text, line);
    if (parsed.kind === 'id') {
      await writer.flush();
      idsDone++;
      // Only here, between ids: an interrupted import leaves no id half written.
      if (options.signal?.aborted) return { ...summary, ids: idsDone, interrupted: true };
      await writer.restoreDeletedPrefix(parsed.persistenceId);
    } else if (parsed.kind === 'event') {
      await writer.add(parsed.repr);
    } else if (parsed.kind === 'state') {
      await writer.flush();
      if ((plans.get(parsed.state.persistenceId) as IdPlan).targetStateRevision > 0) {
        summary.skippedStates++;
        continue;
      }
      await (durableStateStore as TransferableDurableStateStore).restore(parsed.state);
      summary.states++;
    } else {
      await writer.flush();
      const idPlan = plans.get(parsed.metadata.persistenceId) as IdPlan;
      if (idPlan.targetSnapshots.has(parsed.metadata.sequenceNr)) {
        summary.skippedSnapshots++;
        continue;
      }
      await (snapshotStore as SnapshotStore).save(parsed.metadata, parsed.snapshot);
      summary.snapshots++;
    }
  }
  await writer.flush();
  return summary;
}

/** Collects contiguous events of one id into AtomicWrites of {@link BATCH}. */
class EventBatches {
  #pending: PersistentRepr[] = [];

  constructor(
    private readonly journal: Journal,
    private readonly plans: Map<string, IdPlan>,
    private readonly summary: ImportSummary,
  ) {}

  async add(repr: PersistentRepr): Promise<void> {
    const idPlan = this.plans.get(repr.persistenceId) as IdPlan;
    if (repr.sequenceNr <= idPlan.targetHighest) {
      this.summary.skippedEvents++;
      return;
    }
    if (this.#pending.length > 0 && (this.#pending[0] as PersistentRepr).persistenceId !== repr.persistenceId) await this.flush();
    this.#pending.push(repr);
    if (this.#pending.length >= BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const events = this.#pending;
    this.#pending = [];
    await write(this.journal, events);
    this.summary.events += events.length;
  }

  /**
   * The id's events before its first exported one were deleted at the source: write
   * placeholders up to there and delete them, so the id keeps its sequence numbers.
   */
  async restoreDeletedPrefix(persistenceId: string): Promise<void> {
    const idPlan = this.plans.get(persistenceId) as IdPlan;
    const deletedUpTo = (idPlan.firstEvent ?? idPlan.highest + 1) - 1;
    if (idPlan.targetHighest > 0 || deletedUpTo < 1) return;
    for (let from = 1; from <= deletedUpTo; from += BATCH) {
      const to = Math.min(deletedUpTo, from + BATCH - 1);
      const placeholders: PersistentRepr[] = [];
      for (let sequenceNr = from; sequenceNr <= to; sequenceNr++) {
        placeholders.push({ persistenceId, sequenceNr, timestamp: 0, event: null, manifest: PLACEHOLDER_MANIFEST });
      }
      await write(this.journal, placeholders);
    }
    await this.journal.deleteTo(persistenceId, deletedUpTo);
    idPlan.targetHighest = deletedUpTo;
  }
}

/**
 * Writes `events` as one AtomicWrite. A journal that refuses it as an invalid argument (DynamoDB:
 * larger than one 400 KB item) gets it in halves, each still atomic; one event it refuses is thrown.
 */
async function write(journal: Journal, events: PersistentRepr[]): Promise<void> {
  const persistenceId = (events[0] as PersistentRepr).persistenceId;
  const [result] = await journal.write([{ persistenceId, events }]);
  if (!result) return;
  if (result instanceof InvalidArgumentError && events.length > 1) {
    const half = Math.ceil(events.length / 2);
    await write(journal, events.slice(0, half));
    await write(journal, events.slice(half));
    return;
  }
  throw result;
}
