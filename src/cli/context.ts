/**
 * What one command invocation works with: its settings, the stores (opened once, closed
 * at the end), the definitions, and the inspection over them.
 * @module
 */
import type { Command } from 'commander';
import { createInspection } from '../inspect/create-inspection.js';
import type { DefinitionRegistry } from '../inspect/definitions.js';
import type { Inspection } from '../inspect/inspection.js';
import { resolveSettings, type Settings } from './config.js';
import { ExitCode } from './errors.js';
import { loadDefinitions } from './load-definitions.js';
import { type OpenedStores, type OpenMode, openStores } from './open-stores.js';
import type { CliIo } from './output.js';

/** Options every command accepts (declared on the program). */
export interface GlobalFlags {
  readonly store?: string;
  readonly schema?: string;
  readonly snapshots?: string;
  readonly definitions?: string;
}

/** One invocation of a command. */
export class CommandRun {
  /** The process exit code once the command returns (verify sets 1 when it finds problems). */
  exitCode: number = ExitCode.ok;
  #settings: Promise<Settings> | undefined;
  #stores: Promise<OpenedStores> | undefined;
  #definitions: Promise<DefinitionRegistry | undefined> | undefined;

  constructor(
    readonly io: CliIo,
    readonly flags: GlobalFlags,
  ) {}

  /** Flags over environment over config file. */
  settings(): Promise<Settings> {
    this.#settings ??= resolveSettings(this.flags, this.io.env, this.io.cwd);
    return this.#settings;
  }

  /** The stores, opened on first use in `mode`. */
  stores(mode: OpenMode): Promise<OpenedStores> {
    this.#stores ??= this.settings().then((settings) => openStores(settings, mode, this.io.cwd, this.io.env));
    return this.#stores;
  }

  /** The definitions module's definitions; undefined when none is configured. */
  definitions(): Promise<DefinitionRegistry | undefined> {
    this.#definitions ??= this.settings().then((settings) =>
      settings.definitions ? loadDefinitions(settings.definitions, this.io.cwd) : undefined,
    );
    return this.#definitions;
  }

  /** The inspection over the stores, with the definitions when configured. */
  async inspection(mode: OpenMode = 'read'): Promise<Inspection> {
    // Definitions first: a missing module is reported before any store is touched.
    const definitions = await this.definitions();
    const stores = await this.stores(mode);
    return createInspection({
      journal: stores.journal,
      snapshotStore: stores.snapshotStore,
      durableStateStore: stores.durableStateStore,
      serialization: stores.serialization,
      definitions,
    });
  }

  /** Closes what was opened. */
  async close(): Promise<void> {
    const stores = await this.#stores?.catch(() => undefined);
    await stores?.close();
  }
}

/** Wraps a command action: builds its {@link CommandRun}, closes the stores, and passes the exit code on. */
export function action<O>(
  io: CliIo,
  handler: (run: CommandRun, positional: readonly unknown[], options: O) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    const command = args[args.length - 1] as Command;
    const options = args[args.length - 2] as O;
    const run = new CommandRun(io, command.optsWithGlobals() as GlobalFlags);
    try {
      await handler(run, args.slice(0, -2), options);
    } finally {
      await run.close();
    }
    if (run.exitCode !== ExitCode.ok) throw new ExitWith(run.exitCode);
  };
}

/** Ends the program with an exit code and nothing more to print. */
export class ExitWith extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'ExitWith';
  }
}
