import { describe, expect, expectTypeOf, it } from 'vitest';
import type { DeliveryDestination, EntityRef } from '../../src/index.js';

interface ShipOrder {
  readonly orderId: string;
}

describe('DeliveryDestination', () => {
  it('takes a function typed for its message, and an entity reference', () => {
    const shipped: string[] = [];
    const ship = async (order: ShipOrder): Promise<void> => {
      shipped.push(order.orderId);
    };
    const destination: DeliveryDestination = ship;
    expectTypeOf(ship).toExtend<DeliveryDestination>();
    expectTypeOf<EntityRef<ShipOrder>>().toExtend<DeliveryDestination>();
    expectTypeOf<EntityRef<ShipOrder>>().toExtend<DeliveryDestination<ShipOrder>>();
    void (destination as (message: unknown) => unknown)({ orderId: 'o-1' });
    expect(shipped).toEqual(['o-1']);
  });
  it('refuses what is neither a function nor a reference', () => {
    // @ts-expect-error a string is not a destination
    const destination: DeliveryDestination = 'shipping';
    expect(typeof destination).toBe('string');
  });
});
