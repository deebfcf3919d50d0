/** The durable state entity the durable suite exercises: an account balance, with every effect reachable. */
import { DurableEffect, type DurableEntityOptions, type DurableSignal, defineDurableEntity } from '../../../src/index.js';

export interface AccountState {
  readonly balance: number;
  /** Every amount applied, in order: catches lost or reordered changes. */
  readonly applied: readonly number[];
}

export type AccountCommand =
  | { readonly type: 'deposit'; readonly amount: number }
  | { readonly type: 'slowDeposit'; readonly amount: number; readonly wait: Promise<void> }
  | { readonly type: 'storeRaw'; readonly state: unknown }
  | { readonly type: 'close' }
  | { readonly type: 'get' }
  | { readonly type: 'ctx' }
  | { readonly type: 'ignore' }
  | { readonly type: 'stop' }
  | { readonly type: 'depositThenStop'; readonly amount: number }
  | { readonly type: 'sideEffect'; readonly amount: number; readonly sink: number[] }
  | { readonly type: 'notAnEffect' };

export const emptyAccount: AccountState = Object.freeze({ balance: 0, applied: Object.freeze([]) as readonly number[] });

const deposited = (state: AccountState, amount: number): AccountState => ({
  balance: state.balance + amount,
  applied: [...state.applied, amount],
});

/** Options of the account; tests override what they need. */
export function accountOptions(
  overrides: Partial<DurableEntityOptions<AccountState, AccountCommand>> = {},
  signals: DurableSignal[] = [],
): DurableEntityOptions<AccountState, AccountCommand> {
  return {
    name: 'account',
    emptyState: emptyAccount,
    commandHandler: async (state, command, ctx) => {
      switch (command.type) {
        case 'deposit':
          return DurableEffect.persist(deposited(state, command.amount)).thenReply((s) => s.balance);
        case 'slowDeposit':
          await command.wait;
          return DurableEffect.persist(deposited(state, command.amount)).thenReply((s) => s.balance);
        case 'storeRaw':
          return DurableEffect.persist(command.state as AccountState);
        case 'close':
          return DurableEffect.delete<AccountState>().thenReply((s) => s.balance);
        case 'get':
          return DurableEffect.reply(state);
        case 'ctx':
          return DurableEffect.reply({ persistenceId: ctx.persistenceId, entityId: ctx.entityId, revision: ctx.revision });
        case 'ignore':
          return DurableEffect.unhandled();
        case 'stop':
          return DurableEffect.stop();
        case 'depositThenStop':
          return DurableEffect.persist(deposited(state, command.amount))
            .thenStop()
            .thenReply((s) => s.balance);
        case 'sideEffect':
          return DurableEffect.persist(deposited(state, command.amount))
            .thenRun((s) => command.sink.push(s.balance))
            .thenRun(() => {
              throw new Error('side effect failed');
            })
            .thenRun((s) => command.sink.push(s.balance * 10));
        case 'notAnEffect':
          return { kind: 'persist' } as never;
      }
    },
    signalHandler: (_state, signal) => {
      signals.push(signal);
    },
    ...overrides,
  };
}

/** An account definition. */
export const account = (overrides: Partial<DurableEntityOptions<AccountState, AccountCommand>> = {}, signals: DurableSignal[] = []) =>
  defineDurableEntity(accountOptions(overrides, signals));
