/**
 * Small S3 helpers, the ones users of the mintBlue S3 recorder know (create bucket, exists,
 * upload, download, delete), each taking the client so nothing is global. They do not
 * retry; the snapshot store wraps them in its retry loop. Each loads `@aws-sdk/client-s3`
 * on first use.
 * @module
 */
import { loadS3Sdk, type S3ClientLike, send } from './client.js';

/** Options every helper accepts. */
export interface S3CallOptions {
  /** Aborts the request (and the body download). */
  readonly abortSignal?: AbortSignal;
}

/** The fields of an AWS SDK error the helpers look at. */
interface S3ErrorShape {
  readonly name?: string;
  readonly Code?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const shape = (error: unknown): S3ErrorShape => (typeof error === 'object' && error !== null ? (error as S3ErrorShape) : {});

/** HTTP status of an SDK error, when it got a response. */
export const httpStatusOf = (error: unknown): number | undefined => shape(error).$metadata?.httpStatusCode;

/** True when the SDK error means "no such bucket/key" (servers disagree on the name; 404 is common). */
export function isNotFound(error: unknown): boolean {
  const { name, Code } = shape(error);
  return name === 'NotFound' || name === 'NoSuchKey' || name === 'NoSuchBucket' || Code === 'NoSuchKey' || httpStatusOf(error) === 404;
}

/**
 * Creates the bucket unless it exists. BucketAlreadyOwnedByYou and BucketAlreadyExists
 * count as success (another process may create it at the same moment). Resolves true
 * when this call created it.
 */
export async function createBucketIfMissing(client: S3ClientLike, bucket: string, options: S3CallOptions = {}): Promise<boolean> {
  const { CreateBucketCommand } = await loadS3Sdk();
  try {
    await send(client, new CreateBucketCommand({ Bucket: bucket }), options.abortSignal);
    return true;
  } catch (error) {
    const { name, Code } = shape(error);
    const code = Code ?? name;
    if (code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists') return false;
    throw error;
  }
}

/** True when the bucket exists and is reachable with these credentials; false on 404. */
export async function bucketExists(client: S3ClientLike, bucket: string, options: S3CallOptions = {}): Promise<boolean> {
  const { HeadBucketCommand } = await loadS3Sdk();
  try {
    await send(client, new HeadBucketCommand({ Bucket: bucket }), options.abortSignal);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * Stores bytes (or a string, as UTF-8) under a key in one PutObject. The body is a buffer,
 * never a stream, so the SDK never sends it aws-chunked (which some S3-compatible servers
 * store verbatim) and can resend it when retrying.
 */
export async function upload(
  client: S3ClientLike,
  bucket: string,
  key: string,
  body: Uint8Array | string,
  options: S3CallOptions & { readonly contentType?: string } = {},
): Promise<void> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const { PutObjectCommand } = await loadS3Sdk();
  await send(
    client,
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: bytes,
      ContentLength: bytes.length,
      ContentType: options.contentType ?? 'application/octet-stream',
    }),
    options.abortSignal,
  );
}

/** A body that did not match its Content-Length (cut short, usually): a transient network fault, worth a retry. */
export class TruncatedBodyError extends Error {
  /** Marks the error retryable for the store's retry loop. */
  readonly $retryable = { throttling: false };
  constructor(
    readonly expectedBytes: number,
    readonly receivedBytes: number,
  ) {
    super(`response body had ${receivedBytes} bytes where Content-Length announced ${expectedBytes}`);
    this.name = 'TruncatedBodyError';
  }
}

/**
 * Reads a streamed response body into one buffer. With a known length the buffer is
 * allocated once and filled as chunks arrive (peak memory: the object's size, not twice
 * it), and `filled`, when given, hears the buffer and how many bytes are in after each
 * chunk. Aborting the signal destroys the stream.
 */
export async function readBody(
  body: unknown,
  expectedLength: number | undefined,
  signal?: AbortSignal,
  filled?: (buffer: Buffer, bytes: number) => void,
): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (expectedLength !== undefined) {
    const out = Buffer.allocUnsafe(expectedLength);
    await readBodyInto(body, out, 0, expectedLength, signal, filled && ((bytes) => filled(out, bytes)));
    return out;
  }
  return withAbort(body, signal, async (stream) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return Buffer.concat(chunks);
  });
}

/**
 * Reads a streamed body of exactly `length` bytes into `target` at `offset` (one range of
 * a larger download); a body longer or shorter than that is a {@link TruncatedBodyError}.
 * `filled`, when given, hears how many bytes are in after each chunk.
 */
export async function readBodyInto(
  body: unknown,
  target: Uint8Array,
  offset: number,
  length: number,
  signal?: AbortSignal,
  filled?: (bytes: number) => void,
): Promise<void> {
  if (body instanceof Uint8Array) {
    if (body.byteLength !== length) throw new TruncatedBodyError(length, body.byteLength);
    target.set(body, offset);
    filled?.(length);
    return;
  }
  await withAbort(body, signal, async (stream) => {
    let at = 0;
    for await (const chunk of stream) {
      if (at + chunk.length > length) throw new TruncatedBodyError(length, at + chunk.length);
      target.set(chunk, offset + at);
      at += chunk.length;
      filled?.(at);
    }
    if (at !== length) throw new TruncatedBodyError(length, at);
  });
}

type BodyStream = AsyncIterable<Uint8Array> & { destroy?: (error?: Error) => void };

/** Runs `read` over a body stream, destroying the stream when `signal` aborts. */
async function withAbort<T>(body: unknown, signal: AbortSignal | undefined, read: (stream: BodyStream) => Promise<T>): Promise<T> {
  const stream = (body ?? []) as BodyStream;
  const onAbort = () => stream.destroy?.(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) onAbort();
    return await read(stream);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The object's bytes, or null when there is no such key. Streams the body into one buffer. */
export async function download(client: S3ClientLike, bucket: string, key: string, options: S3CallOptions = {}): Promise<Buffer | null> {
  const { GetObjectCommand } = await loadS3Sdk();
  try {
    const response = await send(client, new GetObjectCommand({ Bucket: bucket, Key: key }), options.abortSignal);
    return await readBody(response.Body, response.ContentLength, options.abortSignal);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** Deletes a key; deleting a missing key succeeds (as S3 itself answers). */
export async function deleteObject(client: S3ClientLike, bucket: string, key: string, options: S3CallOptions = {}): Promise<void> {
  const { DeleteObjectCommand } = await loadS3Sdk();
  await send(client, new DeleteObjectCommand({ Bucket: bucket, Key: key }), options.abortSignal);
}

/** True when the key exists (HeadObject); false on 404. */
export async function objectExists(client: S3ClientLike, bucket: string, key: string, options: S3CallOptions = {}): Promise<boolean> {
  const { HeadObjectCommand } = await loadS3Sdk();
  try {
    await send(client, new HeadObjectCommand({ Bucket: bucket, Key: key }), options.abortSignal);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
