/**
 * Shared pieces of the conformance suites: factories, skips, ids, hostile ids.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, it, type TestContext } from 'vitest';
import { describeValue, type ErrorCode, isMementoError } from '../core/errors.js';
import type { OperationEvent, PersistenceHooks, SkippedSnapshot } from '../observability/hooks.js';
import type { Logger } from '../observability/logger.js';

/**
 * What the kit hands a store factory: pass `logger` and `hooks` into the store's options,
 * so the kit can check what the store reports (operations, skipped snapshots).
 */
export interface StoreContext {
  readonly logger: Logger;
  readonly hooks: PersistenceHooks;
}

/** Builds a fresh store for one test from the kit's {@link StoreContext}; the kit closes it afterwards. */
export type StoreFactory<S> = (context: StoreContext) => S | Promise<S>;

/** What the store under test reported through the kit's logger and hooks during one test. */
export interface Observed {
  readonly operations: OperationEvent[];
  readonly skipped: (SkippedSnapshot & { store: string })[];
  readonly logged: { level: keyof Logger; message: string; fields?: Record<string, unknown> | undefined }[];
}

/** A fresh {@link StoreContext} recording into a fresh {@link Observed}. */
export function observingContext(): { context: StoreContext; observed: Observed } {
  const observed: Observed = { operations: [], skipped: [], logged: [] };
  const log =
    (level: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      observed.logged.push({ level, message, fields });
    };
  const context: StoreContext = {
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    hooks: {
      onOperation: (event) => observed.operations.push(event),
      onSnapshotSkipped: (event) => observed.skipped.push(event),
    },
  };
  return { context, observed };
}

/** A group of tests an implementation cannot pass, and why (printed as a skipped test). */
export interface ConformanceSkip {
  readonly reason: string;
  readonly tests: readonly string[];
}

/** Options every conformance suite accepts. */
export interface ConformanceOptions<S> {
  /** Tests this store opts out of, each with a reason. @default [] */
  readonly skip?: readonly ConformanceSkip[];
  /** Runs after each test, after the store is closed (e.g. drop a schema). */
  readonly teardown?: (store: S) => void | Promise<void>;
}

/** A unique persistence id per test, so stores may share one database between tests. */
export const uniqueId = (label: string): string => `tck-${label}-${randomUUID()}`;

/**
 * Persistence ids that break naive key or path encodings. Each must round-trip and none
 * may see another's data. The unique suffix keeps runs independent; the hostile part
 * comes first so it is what a store's encoding meets.
 */
export function hostileIds(): string[] {
  const suffix = randomUUID().slice(0, 8);
  return [
    `../x-${suffix}`,
    `a/b-${suffix}`,
    `%2F-${suffix}`,
    `..-${suffix}`,
    `.-${suffix}`,
    `A-${suffix}`,
    `a-${suffix}`,
    `\\..\\..\\windows-${suffix}`,
    `a%2Fb-${suffix}`,
    `a／b-${suffix}`, // fullwidth solidus, a look-alike of '/'
    `a∕b-${suffix}`, // division slash
    `ａ-${suffix}`, // fullwidth a
    `e\u0301-${suffix}`, // e + combining accent, distinct from é
    `é-${suffix}`,
    `${'é'.repeat(123)}${suffix}`, // 2-byte characters: 246 + 8 = 254 bytes
    `${'🦀'.repeat(61)}${suffix.slice(0, 7)}`, // 4-byte characters: 244 + 7 = 251 bytes
    `space and * ? " < > | :-${suffix}`,
    `${'x'.repeat(255 - suffix.length)}${suffix}`, // exactly 255 bytes
  ];
}

/** Ids that must be rejected with InvalidPersistenceIdError. */
export const invalidIds: readonly unknown[] = ['', 'nul\u0000id', 'line\nbreak', 'del\u007f', `${'x'.repeat(256)}`, 42, null, undefined];

/** Collects an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** A value no serializer can encode: reading its property throws. */
export function unserializableValue(): unknown {
  return {
    get poison(): never {
      throw new Error('this value cannot be serialized (tck)');
    },
  };
}

/** A string of about `bytes` bytes that does not compress to nothing. */
export function largeString(bytes: number): string {
  const chunk = randomUUID().replace(/-/g, '');
  let out = '';
  while (out.length < bytes) out += `${chunk}${out.length.toString(36)}`;
  return out.slice(0, bytes);
}

/** Registers the tests of one conformance suite (see {@link conformanceTest}). */
export interface ConformanceTestRegistrar {
  /** Registers a test, or a visibly skipped one with its reason when the options list it. */
  (title: string, body: (context: TestContext) => Promise<void>, timeoutMs?: number): void;
  /** Registers a test the kit cannot run for this store, shown as skipped with `reason`. */
  unavailable(title: string, reason: string): void;
  /** Registers a test failing when a `skip` entry names a test this suite does not have. */
  checkSkipList(): void;
}

/** The registrar of one suite's tests, honouring `options.skip`. */
export function conformanceTest(options: { readonly skip?: readonly ConformanceSkip[] }): ConformanceTestRegistrar {
  const titles = new Set<string>();
  const register = (title: string, body: (context: TestContext) => Promise<void>, timeoutMs?: number) => {
    titles.add(title);
    const reason = options.skip?.find((entry) => entry.tests.includes(title))?.reason;
    if (reason) it.skip(`${title} (skipped: ${reason})`, body);
    else it(title, body, timeoutMs);
  };
  return Object.assign(register, {
    unavailable(title: string, reason: string) {
      titles.add(title);
      it.skip(`${title} (skipped: ${reason})`, async () => {});
    },
    checkSkipList() {
      it('skips only tests this suite has', () => {
        const unknown = (options.skip ?? []).flatMap((entry) => entry.tests).filter((title) => !titles.has(title));
        expect(unknown, `options.skip names tests this suite does not have: ${JSON.stringify(unknown)}`).toEqual([]);
      });
    },
  });
}

/**
 * Resolves with `promise`, or fails after `ms` saying `what` did not happen. A bound on a
 * wait for an event, never a stand-in for it.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} (waited ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Poll interval of live queries over a store that declares notifications: far beyond any
 * test's timeout, so what a live query delivers can only have come through a notification.
 */
export const UNREACHABLE_POLL_MS = 3_600_000;

/**
 * How long a live test waits for one delivery before failing with a message naming it:
 * generous, because a loaded machine (a CI runner, parallel suites) can hold a notification
 * for seconds; a store that never notifies still fails, just later.
 */
export const DELIVERY_BOUND_MS = 15_000;

/** The timeout of a live test making `waits` bounded waits one after another, so each wait's own message shows first. */
export const liveTestTimeoutMs = (waits: number): number => (waits + 1) * DELIVERY_BOUND_MS;

/**
 * Gives every test a fresh store from `factory` and an id of its own named after `idLabel`
 * (handed to `onCreate` with what the store reports), closes the store and runs the options'
 * teardown afterwards; returns the suite's test registrar.
 */
export function freshStorePerTest<S extends { close(): Promise<void> }>(
  factory: StoreFactory<S>,
  options: ConformanceOptions<S>,
  idLabel: string,
  onCreate: (store: S, observed: Observed, id: string) => void,
): ConformanceTestRegistrar {
  let current: S | undefined;
  beforeEach(async () => {
    const { context, observed } = observingContext();
    current = await factory(context);
    onCreate(current, observed, uniqueId(idLabel));
  });
  afterEach(async () => {
    if (!current) return;
    await current.close();
    await options.teardown?.(current);
    current = undefined;
  });
  return conformanceTest(options);
}

/** Renders what a store returned for a failed expectation: errors with their code and message. */
export function shown(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return `${value.name}${code === undefined ? '' : ` (${String(code)})`}: ${value.message}`;
  }
  return describeValue(value);
}

/** Fails, showing what was found, unless `value` is a MementoError with `code`. */
export function expectMementoError(value: unknown, code: ErrorCode, what: string): void {
  if (!isMementoError(value, code)) expect.fail(`${what}: expected a MementoError with code ${code}, found ${shown(value)}`);
}

/** Fails, showing what was found, unless `promise` rejects with a MementoError with `code`. */
export async function expectRejection(promise: Promise<unknown>, code: ErrorCode, what: string): Promise<void> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ rejected: error }),
  );
  if ('resolved' in outcome)
    expect.fail(`${what}: expected a rejection with code ${code}, but it resolved with ${shown(outcome.resolved)}`);
  expectMementoError(outcome.rejected, code, what);
}

/** Names and counts of the process's active handles that are not timers (sockets, servers, files, child processes). */
function openHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) {
    if (name === 'Timeout' || name === 'Immediate') continue;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** Handles open now beyond those in `before`, e.g. `["TCPSocketWrap +1"]`. */
function handlesAddedSince(before: Map<string, number>): string[] {
  return [...openHandles()]
    .filter(([name, count]) => count > (before.get(name) ?? 0))
    .map(([name, count]) => `${name} +${count - (before.get(name) ?? 0)}`);
}

/**
 * Builds a second store, lets `use` touch it (so lazy clients connect), closes it, and
 * fails when handles it opened (sockets, servers, files) are still open. Closing a socket
 * finishes on a later turn of the event loop, so the check waits up to 200 turns for them.
 */
export async function expectClosedStoreReleasesItsHandles<S extends { close(): Promise<void> }>(
  factory: StoreFactory<S>,
  options: ConformanceOptions<S>,
  use: (store: S) => Promise<void>,
): Promise<void> {
  const before = openHandles();
  const store = await factory(observingContext().context);
  try {
    await use(store);
  } finally {
    await store.close();
    await options.teardown?.(store);
  }
  let added = handlesAddedSince(before);
  for (let turn = 0; turn < 200 && added.length > 0; turn++) {
    await new Promise((resolve) => setImmediate(resolve));
    added = handlesAddedSince(before);
  }
  expect(added, 'handles still open after close() (a client, pool or file the store opened itself and did not close)').toEqual([]);
}

/** The names in `methods` that `store` has no function for: a capability declared without its methods. */
export function missingMethods(store: object, methods: readonly string[]): string[] {
  return methods.filter((method) => typeof (store as Record<string, unknown>)[method] !== 'function');
}
