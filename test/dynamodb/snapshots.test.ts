/**
 * What only the DynamoDB snapshot store has to prove beyond the kit: large snapshots go to
 * the S3 store passed as `largeSnapshots` behind a checked pointer, a pointer that no
 * longer matches (or names nothing) is skipped like a damaged snapshot, copies are cleaned
 * up on replace and delete, and without a large store an oversized snapshot is refused.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { SnapshotMetadata } from '../../src/core/snapshot-metadata.js';
import { SnapshotSelectionCriteria } from '../../src/core/snapshot-selection-criteria.js';
import { Attribute, DynamoDbSnapshotStore, type DynamoDbSnapshotStoreOptions } from '../../src/dynamodb/index.js';
import type { SkippedSnapshot } from '../../src/observability/hooks.js';
import { S3SnapshotStore } from '../../src/s3/index.js';
import { collect, uniqueId } from '../../src/tck/index.js';
import { useDynamoTable } from '../support/dynalite.js';
import { useS3Bucket } from '../support/s3-server.js';
import { snapshotItem } from './helpers.js';

const dynamo = useDynamoTable('snapshots');
const bucket = 'memento-dynamodb-large';
const s3 = useS3Bucket(bucket);

const large = () => new S3SnapshotStore({ client: s3.client, bucket, prefix: 'large/' });
const store = (options: Omit<DynamoDbSnapshotStoreOptions, 'client' | 'tableName'> = {}) =>
  new DynamoDbSnapshotStore({ client: dynamo.client, tableName: dynamo.tableName, ...options });
const meta = (persistenceId: string, sequenceNr: number) =>
  new SnapshotMetadata({ persistenceId, sequenceNr, timestamp: 1_000 + sequenceNr });
/** A state of `bytes` random bytes: incompressible, so its size is what it says. */
const bulky = (bytes: number) => randomBytes(bytes);

describe('DynamoDbSnapshotStore large snapshots', () => {
  it('stores a snapshot over the item limit in the large store, with a pointer holding its size and checksum', async () => {
    const [copies, snapshots] = [large(), store({ largeSnapshots: large() })];
    const id = uniqueId('large');
    const state = bulky(600_000);
    await snapshots.save(meta(id, 5), state);
    const item = await snapshotItem(dynamo.client, dynamo.tableName, id, 5);
    expect(item?.[Attribute.payload]).toBeUndefined();
    expect(Number(item?.[Attribute.external]?.M?.n?.N)).toBeGreaterThan(600_000);
    expect(item?.[Attribute.external]?.M?.c?.N).toMatch(/^\d+$/);
    expect((await collect(copies.list(id))).map((entry) => entry.sequenceNr)).toEqual([5]);
    const loaded = await snapshots.load(id, SnapshotSelectionCriteria.Latest);
    expect(Buffer.compare(loaded?.snapshot as Buffer, state)).toBe(0);
    expect(loaded?.metadata).toMatchObject({ persistenceId: id, sequenceNr: 5, timestamp: 1_005 });
    await Promise.all([snapshots.close(), copies.close()]);
  });

  it('spills from a lower threshold when asked, and keeps small snapshots inline', async () => {
    const snapshots = store({ largeSnapshots: large(), largeSnapshotBytes: 10_000 });
    const id = uniqueId('threshold');
    await snapshots.save(meta(id, 1), bulky(100));
    await snapshots.save(meta(id, 2), bulky(20_000));
    expect((await snapshotItem(dynamo.client, dynamo.tableName, id, 1))?.[Attribute.payload]).toBeDefined();
    expect((await snapshotItem(dynamo.client, dynamo.tableName, id, 2))?.[Attribute.external]).toBeDefined();
    expect(((await snapshots.load(id, SnapshotSelectionCriteria.Latest))?.snapshot as Buffer | undefined)?.length).toBe(20_000);
    await snapshots.close();
  });

  it('skips a large snapshot whose copy was replaced behind its pointer, reporting why, for the next older one', async () => {
    const [copies, snapshots] = [large(), store({ largeSnapshots: large(), largeSnapshotBytes: 1_000 })];
    const id = uniqueId('mismatch');
    await snapshots.save(meta(id, 1), bulky(2_000));
    await snapshots.save(meta(id, 2), bulky(2_000));
    // Another save (or a stray write) replaced the copy of 2 without updating the pointer.
    await copies.save(meta(id, 2), bulky(2_000));
    const skipped: SkippedSnapshot[] = [];
    const loaded = await snapshots.load(id, SnapshotSelectionCriteria.Latest, { onSkipped: (entry) => skipped.push(entry) });
    expect(loaded?.metadata.sequenceNr).toBe(1);
    expect(skipped.map((entry) => entry.metadata.sequenceNr)).toEqual([2]);
    expect(isMementoError(skipped[0]?.error, ErrorCodes.corruptSnapshot)).toBe(true);
    expect(skipped[0]?.error.message).toContain('does not match its pointer');
    await Promise.all([snapshots.close(), copies.close()]);
  });

  it('skips a large snapshot whose copy is missing', async () => {
    const [copies, snapshots] = [large(), store({ largeSnapshots: large(), largeSnapshotBytes: 1_000 })];
    const id = uniqueId('missing');
    await snapshots.save(meta(id, 1), 'small and old');
    await snapshots.save(meta(id, 2), bulky(2_000));
    await copies.delete(meta(id, 2));
    const skipped: SkippedSnapshot[] = [];
    const loaded = await snapshots.load(id, SnapshotSelectionCriteria.Latest, { onSkipped: (entry) => skipped.push(entry) });
    expect(loaded?.snapshot).toBe('small and old');
    expect(skipped[0]?.error.message).toContain('missing from it');
    await Promise.all([snapshots.close(), copies.close()]);
  });

  it('removes the large copy when the snapshot is replaced by an inline one, deleted, or deleted by criteria', async () => {
    const [copies, snapshots] = [large(), store({ largeSnapshots: large(), largeSnapshotBytes: 1_000 })];
    const id = uniqueId('cleanup');
    for (const sequenceNr of [1, 2, 3]) await snapshots.save(meta(id, sequenceNr), bulky(2_000));
    expect((await collect(copies.list(id))).map((entry) => entry.sequenceNr)).toEqual([1, 2, 3]);
    await snapshots.save(meta(id, 1), 'small now');
    await snapshots.delete(meta(id, 2));
    expect((await collect(copies.list(id))).map((entry) => entry.sequenceNr)).toEqual([3]);
    await snapshots.deleteMatching(id, SnapshotSelectionCriteria.Latest);
    expect(await collect(copies.list(id))).toEqual([]);
    expect(await collect(snapshots.list(id))).toEqual([]);
    await Promise.all([snapshots.close(), copies.close()]);
  });

  it('refuses an oversized snapshot without a large store, naming its size, and keeps the older ones', async () => {
    const snapshots = store();
    const id = uniqueId('refused');
    await snapshots.save(meta(id, 1), 'kept');
    const failure = await snapshots.save(meta(id, 2), bulky(500_000)).catch((error: unknown) => error);
    expect(isMementoError(failure, ErrorCodes.invalidArgument)).toBe(true);
    expect((failure as Error).message).toMatch(
      /expected at most 409600 bytes as one DynamoDB item, found 5\d{5}; pass options.largeSnapshots/,
    );
    expect((await snapshots.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe('kept');
    await snapshots.close();
  });

  it('fails loudly when a pointer is met by a store built without largeSnapshots', async () => {
    const [writer, reader] = [store({ largeSnapshots: large(), largeSnapshotBytes: 1_000 }), store()];
    const id = uniqueId('misconfigured');
    await writer.save(meta(id, 1), bulky(2_000));
    const failure = await reader.load(id, SnapshotSelectionCriteria.Latest).catch((error: unknown) => error);
    expect(isMementoError(failure, ErrorCodes.invalidArgument)).toBe(true);
    expect((failure as Error).message).toContain('without options.largeSnapshots');
    await Promise.all([writer.close(), reader.close()]);
  });

  it('checks its options eagerly', () => {
    expect(() => store({ largeSnapshotBytes: 500_000 })).toThrow(/at most 409600/);
    expect(() => store({ largeSnapshots: {} as S3SnapshotStore })).toThrow(/largeSnapshots/);
  });
});
