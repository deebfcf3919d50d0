/**
 * vitest global setup: one dynalite and one s3rver for the whole run, so each test file
 * that calls `useDynamoTable` or `useS3Bucket` makes a table or bucket on them instead of
 * starting servers of its own. The ports reach the workers through `provide`/`inject`.
 * Files that stop, slow down or break their server on purpose still start their own.
 * @module
 */
import type { TestProject } from 'vitest/node';
import { startDynalite } from './dynalite.js';
import { startS3Server } from './s3-server.js';

/** Starts both servers and returns what stops them when the run ends. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [dynalite, s3] = await Promise.all([startDynalite(), startS3Server()]);
  project.provide('sharedDynalitePort', dynalite.port);
  project.provide('sharedS3Server', { port: s3.port, directory: s3.directory });
  return async () => {
    await Promise.all([dynalite.stop(), s3.stop()]);
  };
}
