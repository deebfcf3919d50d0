/**
 * Where the settings come from: command-line flags first, then the environment
 * (`MEMENTO_STORE`, `MEMENTO_SNAPSHOTS`, `MEMENTO_SCHEMA`, `MEMENTO_DEFINITIONS`), then
 * `memento.config.{js,mjs,json}` in the working directory, which alone can hold the
 * serialization options (encryption keys, serializers).
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SerializationOptions } from '../serialization/serialization.js';
import { CliError, oneLine } from './errors.js';

/** What a config file may hold. */
export interface MementoConfig {
  /** Journal store URL (also holds snapshots and durable state unless `snapshots` is set). */
  readonly store?: string;
  /** PostgreSQL schema. @default 'public' */
  readonly schema?: string;
  /** Snapshot store URL. @default the journal store */
  readonly snapshots?: string;
  /** Module exporting the definitions, relative to the working directory. */
  readonly definitions?: string;
  /** Options of every store's Serialization: `encryption: { keys, activeKeyId }`, `defaultSerializer`, ... */
  readonly serialization?: SerializationOptions;
}

/** The settings a command runs with. */
export interface Settings extends MementoConfig {
  /** The config file read, if any. */
  readonly configFile: string | undefined;
}

/** Config file names, in the order they are looked for. */
export const CONFIG_FILES = ['memento.config.js', 'memento.config.mjs', 'memento.config.json'] as const;

const KEYS = new Set(['store', 'schema', 'snapshots', 'definitions', 'serialization']);

/** Flags as commander parsed them. */
export interface SettingFlags {
  readonly store?: string | undefined;
  readonly schema?: string | undefined;
  readonly snapshots?: string | undefined;
  readonly definitions?: string | undefined;
}

async function readConfig(cwd: string): Promise<{ config: MementoConfig; file: string } | undefined> {
  const name = CONFIG_FILES.find((candidate) => existsSync(join(cwd, candidate)));
  if (!name) return undefined;
  const file = join(cwd, name);
  let loaded: unknown;
  try {
    loaded = name.endsWith('.json')
      ? JSON.parse(await readFile(file, 'utf8'))
      : ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new CliError(`${name}: cannot be read: ${oneLine(error)}`);
  }
  if (typeof loaded === 'object' && loaded !== null && typeof (loaded as { then?: unknown }).then === 'function') loaded = await loaded;
  if (typeof loaded !== 'object' || loaded === null || Array.isArray(loaded)) {
    throw new CliError(
      `${name}: expected ${name.endsWith('.json') ? 'a JSON object' : 'a default export of an object'} { store, snapshots?, schema?, definitions?, serialization? }`,
    );
  }
  for (const [key, value] of Object.entries(loaded)) {
    if (!KEYS.has(key)) throw new CliError(`${name}: unknown setting ${JSON.stringify(key)} (expected ${[...KEYS].join(', ')})`);
    if (key !== 'serialization' && value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new CliError(`${name}: ${key}: expected a non-empty string, found ${JSON.stringify(value)}`);
    }
  }
  return { config: loaded as MementoConfig, file };
}

/** Flags over environment over config file. */
export async function resolveSettings(flags: SettingFlags, env: NodeJS.ProcessEnv, cwd: string): Promise<Settings> {
  const read = await readConfig(cwd);
  const config = read?.config ?? {};
  const pick = (flag: string | undefined, variable: string, fromConfig: string | undefined) =>
    flag ?? (env[variable] || undefined) ?? fromConfig;
  return {
    store: pick(flags.store, 'MEMENTO_STORE', config.store),
    snapshots: pick(flags.snapshots, 'MEMENTO_SNAPSHOTS', config.snapshots),
    schema: pick(flags.schema, 'MEMENTO_SCHEMA', config.schema),
    definitions: pick(flags.definitions, 'MEMENTO_DEFINITIONS', config.definitions),
    serialization: config.serialization,
    configFile: read?.file,
  };
}
