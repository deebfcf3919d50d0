/**
 * `COPY (query) TO STDOUT (FORMAT binary)` through `pg`: the one way `pg` hands over result
 * bytes as they are. Its row results always arrive as text (a bytea as hex, twice its size,
 * decoded from a UTF-8 string), and packing a page into one large text value cost the server
 * page faults on every page (docs/performance.md). The query runs as a `pg` submittable (the
 * interface pg-cursor and pg-copy-streams use) on a connection of its own.
 * @module
 */
import { withRetry } from '../spi/retry.js';
import { isTransient, storeFailure } from './errors.js';
import type { PgPoolClient } from './pg-client.js';
import type { PostgresBase } from './store-base.js';

/** What `pg` hands a submittable: the connection it writes the query to. */
interface SubmitConnection {
  query(text: string): void;
}

/** The smallest buffer a COPY starts with; it doubles as rows arrive beyond it. */
const MIN_BUFFER_BYTES = 64 * 1024;

/** Collects the CopyData of one COPY TO STDOUT into one buffer. */
class CopyOut {
  readonly text: string;
  readonly done: Promise<Buffer>;
  #buffer: Buffer;
  #length = 0;
  #resolve!: (bytes: Buffer) => void;
  #reject!: (error: unknown) => void;
  #settled = false;

  constructor(text: string, expectedBytes: number) {
    this.text = text;
    this.#buffer = Buffer.allocUnsafe(Math.max(MIN_BUFFER_BYTES, expectedBytes));
    this.done = new Promise<Buffer>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  submit(connection: SubmitConnection): void {
    connection.query(this.text);
  }

  /** `chunk` may be a view of pg's own receive buffer, reused later: it is copied now. */
  handleCopyData(message: { chunk: Buffer }): void {
    const chunk = message.chunk;
    const needed = this.#length + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    // One CopyData per row: TypedArray set costs a fraction of Buffer.copy's checks per call.
    this.#buffer.set(chunk, this.#length);
    this.#length = needed;
  }

  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}

  handleError(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }

  handleReadyForQuery(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(this.#buffer.subarray(0, this.#length));
  }
}

/** A pooled client that may take a submittable: `pg.PoolClient` does and returns it. */
type SubmittingClient = PgPoolClient & { query(submittable: CopyOut): unknown };

const RULES = { isTransient };

/**
 * The bytes `COPY (query) TO STDOUT (FORMAT binary)` of `text` sends, on a pooled connection,
 * retried like a read; `undefined` when the pool's clients do not take submittables (a pool
 * that is not `pg`'s), for the caller to read another way. `expectedBytes` sizes the buffer
 * the rows are collected into (a replay passes its last page's size): grown by doubling from
 * 64 KiB instead, each page also left about its own size in discarded smaller buffers, memory
 * outside the JavaScript heap that the garbage collector frees late.
 */
export async function copyOut(
  base: PostgresBase,
  operation: string,
  persistenceId: string,
  text: string,
  expectedBytes = 0,
): Promise<Buffer | undefined> {
  try {
    return await withRetry(
      base.retry,
      async () => {
        const client = (await (await base.pool()).connect()) as SubmittingClient;
        // A connection that drops while checked out emits 'error'; without a listener Node would crash the process.
        const ignore = () => {};
        client.on('error', ignore);
        const copy = new CopyOut(text, expectedBytes);
        let failed: unknown;
        try {
          let returned: unknown;
          try {
            returned = client.query(copy);
          } catch {
            // Not pg's client: a wrapper that expected query text.
          }
          if (returned !== copy) {
            // Not pg's client: whatever it made of the object is dropped, and its connection with it.
            Promise.resolve(returned).catch(() => {});
            failed = new Error('client does not take submittables');
            return undefined;
          }
          return await copy.done;
        } catch (error) {
          failed = error;
          throw error;
        } finally {
          client.removeListener('error', ignore);
          // After a failure the connection's state is unknown: it is closed rather than reused.
          client.release(failed === undefined ? undefined : true);
        }
      },
      RULES,
    );
  } catch (error) {
    throw storeFailure(error, operation, persistenceId);
  }
}

/**
 * `value` as a string literal for a statement that takes no parameters (COPY), safe whatever
 * `standard_conforming_strings` says: quotes doubled, and backslashes doubled in an `E''`
 * literal when there are any (as `pg`'s escapeLiteral does). Persistence ids hold no NUL.
 */
export function quoteLiteral(value: string): string {
  const quoted = value.replaceAll("'", "''");
  return value.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}
