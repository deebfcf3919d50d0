/** The service's domain: accounts that take deposits, their events tagged for the projection. */
import { defineEntity, Effect, type EventAdapter, EventSeq, Tagged } from '../../src/index.js';

/** A deposit command; `depositId` makes each one traceable in the journal. */
export type AccountCommand = { type: 'deposit'; depositId: string; amount: number } | { type: 'balance' };
/** What an account records. */
export type AccountEvent = { type: 'deposited'; depositId: string; amount: number };
/** An account's state. */
export type AccountState = { balance: number };

/** Every deposit is stored under the tag `deposits`, which the totals projection reads. */
export const DEPOSITS_TAG = 'deposits';

const tagDeposits: EventAdapter<AccountEvent> = {
  manifest: () => 'deposited',
  toJournal: (event) => Tagged(event, [DEPOSITS_TAG]),
  fromJournal: (stored) => EventSeq.single(stored as AccountEvent),
};

/** The account entity: a deposit replies with the new balance once the event is stored. */
export const Account = defineEntity<AccountState, AccountCommand, AccountEvent>({
  name: 'account',
  emptyState: { balance: 0 },
  commandHandler: (state, command) => {
    if (command.type === 'balance') return Effect.reply(state.balance);
    return Effect.persist<AccountEvent, AccountState>({
      type: 'deposited',
      depositId: command.depositId,
      amount: command.amount,
    }).thenReply((after) => after.balance);
  },
  eventHandler: (state, event) => ({ balance: state.balance + event.amount }),
  eventAdapters: [{ adapter: tagDeposits, appliesTo: () => true, manifests: ['deposited'] }],
  retention: { snapshotEvery: 100, keepNSnapshots: 2 },
});
