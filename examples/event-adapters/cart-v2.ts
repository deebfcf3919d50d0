/**
 * Version 2 of the cart: items have a SKU, a quantity and an integer price in cents.
 * Its event adapter writes `item-added.v2` events (tagged `cart`) and upcasts what
 * version 1 stored (without a manifest): `item-added` into one v2 event, `items-added`
 * into one per item. Its snapshot adapter migrates version 1 snapshots the same way.
 */
import { defineEntity, Effect, type EventAdapter, EventSeq, NO_MANIFEST, type SnapshotAdapter, Tagged } from '../../src/index.js';
import type { CartEventV1, CartStateV1, ItemV1 } from './cart-v1.js';

/** A cart line as version 2 models it. */
export interface Line {
  readonly sku: string;
  readonly quantity: number;
  readonly priceCents: number;
}

/** Version 2 events. */
export type CartEvent = { readonly type: 'line-added'; readonly line: Line };

/** Version 2 state. */
export interface CartState {
  readonly lines: readonly Line[];
}

/** Version 2 commands. */
export type CartCommand = { readonly type: 'add'; readonly line: Line } | { readonly type: 'get' } | { readonly type: 'snapshot' };

/** Manifest of the events version 2 writes. */
export const LINE_ADDED_V2 = 'item-added.v2';

const upcastItem = (item: ItemV1): Line => ({
  sku: item.name.toLowerCase().replaceAll(' ', '-'),
  quantity: 1,
  priceCents: Math.round(item.price * 100),
});

/** Reads version 1 events and writes version 2 ones. */
export const cartEventAdapter: EventAdapter<CartEvent> = {
  manifest: () => LINE_ADDED_V2,
  toJournal: (event) => Tagged({ line: event.line }, ['cart']),
  fromJournal: (stored, manifest) => {
    if (manifest === LINE_ADDED_V2) return EventSeq.single({ type: 'line-added', line: (stored as { line: Line }).line });
    const old = stored as CartEventV1;
    if (old.type === 'item-added') return EventSeq.single({ type: 'line-added', line: upcastItem(old.item) });
    return EventSeq.many(old.items.map((item) => ({ type: 'line-added' as const, line: upcastItem(item) })));
  },
};

/** Stores the state as it is (version 2) and migrates version 1 snapshots. */
export const cartSnapshotAdapter: SnapshotAdapter<CartState> = {
  toSnapshot: (state) => state,
  fromSnapshot: (stored, version) => (version === 1 ? { lines: (stored as CartStateV1).items.map(upcastItem) } : (stored as CartState)),
  canMigrate: (version) => version === 1,
};

/** The version 2 definition. */
export const Cart = defineEntity<CartState, CartCommand, CartEvent>({
  name: 'cart',
  emptyState: { lines: [] },
  commandHandler: (state, command) => {
    switch (command.type) {
      case 'add':
        return Effect.persist<CartEvent>({ type: 'line-added', line: command.line }).thenReply((s: CartState) => s.lines.length);
      case 'get':
        return Effect.reply(state);
      case 'snapshot':
        return Effect.none<CartEvent, CartState>().thenSnapshot();
    }
  },
  eventHandler: (state, event) => ({ lines: [...state.lines, event.line] }),
  eventAdapters: [
    { adapter: cartEventAdapter, appliesTo: (event) => event.type === 'line-added', manifests: [LINE_ADDED_V2, NO_MANIFEST] },
  ],
  snapshotVersion: 2,
  snapshotAdapter: cartSnapshotAdapter,
});
