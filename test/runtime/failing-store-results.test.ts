/**
 * The classic actor's failure results, produced by stores that really fail: a read-only
 * SQLite snapshot database, a closed snapshot store, and a journal whose serializer refuses
 * an event. No logic is re-implemented: the results come from the runtime's own paths.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ActorResultMessage,
  createPersistence,
  ErrorCodes,
  PersistentActor,
  type RecoveryMessage,
  SnapshotMetadata,
  SnapshotSelectionCriteria,
} from '../../src/index.js';
import { SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';

type Command =
  | { readonly type: 'add'; readonly value: unknown }
  | { readonly type: 'delete-one'; readonly sequenceNr: number }
  | { readonly type: 'delete-all' }
  | { readonly type: 'load' }
  | { readonly type: 'get' };

/** Keeps every result message it receives, and what each call resolved with. */
class Recording extends PersistentActor<Command, { readonly value: unknown }, unknown[]> {
  readonly persistenceId = 'failing-stores';
  values: unknown[] = [];
  readonly messages: ActorResultMessage[] = [];
  readonly rejected: Array<{ cause: Error; event: unknown; sequenceNr: number }> = [];

  receiveRecover(message: RecoveryMessage<{ readonly value: unknown }, unknown[]>): void {
    if (typeof message === 'object' && message !== null && 'value' in message) this.values = [...this.values, message.value];
  }

  async receiveCommand(message: Command | ActorResultMessage): Promise<void> {
    switch (message.type) {
      case 'add':
        this.persist({ value: message.value }, (event) => {
          this.values = [...this.values, event.value];
          this.reply(this.values);
        });
        return;
      case 'delete-one':
        this.reply(await this.deleteSnapshot(message.sequenceNr));
        return;
      case 'delete-all':
        this.reply(await this.deleteSnapshots(SnapshotSelectionCriteria.Latest));
        return;
      case 'load':
        this.reply(await this.loadSnapshot(this.persistenceId, SnapshotSelectionCriteria.Latest, Number.POSITIVE_INFINITY));
        return;
      case 'get':
        this.reply(this.values);
        return;
      default:
        this.messages.push(message);
    }
  }

  override onPersistRejected(cause: Error, event: { readonly value: unknown }, sequenceNr: number): void {
    this.rejected.push({ cause, event, sequenceNr });
  }
}

describe('classic failure results from stores that really fail', () => {
  const directories: string[] = [];
  const directory = () => {
    const created = mkdtempSync(join(tmpdir(), 'memento-failing-'));
    directories.push(created);
    return created;
  };
  afterEach(() => {
    for (const created of directories.splice(0)) rmSync(created, { recursive: true, force: true });
  });

  it('a read-only SQLite snapshot database: DeleteSnapshotFailure and DeleteSnapshotsFailure, as results and as messages', async () => {
    const where = directory();
    const snapshotsFile = join(where, 'snapshots.db');
    const writable = new SqliteSnapshotStore(snapshotsFile);
    await writable.save(new SnapshotMetadata({ persistenceId: 'failing-stores', sequenceNr: 0, timestamp: 1 }), []);
    await writable.close();
    const readOnly = new SqliteSnapshotStore(new Database(snapshotsFile, { readonly: true }));
    const persistence = createPersistence({ journal: new SqliteJournal(join(where, 'journal.db')), snapshotStore: readOnly });
    let actor: Recording | undefined;
    const ref = persistence.actorOf<Command>(() => {
      actor = new Recording();
      return actor;
    });
    const one = await ref.ask<ActorResultMessage>({ type: 'delete-one', sequenceNr: 0 });
    expect(one).toMatchObject({ type: 'DeleteSnapshotFailure', metadata: { persistenceId: 'failing-stores', sequenceNr: 0 } });
    expect((one as { cause: Error }).cause.message).toMatch(/readonly/i);
    const all = await ref.ask<ActorResultMessage>({ type: 'delete-all' });
    expect(all).toMatchObject({ type: 'DeleteSnapshotsFailure', criteria: SnapshotSelectionCriteria.Latest });
    expect((all as { cause: Error }).cause.message).toMatch(/readonly/i);
    await persistence.idle();
    expect((actor as Recording).messages).toEqual([one, all]);
    // Nothing was deleted: the snapshot is still there.
    expect((await readOnly.load('failing-stores', SnapshotSelectionCriteria.Latest))?.metadata.sequenceNr).toBe(0);
    await persistence.close();
  });

  it('a closed snapshot store: LoadSnapshotFailed, as the result and as a message', async () => {
    const where = directory();
    const snapshotStore = new SqliteSnapshotStore(join(where, 'snapshots.db'));
    const persistence = createPersistence({ journal: new SqliteJournal(join(where, 'journal.db')), snapshotStore });
    let actor: Recording | undefined;
    const ref = persistence.actorOf<Command>(() => {
      actor = new Recording();
      return actor;
    });
    expect(await ref.ask({ type: 'get' })).toEqual([]);
    await snapshotStore.close();
    const loaded = await ref.ask<ActorResultMessage>({ type: 'load' });
    expect(loaded).toMatchObject({ type: 'LoadSnapshotFailed', cause: expect.objectContaining({ code: ErrorCodes.storeClosed }) });
    await persistence.idle();
    expect((actor as Recording).messages).toEqual([loaded]);
    await persistence.close().catch(() => {});
  });

  it('a journal that refuses an event (its serializer cannot keep a function): onPersistRejected, and the actor goes on', async () => {
    const where = directory();
    const persistence = createPersistence({
      journal: new SqliteJournal(join(where, 'journal.db')),
      snapshotStore: new SqliteSnapshotStore(join(where, 'snapshots.db')),
    });
    let actor: Recording | undefined;
    const ref = persistence.actorOf<Command>(() => {
      actor = new Recording();
      return actor;
    });
    expect(await ref.ask({ type: 'add', value: 1 })).toEqual([1]);
    const refused = await ref.ask({ type: 'add', value: { callback: () => 2 } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ code: ErrorCodes.serialization });
    expect((actor as Recording).rejected).toEqual([
      { cause: refused, event: { value: { callback: expect.any(Function) } }, sequenceNr: 2 },
    ]);
    expect(await ref.ask({ type: 'add', value: 3 })).toEqual([1, 3]);
    await persistence.close();
    // Nothing of the refused event was stored: a new runtime recovers 1 and 3.
    const again = createPersistence({
      journal: new SqliteJournal(join(where, 'journal.db')),
      snapshotStore: new SqliteSnapshotStore(join(where, 'snapshots.db')),
    });
    expect(await again.actorOf<Command>(() => new Recording()).ask({ type: 'get' })).toEqual([1, 3]);
    await again.close();
  });
});
