/**
 * Loads the user's `--definitions` module. A TypeScript module is loaded through tsx when
 * it is installed (the CLI itself is plain JavaScript); under tsx or vitest it loads as is.
 * @module
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DefinitionRegistry } from '../inspect/definitions.js';
import { CliError, oneLine } from './errors.js';

const TYPESCRIPT = /\.(c|m)?tsx?$/;

async function importTypeScript(file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  }
  let tsx: { tsImport(specifier: string, parent: string): Promise<unknown> };
  try {
    // Resolved from here: memento-es sits in the project's node_modules, next to its tsx.
    const specifier = 'tsx/esm/api';
    tsx = (await import(specifier)) as typeof tsx;
  } catch {
    throw new CliError(
      `--definitions ${file}: a TypeScript module needs tsx to load (npm install --save-dev tsx), or pass the compiled .js`,
    );
  }
  return (await tsx.tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
}

/** Imports the module and collects its definitions; every failure is one line naming the module. */
export async function loadDefinitions(module: string, cwd: string): Promise<DefinitionRegistry> {
  const file = resolve(cwd, module);
  if (!existsSync(file)) throw new CliError(`--definitions ${module}: no such file ${file}`);
  let exports: Record<string, unknown>;
  try {
    exports = TYPESCRIPT.test(file) ? await importTypeScript(file) : ((await import(pathToFileURL(file).href)) as Record<string, unknown>);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`--definitions ${module}: the module failed to load: ${oneLine(error)}`);
  }
  let registry: DefinitionRegistry;
  try {
    registry = DefinitionRegistry.fromExports(exports, module);
  } catch (error) {
    throw new CliError(oneLine(error));
  }
  if (registry.size === 0) {
    throw new CliError(
      `--definitions ${module}: the module exports no definitions (expected results of defineEntity, defineDurableEntity or defineState)`,
    );
  }
  return registry;
}
