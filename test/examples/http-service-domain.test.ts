/**
 * The http-service example's domain under the package's own test kit, as docs/testing.md
 * tells users to test theirs: replies, events, tags for the projection, snapshots and recovery.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { Account, DEPOSITS_TAG } from '../../examples/http-service/domain.js';
import { SnapshotSelectionCriteria } from '../../src/index.js';
import { eventSourcedTestKit } from '../../src/testkit/index.js';

let kit: { close(): Promise<void> } | undefined;
afterEach(() => kit?.close());

describe('examples/http-service domain', () => {
  it('replies to a deposit with the new balance, typed as the command declares', async () => {
    const account = eventSourcedTestKit(Account, { entityId: 'alice' });
    kit = account;
    const result = await account.run({ type: 'deposit', depositId: 'd-1', amount: 25 });
    expectTypeOf(result.reply).toEqualTypeOf<number>();
    expect(result).toMatchObject({ events: [{ type: 'deposited', depositId: 'd-1', amount: 25 }], reply: 25, state: { balance: 25 } });
    const balance = await account.run({ type: 'balance' });
    expect(balance).toMatchObject({ events: [], reply: 25 });
  });

  it('tags every deposit for the totals projection', async () => {
    const account = eventSourcedTestKit(Account, { entityId: 'bob' });
    kit = account;
    await account.run({ type: 'deposit', depositId: 'd-1', amount: 1 });
    await account.run({ type: 'deposit', depositId: 'd-2', amount: 2 });
    const tagged = [];
    for await (const repr of account.journal.replay(account.persistenceId, 1, Number.MAX_SAFE_INTEGER)) tagged.push(repr.tags);
    expect(tagged).toEqual([[DEPOSITS_TAG], [DEPOSITS_TAG]]);
  });

  it('snapshots every 100 events and recovers the same balance from snapshot plus replay', async () => {
    const account = eventSourcedTestKit(Account, { entityId: 'carol' });
    kit = account;
    for (let index = 1; index <= 120; index++) await account.run({ type: 'deposit', depositId: `d-${index}`, amount: index });
    const expected = (120 * 121) / 2;
    expect(await account.restart()).toEqual({ balance: expected });
    expect(await account.lastSequenceNr()).toBe(120);
    const snapshot = await account.snapshotStore.load(account.persistenceId, SnapshotSelectionCriteria.Latest);
    expect(snapshot?.metadata.sequenceNr).toBe(100);
  });
});
