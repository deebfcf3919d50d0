/**
 * Point reads that arrive together go out as one statement. Recovering many entities at
 * once (after a restart, or a burst of new ids) asks each store the same small question per
 * id; one statement per id makes the round trips, not the rows, the cost. A request goes
 * out at once while fewer than `maxInFlight` statements run, so a lone read on an idle store
 * waits for nothing; later ones queue and leave together when a statement returns.
 * @module
 */
import { isMementoError } from '../core/errors.js';
import { storeFailure } from './errors.js';
import type { PostgresBase } from './store-base.js';

interface Waiting<Request, Result> {
  readonly request: Request;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/** What a batch statement needs from each request: the id its failure is reported for. */
export interface BatchRequest {
  readonly persistenceId: string;
}

export class ReadBatcher<Request extends BatchRequest, Result> {
  readonly #queue: Waiting<Request, Result>[] = [];
  #inFlight = 0;

  /**
   * `run` answers every request of a batch, in order, through one statement of
   * `base.read(operation, ...)`.
   */
  constructor(
    private readonly base: PostgresBase,
    private readonly operation: string,
    private readonly run: (requests: readonly Request[]) => Promise<Result[]>,
    private readonly limits: { readonly maxInFlight: number; readonly maxBatch: number },
  ) {}

  submit(request: Request): Promise<Result> {
    // Nothing to share a statement with: run it now, without the queue's promise and its hops.
    if (this.#queue.length === 0 && this.#inFlight < this.limits.maxInFlight) return this.#alone(request);
    return new Promise<Result>((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#pump();
    });
  }

  async #alone(request: Request): Promise<Result> {
    this.#inFlight++;
    try {
      return (await this.run([request]))[0] as Result;
    } catch (error) {
      throw this.#failure(error, request);
    } finally {
      this.#inFlight--;
      this.#pump();
    }
  }

  /** One statement failed for all of its requests; each caller hears it for its own id. */
  #failure(error: unknown, request: Request): unknown {
    const cause = isMementoError(error) && error.cause !== undefined ? error.cause : error;
    return storeFailure(cause, this.operation, request.persistenceId);
  }

  #pump(): void {
    while (this.#inFlight < this.limits.maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.limits.maxBatch);
      this.#inFlight++;
      this.run(batch.map((waiting) => waiting.request))
        .then(
          (results) => {
            for (let i = 0; i < batch.length; i++) (batch[i] as Waiting<Request, Result>).resolve(results[i] as Result);
          },
          (error: unknown) => {
            for (const waiting of batch) waiting.reject(this.#failure(error, waiting.request));
          },
        )
        .finally(() => {
          this.#inFlight--;
          this.#pump();
        });
    }
  }

  /** The statement's rows, through the store's retried read (no id: the batch has many). */
  read<R>(text: string, values: unknown[]): Promise<R[]> {
    return this.base.read<R>(this.operation, undefined, text, values);
  }
}
