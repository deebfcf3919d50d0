import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { FileSnapshotStore } from '../../src/fs/index.js';
import { snapshotStoreConformance } from '../../src/tck/index.js';
import { largePayloads } from '../support/large-payloads.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'memento-fs-tck-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

snapshotStoreConformance('fs', (context) => new FileSnapshotStore({ ...context, directory }), {
  ...largePayloads(),
  damageSnapshot: async (store, persistenceId, sequenceNr) => {
    const path = await store.pathOf(persistenceId, sequenceNr);
    if (!path) throw new Error(`no snapshot ${sequenceNr} of ${persistenceId} to damage`);
    const bytes = await readFile(path);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    await writeFile(path, bytes);
  },
});
