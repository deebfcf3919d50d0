/**
 * `memento import-recorder-json <source> --id <pid>`: moves a snapshot written by the
 * mintBlue tutorial's S3 recorder (a JSON `{ action, state }` object, e.g. `forest.json`)
 * into the snapshot store, at its action's sequence number, in the shape `StoreRecorder`
 * loads.
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { validatePersistenceId } from '../../core/persistence-id.js';
import { SnapshotMetadata } from '../../core/snapshot-metadata.js';
import { exactly } from '../../inspect/snapshot-reading.js';
import { parseInteger } from '../arguments.js';
import { action } from '../context.js';
import { CliError, oneLine } from '../errors.js';
import { loadOptional, unavailable } from '../open-stores.js';
import { type CliIo, printJson, println } from '../output.js';

/** Reads `s3://bucket/key?endpoint=…&region=…` with the usual AWS credentials. */
async function readS3(source: string, env: NodeJS.ProcessEnv): Promise<string> {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new CliError(`${source}: not a valid s3:// URL (expected s3://bucket/key)`);
  }
  const key = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!url.hostname || !key) throw new CliError(`${source}: expected s3://bucket/key`);
  const { sdk, s3 } = await loadOptional(source, 's3://', '@aws-sdk/client-s3', async () => ({
    sdk: await import('@aws-sdk/client-s3'),
    s3: await import('../../s3/index.js'),
  }));
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  const client = new sdk.S3Client({
    region: url.searchParams.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(endpoint === undefined ? {} : { endpoint }),
  });
  try {
    const bytes = await s3.download(client, url.hostname, key);
    if (bytes === null || bytes === undefined) throw new CliError(`${source}: no such object`);
    return Buffer.from(bytes).toString('utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw unavailable(source, error);
  } finally {
    client.destroy();
  }
}

/** Registers `import-recorder-json`. */
export function registerCommands(program: Command, io: CliIo): void {
  program
    .command('import-recorder-json')
    .description('import a { action, state } JSON snapshot written by a hand-written recorder (file or s3://bucket/key)')
    .argument('<source>', 'a JSON file, or s3://bucket/key?endpoint=…&region=…')
    .requiredOption('--id <persistenceId>', 'the persistence id to store the snapshot under (the machine journal id)')
    .option('--sequence-nr <n>', "the snapshot's sequence number (default: the action's sequenceNr, or its id when that is a number)")
    .option('--json', 'print the stored snapshot metadata as JSON')
    .action(
      action<{ id: string; sequenceNr?: string; json?: boolean }>(io, async (run, [source], options) => {
        try {
          validatePersistenceId(options.id, '--id');
        } catch (error) {
          throw new CliError(oneLine(error));
        }
        const origin = source as string;
        let text: string;
        if (origin.startsWith('s3://')) text = await readS3(origin, io.env);
        else {
          const file = resolve(io.cwd, origin);
          if (!existsSync(file)) throw new CliError(`import-recorder-json: no such file ${file}`);
          text = await readFile(file, 'utf8');
        }
        let parsed: { action?: unknown; state?: unknown };
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          throw new CliError(`${origin}: not JSON: ${oneLine(error)}`);
        }
        if (
          typeof parsed !== 'object' ||
          parsed === null ||
          !('state' in parsed) ||
          typeof parsed.action !== 'object' ||
          parsed.action === null
        ) {
          throw new CliError(`${origin}: expected a recorder snapshot { action: { id, type, ... }, state }`);
        }
        const recorded = parsed.action as { id?: unknown; sequenceNr?: unknown; timestamp?: unknown };
        const sequenceNr =
          options.sequenceNr !== undefined
            ? parseInteger(options.sequenceNr, '--sequence-nr', 1)
            : typeof recorded.sequenceNr === 'number'
              ? recorded.sequenceNr
              : typeof recorded.id === 'string' && /^[1-9][0-9]*$/.test(recorded.id)
                ? Number(recorded.id)
                : undefined;
        if (sequenceNr === undefined || !Number.isSafeInteger(sequenceNr) || sequenceNr < 1) {
          throw new CliError(
            `${origin}: the action id ${JSON.stringify(recorded.id)} is not a sequence number: pass --sequence-nr <n> (the position of that action in your journal)`,
          );
        }
        const timestamp =
          Number.isSafeInteger(recorded.timestamp) && (recorded.timestamp as number) >= 0 ? (recorded.timestamp as number) : Date.now();
        const stores = await run.stores('create');
        for await (const _ of stores.snapshotStore.list(options.id, exactly(sequenceNr))) {
          throw new CliError(
            `${JSON.stringify(options.id)} already has snapshot #${sequenceNr} in ${stores.snapshotsUrl}: remove it first (memento delete-snapshot ${JSON.stringify(options.id)} ${sequenceNr})`,
          );
        }
        const metadata = new SnapshotMetadata({ persistenceId: options.id, sequenceNr, timestamp });
        await stores.snapshotStore.save(metadata, { action: parsed.action, state: parsed.state });
        if (options.json) return printJson(io, { ...metadata.toJSON(), snapshots: stores.snapshotsUrl });
        println(
          io,
          `imported ${origin} as snapshot #${sequenceNr} of ${JSON.stringify(options.id)} (${new Date(timestamp).toISOString()}) into ${stores.snapshotsUrl}`,
        );
      }),
    );
}
