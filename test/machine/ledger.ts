/** A tiny definition for machine tests: every applied action id is kept, so skips and repeats show. */
import { defineState } from '../../src/index.js';

export interface Ledger {
  readonly applied: readonly string[];
  readonly total: number;
}

export const LedgerState = defineState({
  name: 'ledger',
  initialState: { applied: [], total: 0 } as Ledger,
  actions: {
    add(state: Ledger, payload: { amount: number }, action): Ledger {
      return { applied: [...state.applied, action.id], total: state.total + payload.amount };
    },
    fail(_state: Ledger, payload: { reason: string }): Ledger {
      throw new Error(payload.reason);
    },
  },
});
