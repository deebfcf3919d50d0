/**
 * The journal's write path: a queue of AtomicWrites sent in groups, one statement per group
 * (each write checked and stored all-or-nothing on its own), with the per-write
 * transaction fallback and the outcome check after a lost connection.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ConcurrencyError, ErrorCodes, isMementoError } from '../core/errors.js';
import { type PreparedWrite, sequenceConflict } from '../spi/journal-support.js';
import { withRetry } from '../spi/retry.js';
import { describeFailure, isDefiniteRollback, isTransientRollback, NAME, pgErrorCode, storeFailure, UNIQUE_VIOLATION } from './errors.js';
import type { PgPoolClient } from './pg-client.js';
import {
  type AppendWrite,
  advanceStreamStatement,
  appendEventsStatement,
  findWrittenSql,
  fitsOneStatement,
  highestSequenceNrsSql,
  highestStoredEventSql,
  insertEventsStatement,
  lockJournalStatement,
  MAX_EVENTS_PER_STATEMENT,
  type NotifyTarget,
} from './schema/journal/index.js';
import type { PostgresBase } from './store-base.js';

/** A caller's `write` call waiting for its writes. */
interface Request {
  readonly results: (Error | undefined)[];
  pending: number;
  settled: boolean;
  readonly resolve: (results: (Error | undefined)[]) => void;
  readonly reject: (error: Error) => void;
}

/** One AtomicWrite in the queue. */
interface Entry extends AppendWrite {
  readonly request: Request;
  readonly index: number;
  readonly first: number;
}

/** The server's error behind a wrapped store failure, so it can be wrapped again per persistence id. */
const failureCause = (error: unknown): unknown =>
  (isMementoError(error, ErrorCodes.storeUnavailable) || isMementoError(error, ErrorCodes.permissionDenied)) && error.cause !== undefined
    ? error.cause
    : error;

/** Groups concurrent writes of one journal into as few statements as correctness allows. */
export class AppendBatcher {
  readonly #queue: Entry[] = [];
  /** Ids with a write in a statement in flight: their later writes wait, so each id's writes stay in call order. */
  readonly #inFlight = new Set<string>();
  #running = 0;
  #scheduled = false;
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly base: PostgresBase,
    private readonly notify: NotifyTarget | undefined,
    private readonly maxBatchWrites: number,
    private readonly maxInFlight: number,
  ) {}

  /** Queues the serialized writes of one `write` call; resolves with one result per write. */
  submit(prepared: PreparedWrite[]): Promise<(Error | undefined)[]> {
    return this.#enqueue(prepared);
  }

  /** Resolves once every queued write was answered. */
  async drained(): Promise<void> {
    if (this.#queue.length === 0 && this.#running === 0) return;
    if (!this.#idle) {
      let resolve = () => {};
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      this.#idle = { promise, resolve };
    }
    await this.#idle.promise;
  }

  #enqueue(prepared: PreparedWrite[]): Promise<(Error | undefined)[]> {
    return new Promise((resolve, reject) => {
      const request: Request = { results: prepared.map(({ error }) => error), pending: 0, settled: false, resolve, reject };
      prepared.forEach(({ write, rows }, index) => {
        if (!rows) return;
        request.pending++;
        this.#queue.push({
          persistenceId: write.persistenceId,
          writeId: randomUUID(),
          rows,
          request,
          index,
          first: rows[0]?.sequenceNr ?? 0,
        });
      });
      if (request.pending === 0) {
        resolve(request.results);
        return;
      }
      this.#schedule();
    });
  }

  /** Pumps after this event-loop turn, so every write issued in it can join the batch. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  /**
   * Starts batches while statements may be added in flight. Several in flight overlap one
   * statement's round trip, parameter decoding and the callers' work with another's
   * execution; the journal lock still orders their orderings and commits.
   */
  #pump(): void {
    while (this.#running < this.maxInFlight && this.#queue.length > 0) {
      const batch = this.#takeBatch();
      if (batch.length === 0) break;
      for (const entry of batch) this.#inFlight.add(entry.persistenceId);
      this.#running++;
      void this.#run(batch).finally(() => {
        for (const entry of batch) this.#inFlight.delete(entry.persistenceId);
        this.#running--;
        if (this.#queue.length > 0) this.#schedule();
        else this.#checkIdle();
      });
    }
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#running === 0 && this.#queue.length === 0 && this.#idle) {
      this.#idle.resolve();
      this.#idle = undefined;
    }
  }

  async #run(batch: Entry[]): Promise<void> {
    const only = batch[0] as Entry;
    try {
      if (batch.length === 1 && !fitsOneStatement(only.rows.length)) await this.#runAlone(only);
      else await this.#runBatch(batch);
    } catch (error) {
      // A bug, not a store failure: still answer every caller rather than hang them.
      this.#fail(batch, error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Takes writes within the size limits, keeping each id's writes in call order. A later
   * write of an id already taken joins the batch when it continues that id's last taken
   * write (first = its last + 1): the statement checks the id's writes as one run, so one
   * caller's many writes of an id cost one statement, not one round trip each.
   */
  #takeBatch(): Entry[] {
    const batch: Entry[] = [];
    const blocked = new Set<string>(this.#inFlight);
    /** Each taken id's last sequence number. */
    const taken = new Map<string, number>();
    let events = 0;
    const rest: Entry[] = [];
    for (const entry of this.#queue) {
      if (entry.request.settled) continue; // its call already failed as a whole
      const id = entry.persistenceId;
      const last = taken.get(id);
      const fits = batch.length === 0 || (batch.length < this.maxBatchWrites && fitsOneStatement(events + entry.rows.length));
      if (!fits || blocked.has(id) || (last !== undefined && entry.first !== last + 1)) {
        blocked.add(id);
        rest.push(entry);
        continue;
      }
      taken.set(id, entry.rows[entry.rows.length - 1]?.sequenceNr ?? entry.first);
      batch.push(entry);
      events += entry.rows.length;
    }
    this.#queue.splice(0, this.#queue.length, ...rest);
    return batch;
  }

  /**
   * Settles a statement's writes. The statement checks an id's writes as one run, so a
   * rejected run of several writes says nothing about each: those are sent again one
   * statement per write, in order, to be answered exactly as if sent alone.
   */
  async #settleBatch(batch: readonly Entry[], accepted: ReadonlySet<string>): Promise<void> {
    const counts = new Map<string, number>();
    for (const entry of batch) counts.set(entry.persistenceId, (counts.get(entry.persistenceId) ?? 0) + 1);
    const again = batch.filter((entry) => !accepted.has(entry.persistenceId) && (counts.get(entry.persistenceId) ?? 0) > 1);
    await this.#report(again.length === 0 ? batch : batch.filter((entry) => !again.includes(entry)), accepted);
    for (const entry of again) await this.#runBatch([entry]);
  }

  #settle(entry: Entry, result: Error | undefined): void {
    const request = entry.request;
    if (request.settled) return;
    request.results[entry.index] = result;
    if (--request.pending === 0) {
      request.settled = true;
      request.resolve(request.results);
    }
  }

  /** Rejects the calls of `entries`; given a function, each call gets the error of its own (first failed) write. */
  #fail(entries: readonly Entry[], error: Error | ((entry: Entry) => Error)): void {
    for (const entry of entries) {
      const { request } = entry;
      if (request.settled) continue;
      request.settled = true;
      request.reject(typeof error === 'function' ? error(entry) : error);
    }
  }

  async #runBatch(batch: Entry[]): Promise<void> {
    const first = batch[0] as Entry;
    const operation = 'journal.write';
    try {
      await withRetry(
        this.base.retry,
        async () => {
          const marker = `memento:write:${randomUUID()}`;
          let client: PgPoolClient;
          try {
            client = await this.base.connect(operation, first.persistenceId);
          } catch (error) {
            this.#fail(batch, this.#unavailable(batch, failureCause(error), 'nothing was sent'));
            return;
          }
          const statement = appendEventsStatement(this.base.tables, this.base.schema, batch, marker, this.notify);
          try {
            const { rows } = await client.query<{ accepted: string[] }>(statement.text, statement.values);
            client.release();
            await this.#settleBatch(batch, new Set(rows[0]?.accepted ?? []));
          } catch (error) {
            client.release(error as Error);
            if (pgErrorCode(error) === UNIQUE_VIOLATION) {
              // Events exist beyond the recorded highest (written around the journal): find
              // the culprit write by write, each in its own transaction.
              for (const entry of batch) await this.#runAlone(entry);
              return;
            }
            // Rolled back: nothing was stored, so the loop may send it again when transient.
            if (isDefiniteRollback(error)) throw error;
            await this.#resolveAmbiguous(batch, marker, error);
          }
        },
        { isTransient: isTransientRollback },
      );
    } catch (error) {
      if (!isDefiniteRollback(error)) throw error;
      this.#fail(batch, this.#unavailable(batch, error, 'nothing was stored'));
    }
  }

  /** One write in its own transaction: for writes too large for one statement, and the duplicate-key fallback. */
  async #runAlone(entry: Entry): Promise<void> {
    const t = this.base.tables;
    const marker = `memento:write:${randomUUID()}`;
    let client: PgPoolClient;
    try {
      client = await this.base.connect('journal.write', entry.persistenceId);
    } catch (error) {
      this.#fail([entry], this.#unavailable([entry], failureCause(error), 'nothing was sent'));
      return;
    }
    const run = (statement: { text: string; values: unknown[] }) => client.query<{ ordering?: string }>(statement.text, statement.values);
    let inTransaction = false;
    try {
      await client.query(`/* ${marker} */ BEGIN`);
      inTransaction = true;
      const advanced = await run(advanceStreamStatement(t, entry, marker));
      if (advanced.rows.length === 0) {
        await client.query('ROLLBACK');
        client.release();
        await this.#report([entry], new Set());
        return;
      }
      // After the stream's row lock, as the batch append takes them: one order, no deadlock between the two.
      await run(lockJournalStatement(this.base.schema, marker));
      let maxOrdering = '0';
      for (let at = 0; at < entry.rows.length; at += MAX_EVENTS_PER_STATEMENT) {
        const chunk = { ...entry, rows: entry.rows.slice(at, at + MAX_EVENTS_PER_STATEMENT) };
        const inserted = await run(insertEventsStatement(t, chunk, marker));
        maxOrdering = inserted.rows[inserted.rows.length - 1]?.ordering ?? maxOrdering;
      }
      if (this.notify) {
        await client.query(`/* ${marker} */ SELECT pg_notify($1, $2)`, [
          this.notify.channel,
          JSON.stringify({ schema: this.notify.schema, ordering: Number(maxOrdering) }),
        ]);
      }
      await client.query(`/* ${marker} */ COMMIT`);
      client.release();
      this.#settle(entry, undefined);
    } catch (error) {
      if (isDefiniteRollback(error)) {
        const rolledBack =
          !inTransaction ||
          (await client.query('ROLLBACK').then(
            () => true,
            () => false,
          ));
        client.release(rolledBack ? undefined : (error as Error));
        if (pgErrorCode(error) === UNIQUE_VIOLATION) await this.#report([entry], new Set(), true);
        else this.#fail([entry], this.#unavailable([entry], error, 'nothing was stored'));
        return;
      }
      client.release(error as Error);
      await this.#resolveAmbiguous([entry], marker, error);
    }
  }

  /** Settles writes: accepted ones stored, the others rejected with the conflict they hit. */
  async #report(entries: readonly Entry[], accepted: ReadonlySet<string>, checkEvents = false): Promise<void> {
    const rejected = entries.filter((entry) => !accepted.has(entry.persistenceId));
    for (const entry of entries) if (accepted.has(entry.persistenceId)) this.#settle(entry, undefined);
    if (rejected.length === 0) return;
    let highest: Map<string, number> | undefined;
    try {
      const ids = rejected.map((entry) => entry.persistenceId);
      const rows = await this.base.read<{ persistence_id: string; highest_sequence_nr: string }>(
        'journal.write',
        ids[0],
        highestSequenceNrsSql(this.base.tables),
        [ids],
      );
      highest = new Map(rows.map((row) => [row.persistence_id, Number(row.highest_sequence_nr)]));
      if (checkEvents) {
        for (const id of ids) {
          const [row] = await this.base.read<{ highest: string | null }>('journal.write', id, highestStoredEventSql(this.base.tables), [
            id,
          ]);
          highest.set(id, Math.max(highest.get(id) ?? 0, Number(row?.highest ?? 0)));
        }
      }
    } catch {
      // The conflict is certain even when the current highest cannot be read to describe it.
    }
    for (const entry of rejected) {
      const known = highest?.get(entry.persistenceId);
      this.#settle(
        entry,
        highest
          ? sequenceConflict(entry.persistenceId, (known ?? 0) + 1, entry.first, NAME)
          : new ConcurrencyError(
              `write to ${JSON.stringify(entry.persistenceId)}: expected first sequence number highest + 1, found ${entry.first} (rejected; the current highest could not be read)`,
              { persistenceId: entry.persistenceId, expected: 'highest + 1', actual: entry.first, source: NAME },
            ),
      );
    }
  }

  /**
   * The connection failed after the statement was sent: it may have committed. Ends the
   * abandoned backend, then looks for the write ids. The batch is one transaction, so
   * any write found means it committed and the missing ones were conflicts; none found
   * means nothing was stored.
   */
  async #resolveAmbiguous(entries: readonly Entry[], marker: string, cause: unknown): Promise<void> {
    let found: Set<string>;
    try {
      await this.base.settleAbandoned(marker);
      const rows = await this.base.read<{ write_id: string }>(
        'journal.write',
        entries[0]?.persistenceId,
        findWrittenSql(this.base.tables),
        [entries.map((entry) => entry.persistenceId), entries.map((entry) => entry.first), entries.map((entry) => entry.writeId)],
      );
      found = new Set(rows.map((row) => row.write_id));
    } catch (checkError) {
      this.#fail(
        entries,
        this.#unavailable(
          entries,
          cause,
          `the outcome is unknown: the check failed too (${describeFailure(checkError)}); replay before retrying`,
        ),
      );
      return;
    }
    if (found.size === 0) {
      this.#fail(entries, this.#unavailable(entries, cause, 'checked afterwards: nothing was stored, safe to retry'));
      return;
    }
    await this.#settleBatch(entries, new Set(entries.filter((entry) => found.has(entry.writeId)).map((entry) => entry.persistenceId)));
  }

  /**
   * The failure of each write of `entries`, naming its own persistence id: writes of other
   * callers grouped into the same statement share the cause, not the name.
   */
  #unavailable(entries: readonly Entry[], cause: unknown, outcome: string): (entry: Entry) => Error {
    const batch = entries.length > 1 ? `; part of a batch of ${entries.length} writes sent as one statement` : '';
    return (entry) => storeFailure(cause, 'journal.write', entry.persistenceId, `${batch}; ${outcome}`);
  }

  /** Events of the id in `[from, to]`, at most `max`, read page by page. */
}
