/**
 * One store's way to its bucket: the client (the caller's, or one built on first use),
 * the SDK loaded lazily, and every call run under the retry policy.
 * @module
 */
import { withoutUndefined } from '../core/validation.js';
import type { Logger } from '../observability/logger.js';
import { withRetry } from '../spi/retry.js';
import { loadLibStorage, loadS3Sdk, type S3ClientLike, type S3LibStorage, type S3Sdk } from './client.js';
import { type CallContext, unavailable } from './errors.js';
import { createBucketIfMissing } from './helpers.js';
import type { S3StoreSettings } from './options.js';
import { isTransientS3Error } from './retry.js';

/** What one attempt of a call gets. */
export interface S3Attempt {
  /** Aborted when the attempt times out or the call is cancelled. */
  readonly signal: AbortSignal;
  readonly client: S3ClientLike;
  readonly sdk: S3Sdk;
}

/** The bucket of one store, with its client and retry policy. */
export class S3Bucket {
  /** The bucket's name. */
  readonly name: string;
  /** False when the caller passed the client in (then the store never destroys it). */
  readonly ownsClient: boolean;
  #client: S3ClientLike | undefined;
  #connecting: Promise<{ client: S3ClientLike; sdk: S3Sdk }> | undefined;
  #libStorage: Promise<S3LibStorage | undefined> | undefined;
  #created: Promise<void> | undefined;

  constructor(
    readonly settings: S3StoreSettings,
    private readonly stopped: () => boolean,
    private readonly logger: Logger,
  ) {
    this.name = settings.bucket;
    this.#client = settings.client;
    this.ownsClient = settings.client === undefined;
  }

  /** Loads the SDK and builds the client when the store owns it (once). */
  connect(): Promise<{ client: S3ClientLike; sdk: S3Sdk }> {
    this.#connecting ??= loadS3Sdk().then((sdk) => {
      this.#client ??= this.#build(sdk);
      return { sdk, client: this.#client };
    });
    this.#connecting.catch(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** The client built so far, if any. */
  get built(): S3ClientLike | undefined {
    return this.#client;
  }

  /** Runs one S3 call under the retry policy; failures become StoreUnavailableError. `cancel` stops it for good. */
  async call<T>(context: CallContext, attempt: (access: S3Attempt) => Promise<T>, cancel?: AbortSignal): Promise<T> {
    const { client, sdk } = await this.connect();
    return withRetry(this.settings.retry, (signal) => attempt({ signal, client, sdk }), {
      isTransient: isTransientS3Error,
      shouldStop: () => this.stopped() || cancel?.aborted === true,
      fail: (failure) => unavailable(this.name, context, failure),
    });
  }

  /** Creates the bucket once, on first use, when the settings ask for it; a failed attempt is tried again next time. */
  ready(persistenceId: string): Promise<void> {
    if (!this.settings.createBucket) return Promise.resolve();
    if (!this.#created) {
      const context = { operation: 'createBucket', command: 'CreateBucket', persistenceId, key: '' };
      this.#created = this.call(context, ({ client, signal }) => createBucketIfMissing(client, this.name, { abortSignal: signal })).then(
        () => undefined,
      );
      this.#created.catch(() => {
        this.#created = undefined;
      });
    }
    return this.#created;
  }

  /** Whether the client retries requests itself (`maxAttempts` above 1, the SDK's default is 3). */
  async clientRetries(): Promise<boolean> {
    if (this.ownsClient) return false;
    const { client } = await this.connect();
    const setting = (client.config as { maxAttempts?: unknown }).maxAttempts;
    try {
      const attempts = typeof setting === 'function' ? await (setting as () => Promise<unknown>)() : setting;
      return typeof attempts !== 'number' || attempts > 1;
    } catch {
      return true;
    }
  }

  /** lib-storage is an optional peer: without it, large snapshots go up in one PutObject (said once, in the log). */
  multipart(): Promise<S3LibStorage | undefined> {
    this.#libStorage ??= loadLibStorage().catch((error: unknown) => {
      this.logger.warn('[memento] [s3] @aws-sdk/lib-storage is not installed; large snapshots upload in one PutObject', {
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    });
    return this.#libStorage;
  }

  #build(sdk: S3Sdk): S3ClientLike {
    // `region: process.env.REGION` with the variable unset must not erase the default region.
    const config = withoutUndefined(this.settings.clientConfig) as { endpoint?: unknown };
    const compatible = config.endpoint !== undefined;
    return new sdk.S3Client({
      maxAttempts: 1,
      ...(compatible
        ? { region: 'us-east-1', requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
        : {}),
      ...config,
    });
  }
}
