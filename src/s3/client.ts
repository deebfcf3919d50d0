/**
 * The small part of `@aws-sdk/client-s3` this plugin uses, typed here so the package does
 * not depend on the SDK's types, and the lazy loader for the SDK itself (an optional peer
 * dependency: importing `memento-es/s3` works without it; using it fails clearly).
 * @module
 */
import type { Readable } from 'node:stream';
import { importOptionalPeer } from '../core/optional-peer.js';

/** A command built by the SDK; `Output` is what sending it resolves with. */
export interface S3Command<Output = unknown> {
  /** The command's parameters. */
  readonly input: object;
  /** Never set: carries the output type for {@link send}. */
  readonly __output?: Output;
}

/** Options of one request. */
export interface S3SendOptions {
  /** Aborts the request. */
  readonly abortSignal?: AbortSignal;
}

/** An `S3Client` of `@aws-sdk/client-s3` v3, as far as this plugin uses it. */
export interface S3ClientLike {
  /** Sends one command. */
  send(command: S3Command, options?: S3SendOptions): Promise<unknown>;
  /** Closes the client's connections. */
  destroy(): void;
  /** The resolved configuration (the store reads `maxAttempts`). */
  readonly config: object;
}

/**
 * Settings of the client the store builds: an `S3ClientConfig` of `@aws-sdk/client-s3`
 * (`endpoint`, `region`, `credentials`, `forcePathStyle`, ...), passed on as given.
 */
export type S3ClientSettings = object;

/** A streamed or buffered response body. */
export type S3Body = unknown;

/** A request body: bytes or a stream of them. */
export type S3UploadBody = Uint8Array | Readable;

/** One object of a ListObjectsV2 page. */
export interface S3ListedObject {
  readonly Key?: string;
  readonly Size?: number;
  readonly ETag?: string;
}

/** The fields of a ListObjectsV2 answer this plugin reads. */
export interface ListObjectsV2Output {
  readonly Contents?: readonly S3ListedObject[];
  readonly IsTruncated?: boolean;
  readonly NextContinuationToken?: string;
}

/** The fields of a GetObject answer this plugin reads. */
export interface GetObjectOutput {
  readonly Body?: S3Body;
  readonly ContentLength?: number;
  readonly ContentRange?: string;
  readonly ETag?: string;
}

/** The fields of a DeleteObjects answer this plugin reads. */
export interface DeleteObjectsOutput {
  readonly Errors?: readonly { readonly Key?: string; readonly Code?: string; readonly Message?: string }[];
}

type CommandClass<Input, Output = unknown> = new (input: Input) => S3Command<Output>;
interface ObjectInput {
  readonly Bucket: string;
  readonly Key: string;
}

/** The classes of `@aws-sdk/client-s3` this plugin uses. */
export interface S3Sdk {
  readonly S3Client: new (config: object) => S3ClientLike;
  readonly ListObjectsV2Command: CommandClass<
    { Bucket: string; Prefix: string; MaxKeys: number; StartAfter?: string; ContinuationToken?: string },
    ListObjectsV2Output
  >;
  readonly GetObjectCommand: CommandClass<ObjectInput & { Range?: string }, GetObjectOutput>;
  readonly PutObjectCommand: CommandClass<ObjectInput & { Body: S3UploadBody; ContentLength?: number; ContentType?: string }>;
  readonly DeleteObjectsCommand: CommandClass<
    { Bucket: string; Delete: { Objects: { Key: string }[]; Quiet: boolean } },
    DeleteObjectsOutput
  >;
  readonly DeleteObjectCommand: CommandClass<ObjectInput>;
  readonly HeadObjectCommand: CommandClass<ObjectInput>;
  readonly CreateBucketCommand: CommandClass<{ Bucket: string }>;
  readonly HeadBucketCommand: CommandClass<{ Bucket: string }>;
}

/** `Upload` of `@aws-sdk/lib-storage`, as far as this plugin uses it. */
export interface S3Upload {
  done(): Promise<unknown>;
  abort(): Promise<unknown>;
}

/** The part of `@aws-sdk/lib-storage` this plugin uses. */
export interface S3LibStorage {
  readonly Upload: new (options: {
    client: S3ClientLike;
    params: { Bucket: string; Key: string; Body: S3UploadBody; ContentType: string };
    partSize: number;
    queueSize: number;
    leavePartsOnError: boolean;
  }) => S3Upload;
}

/** Sends `command` and types the answer by the command. */
export const send = <Output>(client: S3ClientLike, command: S3Command<Output>, signal?: AbortSignal): Promise<Output> =>
  client.send(command, { abortSignal: signal }) as Promise<Output>;

let sdk: Promise<S3Sdk> | undefined;

/**
 * Loads `@aws-sdk/client-s3` on first use (one import per process). A missing SDK rejects
 * with a `PeerDependencyError` that says how to install it; the next call tries again.
 */
export function loadS3Sdk(): Promise<S3Sdk> {
  // Typed against the installed SDK here, so the compiler checks the subset above matches it.
  sdk ??= importOptionalPeer<typeof import('@aws-sdk/client-s3')>({ name: '@aws-sdk/client-s3', source: 's3' }).then(
    (module): S3Sdk => module,
  );
  sdk.catch(() => {
    sdk = undefined;
  });
  return sdk;
}

/** Loads `@aws-sdk/lib-storage` (multipart uploads); rejects with a `PeerDependencyError` when it is not installed. */
export function loadLibStorage(): Promise<S3LibStorage> {
  // Upload's client type is the SDK's own S3Client, which every S3ClientLike given here is.
  return importOptionalPeer<typeof import('@aws-sdk/lib-storage')>({ name: '@aws-sdk/lib-storage', source: 's3' }).then(
    (module) => module as unknown as S3LibStorage,
  );
}
