/**
 * `@opentelemetry/api` is an optional peer (issue 17, point 10): without it the package
 * imports and a runtime without `telemetry` runs; only `openTelemetry()` fails, saying what
 * to install. A child Node process runs the built entry point with a resolve hook that hides
 * every `@opentelemetry/*` package, as on a machine where it was never installed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ENTRY = new URL('../../dist/index.js', import.meta.url);

const HIDE_API = `
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) {
    throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;

const REGISTER = `
import Module, { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HIDE_API)}));
// require() of the optional peer goes through the CommonJS loader: hide it there too.
const original = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request.startsWith('@opentelemetry/')) throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  return original.call(this, request, ...rest);
};`;

const SCRIPT = `
const m = await import(${JSON.stringify(ENTRY.href)});
const counter = m.defineEntity({
  name: 'counter',
  emptyState: 0,
  commandHandler: (_state, command) => m.Effect.persist({ amount: command.amount }).thenReply((s) => s),
  eventHandler: (state, event) => state + event.amount,
});
const persistence = m.createPersistence({ journal: new m.MemoryJournal(), snapshotStore: new m.MemorySnapshotStore() });
const value = await persistence.entity(counter, 'a').ask({ type: 'add', amount: 2 });
await persistence.close();
let telemetry;
try { m.openTelemetry(); telemetry = 'no error'; } catch (error) { telemetry = { name: error.name, code: error.code, dependency: error.dependency, message: error.message }; }
let direct;
try { await import('@opentelemetry/api'); direct = 'found'; } catch (error) { direct = error.code; }
process.stdout.write(JSON.stringify({ value, telemetry, direct }));`;

describe('memento-es without @opentelemetry/api', () => {
  it('imports and runs entities; openTelemetry() fails with an error that says how to install the API', async () => {
    expect(existsSync(ENTRY), 'dist/index.js is built (npm test builds first; or run npm run build)').toBe(true);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, '--input-type=module', '--eval', SCRIPT],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
    );
    const result = JSON.parse(stdout) as {
      value: number;
      direct: string;
      telemetry: { name: string; code: string; dependency: string; message: string };
    };
    expect(result.direct).toBe('ERR_MODULE_NOT_FOUND');
    expect(result.value).toBe(2);
    expect(result.telemetry).toMatchObject({ code: 'MEMENTO_PEER_DEPENDENCY', dependency: '@opentelemetry/api' });
    expect(result.telemetry.message).toContain('npm install @opentelemetry/api');
  });
});
