/**
 * Every command module; adding a command is one file exporting `registerCommands` plus
 * its line here (emmett style).
 * @module
 */
import type { Command } from 'commander';
import type { CliIo } from '../output.js';
import * as deleteSnapshot from './delete-snapshot.js';
import * as diff from './diff.js';
import * as events from './events.js';
import * as exportCommand from './export.js';
import * as ids from './ids.js';
import * as importCommand from './import.js';
import * as importRecorderJson from './import-recorder-json.js';
import * as migrate from './migrate.js';
import * as snapshots from './snapshots.js';
import * as state from './state.js';
import * as verify from './verify.js';

/** What a command module exports. */
export interface CommandModule {
  registerCommands(program: Command, io: CliIo): void;
}

/** In the order `memento --help` lists them. */
export const commandModules: readonly CommandModule[] = [
  ids,
  events,
  snapshots,
  state,
  diff,
  verify,
  exportCommand,
  importCommand,
  importRecorderJson,
  deleteSnapshot,
  migrate,
];
