/**
 * The user stash: classic `stash()` / `unstashAll()` and typed `Effect.stash()` /
 * `Effect.unstashAll()`. Stashed commands wait (their askers too) and come back in order;
 * the stash is bounded by `stashCapacity`, and what overflows is failed or dropped to dead
 * letters as the entity's `stashOverflow` says.
 */
import { describe, expect, it } from 'vitest';
import {
  type ActorResultMessage,
  createPersistence,
  type DeadLetter,
  defineEntity,
  Effect,
  ErrorCodes,
  PersistentActor,
  type RecoveryMessage,
  type StashOverflowStrategy,
} from '../../src/index.js';
import { MemoryJournal, MemorySnapshotStore } from '../../src/memory/index.js';

type DoorCommand = { readonly type: 'open' } | { readonly type: 'enter'; readonly who: string } | { readonly type: 'get' };

/** Stashes visitors while the door is closed; opening it lets them in, in arrival order. */
class Door extends PersistentActor<DoorCommand, string, never> {
  readonly persistenceId = 'door';
  open = false;
  inside: string[] = [];
  constructor(override readonly stashOverflow: StashOverflowStrategy | undefined = undefined) {
    super();
  }
  receiveRecover(message: RecoveryMessage<string, never>): void {
    if (message === 'opened') this.open = true;
    else if (typeof message === 'string') this.inside.push(message);
  }
  receiveCommand(message: DoorCommand | ActorResultMessage): void {
    switch (message.type) {
      case 'open':
        this.persist('opened', () => {
          this.open = true;
          this.unstashAll();
          this.reply('open');
        });
        return;
      case 'enter':
        if (!this.open) {
          this.stash();
          return;
        }
        this.persist(message.who, (who) => {
          this.inside.push(who);
          this.reply(`welcome ${who}`);
        });
        return;
      case 'get':
        this.reply(this.inside);
    }
  }
}

const stores = () => ({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() });

describe('user stash', () => {
  it('classic: stashed commands wait, then run in arrival order after unstashAll, answering their askers', async () => {
    const persistence = createPersistence(stores());
    const ref = persistence.actorOf<DoorCommand>(() => new Door());
    const ann = ref.ask({ type: 'enter', who: 'ann' });
    const bob = ref.ask({ type: 'enter', who: 'bob' });
    await expect(ref.ask({ type: 'get' })).resolves.toEqual([]);
    await expect(ref.ask({ type: 'open' })).resolves.toBe('open');
    await expect(ann).resolves.toBe('welcome ann');
    await expect(bob).resolves.toBe('welcome bob');
    await expect(ref.ask({ type: 'get' })).resolves.toEqual(['ann', 'bob']);
    await persistence.close();
  });

  it("classic 'fail': a command over stashCapacity fails with StashOverflowError; the stashed ones stay", async () => {
    const persistence = createPersistence({ ...stores(), stashCapacity: 2 });
    const ref = persistence.actorOf<DoorCommand>(() => new Door());
    // One at a time, so the mailbox (also bounded by stashCapacity) never holds more than one.
    const first = ref.ask({ type: 'enter', who: 'a' });
    await ref.ask({ type: 'get' });
    const second = ref.ask({ type: 'enter', who: 'b' });
    await ref.ask({ type: 'get' });
    await expect(ref.ask({ type: 'enter', who: 'c' })).rejects.toMatchObject({
      code: ErrorCodes.stashOverflow,
      persistenceId: 'door',
      expected: '<= 2 stashed commands',
    });
    await ref.ask({ type: 'open' });
    await expect(Promise.all([first, second])).resolves.toEqual(['welcome a', 'welcome b']);
    await persistence.close();
  });

  it("classic 'drop': an overflowing command goes to dead letters (hook) and its asker is told", async () => {
    const deadLetters: DeadLetter[] = [];
    const persistence = createPersistence({ ...stores(), stashCapacity: 2, hooks: { onDeadLetter: (letter) => deadLetters.push(letter) } });
    const ref = persistence.actorOf<DoorCommand>(() => new Door('drop'));
    const first = ref.ask({ type: 'enter', who: 'a' });
    await ref.ask({ type: 'get' });
    const second = ref.ask({ type: 'enter', who: 'b' });
    await ref.ask({ type: 'get' });
    await expect(ref.ask({ type: 'enter', who: 'c' })).rejects.toMatchObject({ code: ErrorCodes.stashOverflow });
    expect(deadLetters).toEqual([
      { persistenceId: 'door', message: { type: 'enter', who: 'c' }, reason: expect.stringContaining('dropped') },
    ]);
    await ref.ask({ type: 'open' });
    await expect(Promise.all([first, second])).resolves.toEqual(['welcome a', 'welcome b']);
    await persistence.close();
  });

  it('typed: Effect.stash() sets commands aside until Effect.unstashAll()', async () => {
    type State = { readonly open: boolean; readonly inside: readonly string[] };
    type Event = { readonly type: 'opened' } | { readonly type: 'entered'; readonly who: string };
    const door = defineEntity<State, DoorCommand, Event>({
      name: 'door',
      emptyState: { open: false, inside: [] },
      commandHandler: (state, command) => {
        switch (command.type) {
          case 'open':
            return Effect.persist<Event, State>({ type: 'opened' })
              .thenUnstashAll()
              .thenReply(() => 'open');
          case 'enter':
            if (!state.open) return Effect.stash();
            return Effect.persist<Event, State>({ type: 'entered', who: command.who }).thenReply(() => `welcome ${command.who}`);
          case 'get':
            return Effect.reply(state.inside);
        }
      },
      eventHandler: (state, event) =>
        event.type === 'opened' ? { ...state, open: true } : { ...state, inside: [...state.inside, event.who] },
    });
    const persistence = createPersistence(stores());
    const ref = persistence.entity(door, 'front');
    const ann = ref.ask({ type: 'enter', who: 'ann' });
    const bob = ref.ask({ type: 'enter', who: 'bob' });
    await expect(ref.ask({ type: 'get' })).resolves.toEqual([]);
    await ref.ask({ type: 'open' });
    await expect(Promise.all([ann, bob])).resolves.toEqual(['welcome ann', 'welcome bob']);
    await expect(ref.ask({ type: 'get' })).resolves.toEqual(['ann', 'bob']);
    await persistence.close();
  });

  it('fails a command still stashed when the actor leaves memory, instead of leaving its asker waiting', async () => {
    const persistence = createPersistence({ ...stores(), passivation: { idleMs: 5 } });
    const ref = persistence.actorOf<DoorCommand>(() => new Door());
    await expect(ref.ask({ type: 'enter', who: 'late' })).rejects.toMatchObject({
      code: ErrorCodes.entityStopped,
      persistenceId: 'door',
      actual: 'a stashed command',
    });
    await persistence.close();
  });

  it('refuses an unknown overflow strategy, naming the option', () => {
    expect(() =>
      defineEntity({
        name: 'x',
        emptyState: 0,
        commandHandler: () => Effect.none(),
        eventHandler: (state: number) => state,
        stashOverflow: 'explode' as StashOverflowStrategy,
      }),
    ).toThrow(/options\.stashOverflow/);
  });
});
