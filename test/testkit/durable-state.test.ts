import { describe, expect, it } from 'vitest';
import { DurableEffect, defineDurableEntity, ErrorCodes, InvalidArgumentError, type RepliesWith } from '../../src/index.js';
import { durableStateTestKit } from '../../src/testkit/index.js';
import { closingAfterEach } from '../support/closing-after-each.js';

type ProfileCommand =
  | ({ readonly type: 'rename'; readonly name: string } & RepliesWith<string>)
  | { readonly type: 'remove' }
  | ({ readonly type: 'get' } & RepliesWith<string>);
interface Profile {
  readonly name: string;
}

const Profile = defineDurableEntity<Profile, ProfileCommand>({
  name: 'profile',
  emptyState: { name: '' },
  commandHandler: (state, command) => {
    switch (command.type) {
      case 'rename':
        return DurableEffect.persist({ name: command.name }).thenReply((next: Profile) => next.name);
      case 'remove':
        return DurableEffect.delete();
      case 'get':
        return DurableEffect.reply(state.name);
    }
  },
});

const kitOf = closingAfterEach();

describe('durableStateTestKit', () => {
  it('returns what each command stored, the reply, the state and the revision', async () => {
    const kit = kitOf(durableStateTestKit(Profile, { entityId: 'p1' }));
    expect(kit.persistenceId).toBe('profile|p1');
    const renamed = await kit.run({ type: 'rename', name: 'Ada' });
    expect(renamed).toMatchObject({
      stored: { kind: 'persist', state: { name: 'Ada' } },
      reply: 'Ada',
      state: { name: 'Ada' },
      revision: 1,
    });
    const read = await kit.run({ type: 'get' });
    expect(read).toMatchObject({ stored: { kind: 'none' }, reply: 'Ada', revision: 1 });
    const removed = await kit.run({ type: 'remove' });
    expect(removed).toMatchObject({ stored: { kind: 'delete' }, state: { name: '' }, revision: 2 });
  });

  it('loads the same state and revision after a restart', async () => {
    const kit = kitOf(durableStateTestKit(Profile));
    await kit.run({ type: 'rename', name: 'Grace' });
    expect(await kit.restart()).toEqual({ name: 'Grace' });
    expect(await kit.revision()).toBe(1);
    expect((await kit.store.get('profile|test')).value).toEqual({ name: 'Grace' });
  });

  it('fails the command when the state would not survive the serializer, naming the path', async () => {
    const Clock = defineDurableEntity<{ readonly at: unknown }, 'tick'>({
      name: 'clock',
      emptyState: { at: null },
      commandHandler: () => DurableEffect.persist({ at: () => 0 }),
    });
    const kit = kitOf(durableStateTestKit(Clock));
    const error = await kit.run('tick').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: ErrorCodes.serialization, persistenceId: 'clock|test' });
    expect(String((error as Error).message)).toMatch(/state\.at/);
    expect(await kit.revision()).toBe(0);
  });

  it('validates its arguments', () => {
    expect(() => durableStateTestKit({} as never)).toThrow(InvalidArgumentError);
  });
});
