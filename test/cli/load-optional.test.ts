/**
 * loadOptional: the imports of a store with an optional dependency (DynamoDB, S3), and the
 * failure that names the URL, the dependency and how to install it when they are missing.
 */
import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../src/cli/errors.js';
import { loadOptional } from '../../src/cli/open-stores.js';

describe('loadOptional', () => {
  it('gives what the imports give', async () => {
    expect(await loadOptional('s3://bucket/prefix', 's3://', '@aws-sdk/client-s3', async () => ({ sdk: 1 }))).toEqual({ sdk: 1 });
  });

  it('turns a missing dependency into a store-unavailable CLI error saying what to install', async () => {
    const missing = Object.assign(new Error("Cannot find package '@aws-sdk/client-dynamodb'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const failure = await loadOptional('dynamodb://memento', 'dynamodb://', '@aws-sdk/client-dynamodb', () => Promise.reject(missing)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CliError);
    expect(failure).toMatchObject({
      exitCode: ExitCode.storeUnavailable,
      message:
        "cannot open dynamodb://memento: dynamodb:// needs the optional dependency @aws-sdk/client-dynamodb (npm install @aws-sdk/client-dynamodb): Cannot find package '@aws-sdk/client-dynamodb'",
    });
  });
});
