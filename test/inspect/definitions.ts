/**
 * Definitions the inspection and CLI tests rebuild state with: an entity (`account|<id>`),
 * a durable entity (`profile|<id>`) and a machine (`ledger`). Also loaded by the CLI as a
 * `--definitions` module.
 */
import { DurableEffect, defineDurableEntity, defineEntity, defineState, Effect } from '../../src/index.js';

/** An account's state: balance and the number of movements. */
export interface Account {
  readonly balance: number;
  readonly movements: number;
  readonly owner?: string;
}

/** What an account stores. */
export type AccountEvent = { readonly type: 'deposited'; readonly amount: number } | { readonly type: 'renamed'; readonly owner: string };

/** An event-sourced account: persistence ids `account|<id>`. */
export const AccountEntity = defineEntity<Account, AccountEvent, AccountEvent>({
  name: 'account',
  emptyState: { balance: 0, movements: 0 },
  commandHandler: (_state, command) => Effect.persist(command),
  eventHandler: (state, event) =>
    event.type === 'deposited'
      ? { ...state, balance: state.balance + event.amount, movements: state.movements + 1 }
      : { ...state, owner: event.owner },
});

/** A durable entity: persistence ids `profile|<id>`. */
export const ProfileEntity = defineDurableEntity<{ readonly name: string }, { readonly name: string }>({
  name: 'profile',
  emptyState: { name: '' },
  commandHandler: (_state, command) => DurableEffect.persist(command),
});

/** A machine: the journal id `ledger`. */
export const LedgerMachine = defineState({
  name: 'ledger',
  initialState: { total: 0, entries: 0 },
  actions: {
    add: (state: { total: number; entries: number }, payload: { amount: number }) => ({
      total: state.total + payload.amount,
      entries: state.entries + 1,
    }),
  },
});
