import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  importOptionalPeer,
  isMementoError,
  MemorySnapshotStore,
  PeerDependencyError,
  peerDependencyError,
  requireOptionalPeer,
  Serialization,
  type Serializer,
  SnapshotMetadata,
  SnapshotSelectionCriteria,
} from '../../src/index.js';

// The real missing peers (better-sqlite3, pg, msgpackr absent from a fresh project) are
// exercised by test/package/consumer.slow.test.ts; here, peers that cannot exist.
const absent = { name: 'memento-es-absent-peer', source: 'test', alternative: 'or do without' };

describe('optional peers', () => {
  let project: string;
  beforeAll(async () => {
    // A project with two installed but broken peers: one throws while loading, one lacks a file it requires.
    project = await mkdtemp(join(tmpdir(), 'memento-peer-'));
    await mkdir(join(project, 'node_modules/throwing-peer'), { recursive: true });
    await writeFile(
      join(project, 'node_modules/throwing-peer/index.js'),
      "throw new Error('compiled against a different Node.js version');\n",
    );
    await mkdir(join(project, 'node_modules/incomplete-peer'), { recursive: true });
    await writeFile(join(project, 'node_modules/incomplete-peer/index.js'), "require('./missing-part');\n");
  });
  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('says how to install a peer that is not installed, with the component and the alternative', () => {
    let thrown: unknown;
    try {
      requireOptionalPeer(absent);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PeerDependencyError);
    const error = thrown as PeerDependencyError;
    expect(error.code).toBe(ErrorCodes.peerDependency);
    expect(error.dependency).toBe('memento-es-absent-peer');
    expect(error.source).toBe('test');
    expect(error.message).toBe(
      '[memento] [test] memento-es-absent-peer is not installed; install it with "npm install memento-es-absent-peer", or do without',
    );
    expect((error.cause as { code?: string }).code).toBe('MODULE_NOT_FOUND');
  });

  it('gives the same error through import()', async () => {
    const error = await importOptionalPeer(absent).catch((caught: unknown) => caught);
    expect(isMementoError(error, ErrorCodes.peerDependency)).toBe(true);
    expect((error as Error).message).toContain('not installed; install it with "npm install memento-es-absent-peer"');
    expect((error as { cause: { code?: string } }).cause.code).toBe('ERR_MODULE_NOT_FOUND');
  });

  it('tells an installed peer that fails to load from a missing one, with the reason', () => {
    const from = pathToFileURL(join(project, 'index.js'));
    expect(() => requireOptionalPeer({ name: 'throwing-peer', source: 'test' }, from)).toThrow(
      '[memento] [test] cannot load throwing-peer (compiled against a different Node.js version); reinstall it with "npm install throwing-peer"',
    );
    expect(() => requireOptionalPeer({ name: 'incomplete-peer', source: 'test' }, from)).toThrow(
      /cannot load incomplete-peer \(Cannot find module '\.\/missing-part'/,
    );
  });

  it('loads an installed peer from where the caller says', () => {
    const from = pathToFileURL(join(project, 'index.js'));
    expect(() => requireOptionalPeer({ name: 'throwing-peer', source: 'test' })).toThrow(/not installed/);
    expect(requireOptionalPeer<{ Packr: unknown }>({ name: 'msgpackr', source: 'test' }).Packr).toBeTypeOf('function');
    expect(() => requireOptionalPeer({ name: 'throwing-peer', source: 'test' }, from)).toThrow(/cannot load/);
  });
});

describe('a serializer whose library is missing', () => {
  // As MessagePackSerializer behaves without msgpackr: writes and reads need the library.
  const needsLibrary: Serializer = {
    id: 'needs-library',
    manifest: () => '',
    toBinary: (value) => new TextEncoder().encode(JSON.stringify(value)),
    fromBinary: () => {
      throw peerDependencyError(
        absent,
        Object.assign(new Error("Cannot find module 'memento-es-absent-peer'"), { code: 'MODULE_NOT_FOUND' }),
      );
    },
  };

  it('fails the read with the install advice, never as corrupt data', () => {
    const serialization = new Serialization({ serializers: [needsLibrary], defaultSerializer: 'needs-library' });
    const bytes = serialization.serialize({ balance: 1 });
    expect(() => serialization.deserialize(bytes, { persistenceId: 'account-1' })).toThrow(PeerDependencyError);
  });

  it('does not make a snapshot store skip the snapshot as unreadable', async () => {
    const serialization = new Serialization({ serializers: [needsLibrary], defaultSerializer: 'needs-library' });
    const store = new MemorySnapshotStore({ serialization });
    await store.save(new SnapshotMetadata({ persistenceId: 'account-1', sequenceNr: 5, timestamp: 1 }), { balance: 1 });
    const skipped: unknown[] = [];
    const loaded = store.load('account-1', SnapshotSelectionCriteria.Latest, { onSkipped: (skip) => skipped.push(skip) });
    await expect(loaded).rejects.toBeInstanceOf(PeerDependencyError);
    expect(skipped).toEqual([]);
  });
});
