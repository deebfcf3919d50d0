/** Akka's failure semantics for classic actors: requests are answered with messages, recovery errors fail recovery. */
import { describe, expect, it } from 'vitest';
import {
  type ActorResultMessage,
  createPersistence,
  ErrorCodes,
  MemoryJournal,
  MemorySnapshotStore,
  PersistentActor,
  type RecoveryMessage,
  type SnapshotSelectionCriteria,
} from '../../src/index.js';

class Deleter extends PersistentActor<string | { readonly criteria: unknown }, string, number> {
  readonly persistenceId = 'deleter';
  readonly received: ActorResultMessage[] = [];
  returned: unknown;

  receiveRecover(): void {}

  receiveCommand(message: string | { readonly criteria: unknown } | ActorResultMessage): void {
    if (typeof message === 'object' && 'criteria' in message && !('type' in message)) {
      try {
        this.returned = this.deleteSnapshots(message.criteria as SnapshotSelectionCriteria);
      } catch (error) {
        this.returned = { threw: error };
      }
      this.reply('sent');
      return;
    }
    if (typeof message === 'object') this.received.push(message as ActorResultMessage);
  }
}

describe('deleteSnapshots never throws synchronously', () => {
  it.each([
    ['NaN', { maxSequenceNr: Number.NaN }],
    ['a string', { maxSequenceNr: '5' }],
    ['min above max', { minSequenceNr: 9, maxSequenceNr: 3 }],
    ['not an object', 42],
  ])('invalid criteria (%s) resolve to DeleteSnapshotsFailure, which also arrives as a message', async (_name, criteria) => {
    const persistence = createPersistence({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() });
    let actor: Deleter | undefined;
    const ref = persistence.actorOf(() => {
      actor = new Deleter();
      return actor;
    });
    expect(await ref.ask({ criteria })).toBe('sent');
    const returned = (actor as Deleter).returned;
    expect(returned).toBeInstanceOf(Promise);
    const result = await (returned as Promise<ActorResultMessage>);
    expect(result).toMatchObject({
      type: 'DeleteSnapshotsFailure',
      criteria,
      cause: expect.objectContaining({ code: ErrorCodes.invalidArgument }),
    });
    await persistence.idle();
    expect((actor as Deleter).received).toEqual([result]);
    await persistence.close();
  });
});

class FailsOnRecoveryCompleted extends PersistentActor<string, string, number> {
  readonly persistenceId = 'fails-on-completed';
  failures: Error[] = [];

  constructor(private readonly failing: boolean) {
    super();
  }

  receiveRecover(message: RecoveryMessage<string, number>): void {
    if (this.failing && typeof message === 'object' && message.type === 'RecoveryCompleted')
      throw new Error('cannot start: config missing');
  }

  receiveCommand(): void {
    this.reply('ok');
  }

  override onRecoveryFailure(cause: Error): void {
    this.failures.push(cause);
  }
}

describe('an exception thrown while handling RecoveryCompleted', () => {
  it('fails the recovery as in Akka: onRecoveryFailure is told and the waiting command is rejected', async () => {
    const persistence = createPersistence({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() });
    let actor: FailsOnRecoveryCompleted | undefined;
    const ref = persistence.actorOf<string>(() => {
      actor = new FailsOnRecoveryCompleted(true);
      return actor;
    });
    const rejected = await ref.ask('hello').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(rejected).toMatchObject({
      code: ErrorCodes.recovery,
      persistenceId: 'fails-on-completed',
      message: expect.stringContaining('receiveRecover(RecoveryCompleted) threw: cannot start: config missing'),
    });
    expect((actor as FailsOnRecoveryCompleted).failures).toEqual([rejected]);
    await persistence.close();
  });

  it('an actor that handles RecoveryCompleted without throwing runs', async () => {
    const persistence = createPersistence({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() });
    const ref = persistence.actorOf<string>(() => new FailsOnRecoveryCompleted(false));
    expect(await ref.ask('hello')).toBe('ok');
    await persistence.close();
  });
});
