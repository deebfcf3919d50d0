/**
 * Version 1 of the cart, as it shipped before event adapters: events are stored as they
 * are (no manifest), prices are floats in dollars, and one command may add several items
 * in one `items-added` event. Kept only so the example can write old data.
 */
import { defineEntity, Effect } from '../../src/index.js';

/** An item as version 1 stored it. */
export interface ItemV1 {
  readonly name: string;
  readonly price: number;
}

/** Version 1 events. */
export type CartEventV1 =
  | { readonly type: 'item-added'; readonly item: ItemV1 }
  | { readonly type: 'items-added'; readonly items: readonly ItemV1[] };

/** Version 1 state (also the shape of its snapshots). */
export interface CartStateV1 {
  readonly items: readonly ItemV1[];
}

/** Version 1 commands. */
export type CartCommandV1 =
  | { readonly type: 'add'; readonly item: ItemV1 }
  | { readonly type: 'addMany'; readonly items: readonly ItemV1[] }
  | { readonly type: 'snapshot' };

/** The version 1 definition. */
export const CartV1 = defineEntity<CartStateV1, CartCommandV1, CartEventV1>({
  name: 'cart',
  emptyState: { items: [] },
  commandHandler: (_state, command) => {
    switch (command.type) {
      case 'add':
        return Effect.persist<CartEventV1>({ type: 'item-added', item: command.item });
      case 'addMany':
        return Effect.persist<CartEventV1>({ type: 'items-added', items: command.items });
      case 'snapshot':
        return Effect.none<CartEventV1, CartStateV1>().thenSnapshot();
    }
  },
  eventHandler: (state, event) => ({ items: [...state.items, ...(event.type === 'item-added' ? [event.item] : event.items)] }),
});
