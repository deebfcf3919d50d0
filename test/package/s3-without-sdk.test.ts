/**
 * `@aws-sdk/client-s3` is an optional peer: importing `memento-es/s3` without it works, and
 * only using it fails, with an error that says what to install. A child Node process runs
 * the built entry point with a resolve hook that hides every `@aws-sdk/*` package, as on a
 * machine where it was never installed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ENTRY = new URL('../../dist/s3/index.js', import.meta.url);

const HIDE_SDK = `
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@aws-sdk/')) {
    throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;

const REGISTER = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HIDE_SDK)}));`;

const SCRIPT = `
const s3 = await import(${JSON.stringify(ENTRY.href)});
const store = new s3.S3SnapshotStore({ bucket: 'some-bucket', clientConfig: { endpoint: 'http://127.0.0.1:9' } });
const outcome = await store.load('order-1', { maxSequenceNr: Number.MAX_SAFE_INTEGER, maxTimestamp: Number.MAX_SAFE_INTEGER, minSequenceNr: 0, minTimestamp: 0 })
  .then(() => ({ loaded: true }), (error) => ({ name: error.name, code: error.code, message: error.message }));
const helper = await s3.download({ send() {}, destroy() {}, config: {} }, 'some-bucket', 'key')
  .then(() => ({ loaded: true }), (error) => ({ name: error.name, code: error.code, message: error.message }));
let direct;
try { await import('@aws-sdk/client-s3'); direct = 'found'; } catch (error) { direct = error.code; }
process.stdout.write(JSON.stringify({ exports: Object.keys(s3).length, outcome, helper, direct }));`;

describe('memento-es/s3 without @aws-sdk/client-s3', () => {
  it('imports, and fails on first use with an error that says how to install the SDK', async () => {
    expect(existsSync(ENTRY), 'dist/s3/index.js is built (npm test builds first; or run npm run build)').toBe(true);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, '--input-type=module', '--eval', SCRIPT],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
    );
    const result = JSON.parse(stdout) as {
      exports: number;
      direct: string;
      outcome: { code: string; message: string };
      helper: { code: string; message: string };
    };
    expect(result.direct).toBe('ERR_MODULE_NOT_FOUND');
    expect(result.exports).toBeGreaterThan(0);
    for (const failure of [result.outcome, result.helper]) {
      expect(failure.code).toBe('MEMENTO_PEER_DEPENDENCY');
      expect(failure.message).toContain('npm install @aws-sdk/client-s3');
    }
  });
});
