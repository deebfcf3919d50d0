/**
 * `@aws-sdk/client-dynamodb` is an optional peer: importing `memento-es/dynamodb` without it
 * works, and only using it fails, saying what to install. A child Node process runs the
 * built entry point with `require()` unable to find the SDK.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/index.js';

describe('the DynamoDB plugin without its SDK (built package)', () => {
  it('says how to install the SDK when @aws-sdk/client-dynamodb is missing, at first use and not at import', async () => {
    // A child process in which require() cannot find the SDK, as on an install without it.
    const script = `
      import Module from 'node:module';
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request === '@aws-sdk/client-dynamodb') {
          throw Object.assign(new Error("Cannot find module '@aws-sdk/client-dynamodb'"), { code: 'MODULE_NOT_FOUND' });
        }
        return resolve.call(this, request, ...rest);
      };
      const { DynamoDbJournal } = await import('memento-es/dynamodb');
      const journal = new DynamoDbJournal({ clientConfig: { region: 'us-east-1' } });
      try { await journal.highestSequenceNr('x'); } catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }
    `;
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const reported = JSON.parse(output.trim().split('\n').pop() ?? '{}') as { code?: string; message?: string };
    expect(reported.code).toBe(ErrorCodes.peerDependency);
    expect(reported.message).toBe(
      '[memento] [dynamodb] @aws-sdk/client-dynamodb is not installed; install it with "npm install @aws-sdk/client-dynamodb"',
    );
    expect(isMementoError(reported, ErrorCodes.peerDependency)).toBe(true);
  });
});
