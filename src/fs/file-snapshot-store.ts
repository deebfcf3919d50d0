/**
 * Snapshot store over a directory: one file per snapshot, written atomically.
 * @module
 */

import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CorruptSnapshotError, InvalidArgumentError, StoreUnavailableError } from '../core/errors.js';
import { pageOfIds } from '../core/persistence-id.js';
import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { Serialization } from '../serialization/serialization.js';
import type { SnapshotCapabilities } from '../spi/capabilities.js';
import { GuardedSnapshotStore, type SnapshotStoreCore } from '../spi/guarded-snapshot-store.js';
import { idFromSegments, idSegments } from '../spi/id-segments.js';
import { KeyedLock } from '../spi/keyed-lock.js';
import { decodeSnapshotFrame, encodeSnapshotFrame } from '../spi/snapshot-frame.js';
import type { SnapshotSizeOptions } from '../spi/snapshot-support.js';
import { decodeSnapshot, loadYoungestReadable, type SkipReporting } from '../spi/snapshot-support.js';
import type { StoreOptions } from '../spi/store-options.js';
import { parseSnapshotFileName, snapshotFileName, TEMP_SUFFIX } from './layout.js';
import { KnownFiles, readNames, readWhole } from './snapshot-file-read.js';

const NAME = 'fs';

/** Options of {@link FileSnapshotStore}. */
export interface FileSnapshotStoreOptions extends StoreOptions, SnapshotSizeOptions {
  /** Root directory of the store; created when missing. Everything under it belongs to the store. */
  readonly directory: string;
  /**
   * Flush each snapshot file and its directory to disk before `save` resolves, so a saved
   * snapshot survives power loss. Turn off only for tests or throw-away data.
   * @default true
   */
  readonly fsync?: boolean;
  /**
   * Temp files older than this are left-overs of a crashed save and are deleted on the next
   * save of the same id. Younger ones may belong to a save running in another process.
   * @default 60000
   */
  readonly staleTempFileMs?: number;
}

/** One snapshot file found in an id's directory. */
interface SnapshotFile {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly timestamp: number;
  readonly name: string;
}

/** The files of one id: per sequence number the winner, plus left-over duplicates. */
interface DirectoryListing {
  /** One file per sequence number, ascending. */
  readonly snapshots: SnapshotFile[];
  /** Older duplicates of a sequence number (a crash during a replacing save left both). */
  readonly duplicates: SnapshotFile[];
  /** Names of temp files. */
  readonly temps: string[];
}

const isCode = (error: unknown, ...codes: string[]): boolean =>
  typeof error === 'object' && error !== null && codes.includes((error as { code?: string }).code ?? '');

/** A snapshot serialized as a frame, ready to write. */
interface PreparedFrame {
  readonly parts: Uint8Array[];
  readonly bytes: number;
}

/** The I/O of {@link FileSnapshotStore}. */
class FileSnapshotCore implements SnapshotStoreCore<PreparedFrame> {
  /** Lists the ids it holds snapshots of (by walking the directory tree). */
  readonly capabilities: SnapshotCapabilities = { listing: true };
  readonly #directory: string;
  readonly #fsync: boolean;
  readonly #staleTempFileMs: number;
  readonly #serialization: Serialization;
  /** Saves and deletes of one (id, sequence number) in this process run one at a time. */
  readonly #locks = new KeyedLock();
  /** Temp files of saves in flight in this process: never cleaned up from under them. */
  readonly #inFlight = new Set<string>();
  /** Per id, the file this store saved or loaded last: where the next load starts reading. */
  readonly #known = new KnownFiles();

  constructor(options: FileSnapshotStoreOptions) {
    if (typeof options?.directory !== 'string' || options.directory.length === 0) {
      throw new InvalidArgumentError('directory', `directory: expected a non-empty path, found ${String(options?.directory)}`, {
        expected: 'a non-empty path',
        actual: options?.directory,
        source: NAME,
      });
    }
    this.#directory = options.directory;
    this.#fsync = options.fsync ?? true;
    this.#staleTempFileMs = options.staleTempFileMs ?? 60_000;
    this.#serialization = options.serialization ?? new Serialization();
  }

  /** The root directory of the store. */
  get directory(): string {
    return this.#directory;
  }

  /** Directory holding the snapshots of `persistenceId` (for tools and tests). */
  directoryOf(persistenceId: string): string {
    return join(this.#directory, ...idSegments(persistenceId));
  }

  /** Path of the file holding snapshot `sequenceNr` of `persistenceId`, or undefined. */
  async pathOf(persistenceId: string, sequenceNr: number): Promise<string | undefined> {
    const dir = this.directoryOf(persistenceId);
    const found = (await this.#scan(persistenceId, dir, 'pathOf')).snapshots.find((file) => file.sequenceNr === sequenceNr);
    return found && join(dir, found.name);
  }

  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, reporting: SkipReporting): Promise<SelectedSnapshot | null> {
    const dir = this.directoryOf(persistenceId);
    // The known file is read while the directory is listed, and used only if the listing picks it.
    const known = this.#known.get(persistenceId);
    const early = known && criteria.matches(known) ? readWhole(join(dir, known.name), known.size) : undefined;
    early?.catch(() => undefined);
    const { snapshots } = await this.#scan(persistenceId, dir, 'load');
    if (known && !snapshots.some((file) => file.name === known.name)) this.#known.forget(persistenceId);
    const candidates = snapshots.filter((file) => criteria.matches(file)).reverse();
    return loadYoungestReadable(candidates, (file) => this.#read(dir, file, file.name === known?.name ? early : undefined), reporting);
  }

  prepareSave(metadata: SnapshotMetadata, snapshot: unknown): PreparedFrame {
    const { parts, length } = encodeSnapshotFrame(metadata, snapshot, this.#serialization);
    return { parts, bytes: length };
  }

  async save({ parts, bytes }: PreparedFrame, { persistenceId, sequenceNr, timestamp }: SnapshotMetadata): Promise<void> {
    await this.#locks.run(`${persistenceId}\u0000${sequenceNr}`, async () => {
      const dir = this.directoryOf(persistenceId);
      const name = snapshotFileName(sequenceNr, timestamp);
      await this.#io('save', persistenceId, dir, () => this.#mkdirDurable(dir));
      await this.#writeAtomically(persistenceId, dir, name, parts);
      this.#known.remember(persistenceId, { sequenceNr, timestamp, name, size: bytes });
      // Only now, with the new file durable, remove what it replaces and crash left-overs.
      const listing = await this.#scan(persistenceId, dir, 'save');
      const replaced = [...listing.snapshots, ...listing.duplicates].filter((file) => file.sequenceNr === sequenceNr && file.name !== name);
      const stale = await this.#staleTemps(dir, listing.temps);
      await this.#removeAll(persistenceId, dir, [...replaced.map((file) => file.name), ...stale], 'save');
    });
  }

  async delete({ persistenceId, sequenceNr }: SnapshotMetadata): Promise<void> {
    await this.#locks.run(`${persistenceId}\u0000${sequenceNr}`, async () => {
      if (this.#known.get(persistenceId)?.sequenceNr === sequenceNr) this.#known.forget(persistenceId);
      const dir = this.directoryOf(persistenceId);
      const listing = await this.#scan(persistenceId, dir, 'delete');
      const names = [...listing.snapshots, ...listing.duplicates].filter((file) => file.sequenceNr === sequenceNr).map((file) => file.name);
      await this.#removeAll(persistenceId, dir, names, 'delete');
    });
  }

  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    // A known file that stays is still where the next load starts (retention deletes older ones).
    const known = this.#known.get(persistenceId);
    if (known && criteria.matches(known)) this.#known.forget(persistenceId);
    const dir = this.directoryOf(persistenceId);
    const listing = await this.#scan(persistenceId, dir, 'deleteMatching');
    const matching = new Set(listing.snapshots.filter((file) => criteria.matches(file)).map((file) => file.sequenceNr));
    // Duplicates are garbage whatever the criteria say; matching sequence numbers go entirely.
    const names = [...listing.snapshots.filter((file) => matching.has(file.sequenceNr)), ...listing.duplicates].map((file) => file.name);
    await this.#removeAll(persistenceId, dir, names, 'deleteMatching');
  }

  async *list(persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    const { snapshots } = await this.#scan(persistenceId, this.directoryOf(persistenceId), 'list');
    for (const file of snapshots) {
      if (criteria.matches(file)) yield new SnapshotMetadata({ persistenceId, sequenceNr: file.sequenceNr, timestamp: file.timestamp });
    }
  }

  /**
   * Ids with at least one snapshot file, ascending by code point. Walks the whole tree on
   * every call (directory names are encodings, not in id order): a tool's listing, not a hot path.
   */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    const found: string[] = [];
    await this.#walk(this.#directory, [], found);
    return pageOfIds(found, afterId, limit);
  }

  /** Collects the ids under `dir`: a `~` directory holding a snapshot is an id, a `+` one continues one. */
  async #walk(dir: string, segments: readonly string[], found: string[]): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isCode(error, 'ENOENT')) return;
      throw this.#unavailable('listPersistenceIds', undefined, dir, error);
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      const next = [...segments, entry.name];
      if (entry.name.endsWith('+')) await this.#walk(path, next, found);
      else if (entry.name.endsWith('~')) {
        let id: string;
        try {
          id = idFromSegments(next);
        } catch {
          continue; // not a directory this store made
        }
        if ((await this.#scan(id, path, 'listPersistenceIds')).snapshots.length > 0) found.push(id);
      }
    }
  }

  async close(): Promise<void> {}

  /** Reads the id's directory: snapshot files by sequence number, duplicates, temp files. */
  async #scan(persistenceId: string, dir: string, operation: string): Promise<DirectoryListing> {
    let names: string[];
    try {
      names = await readNames(dir);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return { snapshots: [], duplicates: [], temps: [] };
      throw this.#unavailable(operation, persistenceId, dir, error);
    }
    const bySequenceNr = new Map<number, SnapshotFile>();
    const duplicates: SnapshotFile[] = [];
    const temps: string[] = [];
    for (const name of names) {
      if (name.endsWith(TEMP_SUFFIX)) {
        temps.push(name);
        continue;
      }
      const parsed = parseSnapshotFileName(name);
      if (!parsed) continue;
      const file = { persistenceId, ...parsed, name };
      const other = bySequenceNr.get(file.sequenceNr);
      // Two files for one sequence number only survive a crash mid-replace: the later timestamp wins.
      if (other && other.timestamp > file.timestamp) duplicates.push(file);
      else {
        if (other) duplicates.push(other);
        bySequenceNr.set(file.sequenceNr, file);
      }
    }
    const snapshots = [...bySequenceNr.values()].sort((a, b) => a.sequenceNr - b.sequenceNr);
    return { snapshots, duplicates, temps };
  }

  /** Reads and decodes one listed file (or takes the bytes of an early read of it). */
  async #read(dir: string, file: SnapshotFile, early: Promise<Buffer> | undefined): Promise<SelectedSnapshot> {
    const path = join(dir, file.name);
    let bytes: Buffer;
    try {
      // A failed early read proves nothing the listing did not: the file is read again, and that failure reported.
      bytes = (await early?.catch(() => undefined)) ?? (await readWhole(path));
    } catch (error) {
      if (isCode(error, 'ENOENT')) {
        // Deleted between listing and reading: as unreadable as a damaged file, so try the next older.
        throw new CorruptSnapshotError(`snapshot ${file.sequenceNr} of ${JSON.stringify(file.persistenceId)} was deleted while loading`, {
          persistenceId: file.persistenceId,
          sequenceNr: file.sequenceNr,
          expected: 'the file listed a moment ago',
          actual: 'no file',
          source: NAME,
        });
      }
      throw this.#unavailable('load', file.persistenceId, path, error);
    }
    const selected = decodeSnapshot(decodeSnapshotFrame(bytes, file, NAME), this.#serialization, NAME);
    this.#known.remember(file.persistenceId, { ...file, size: bytes.length });
    return selected;
  }

  /** Temp file, write, fsync, rename over the real name, fsync the directory. */
  async #writeAtomically(persistenceId: string, dir: string, name: string, parts: Uint8Array[]): Promise<void> {
    const temp = `.${name}.${process.pid}-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    const tempPath = join(dir, temp);
    this.#inFlight.add(tempPath);
    try {
      await this.#io('save', persistenceId, tempPath, async () => {
        const handle = await open(tempPath, 'wx');
        try {
          let remaining = parts;
          while (remaining.length > 0) {
            const { bytesWritten } = await handle.writev(remaining);
            remaining = advance(remaining, bytesWritten);
          }
          if (this.#fsync) await handle.sync();
        } finally {
          await handle.close();
        }
      });
      await this.#io('save', persistenceId, join(dir, name), () => rename(tempPath, join(dir, name)));
      await this.#io('save', persistenceId, dir, () => this.#syncDirectory(dir));
    } catch (error) {
      await unlink(tempPath).catch(() => undefined);
      throw error;
    } finally {
      this.#inFlight.delete(tempPath);
    }
  }

  /** Temp files no save of this process is writing and old enough to be crash left-overs. */
  async #staleTemps(dir: string, temps: readonly string[]): Promise<string[]> {
    const now = Date.now();
    const stale: string[] = [];
    for (const temp of temps) {
      const path = join(dir, temp);
      if (this.#inFlight.has(path)) continue;
      const info = await stat(path).catch(() => undefined);
      if (info && now - info.mtimeMs >= this.#staleTempFileMs) stale.push(temp);
    }
    return stale;
  }

  async #removeAll(persistenceId: string, dir: string, names: readonly string[], operation: string): Promise<void> {
    if (names.length === 0) return;
    for (const name of names) {
      const path = join(dir, name);
      await this.#io(operation, persistenceId, path, () =>
        unlink(path).catch((error) => (isCode(error, 'ENOENT') ? undefined : Promise.reject(error))),
      );
    }
    await this.#io(operation, persistenceId, dir, () => this.#syncDirectory(dir));
  }

  /** mkdir -p, then fsync the parent of every directory it created so the new entries are durable. */
  async #mkdirDurable(dir: string): Promise<void> {
    const first = await mkdir(dir, { recursive: true });
    if (first === undefined || !this.#fsync) return;
    const created: string[] = [];
    for (let current = dir; ; current = dirname(current)) {
      created.push(current);
      if (current === first || dirname(current) === current) break;
    }
    for (const path of created.reverse()) await this.#syncDirectory(dirname(path));
  }

  async #syncDirectory(dir: string): Promise<void> {
    if (!this.#fsync) return;
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    try {
      handle = await open(dir, 'r');
      await handle.sync();
    } catch (error) {
      // Some platforms (Windows) and file systems cannot fsync a directory; the rename stands.
      if (!isCode(error, 'EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EBADF')) throw error;
    } finally {
      await handle?.close();
    }
  }

  async #io<T>(operation: string, persistenceId: string, path: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.#unavailable(operation, persistenceId, path, error);
    }
  }

  #unavailable(operation: string, persistenceId: string | undefined, path: string, cause: unknown): StoreUnavailableError {
    if (cause instanceof StoreUnavailableError) return cause;
    const code = (cause as { code?: string } | undefined)?.code ?? 'error';
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new StoreUnavailableError(
      `${operation}${persistenceId === undefined ? '' : ` for ${JSON.stringify(persistenceId)}`} failed at ${path}: ${reason}`,
      {
        persistenceId,
        expected: `a successful ${operation}`,
        actual: code,
        cause,
        source: NAME,
      },
    );
  }
}

/**
 * A snapshot store keeping each snapshot in its own file: `<directory>/<encoded id>~/
 * <sequenceNr>-<timestamp>.snap`. Saves write a temp file, fsync it, rename it over the
 * real name and fsync the directory, so a crash never leaves a half-written snapshot
 * under a real name. See docs/fs.md.
 */
export class FileSnapshotStore extends GuardedSnapshotStore<PreparedFrame> {
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #core: FileSnapshotCore;

  constructor(options: FileSnapshotStoreOptions) {
    const serialization = options?.serialization ?? new Serialization();
    const core = new FileSnapshotCore({ ...options, serialization });
    super(core, { source: NAME, logger: options.logger, hooks: options.hooks, maxSnapshotBytes: options.maxSnapshotBytes });
    this.#core = core;
    this.serialization = serialization;
  }

  /** The root directory of the store. */
  get directory(): string {
    return this.#core.directory;
  }

  /** Directory holding the snapshots of `persistenceId` (for tools and tests). */
  directoryOf(persistenceId: string): string {
    return this.#core.directoryOf(persistenceId);
  }

  /** Path of the file holding snapshot `sequenceNr` of `persistenceId`, or undefined. */
  pathOf(persistenceId: string, sequenceNr: number): Promise<string | undefined> {
    return this.#core.pathOf(persistenceId, sequenceNr);
  }
}

/** The buffers still to write after `written` bytes of `parts` went out (writev may be partial). */
function advance(parts: readonly Uint8Array[], written: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  let skip = written;
  for (const part of parts) {
    if (skip >= part.length) {
      skip -= part.length;
      continue;
    }
    rest.push(skip > 0 ? part.subarray(skip) : part);
    skip = 0;
  }
  return rest;
}
