import { describe, expectTypeOf, it } from 'vitest';
import type { DeliveryDestination, EntityRef } from '../../src/index.js';

type ShipOrder = { readonly deliveryId: number; readonly orderId: string };

describe('DeliveryDestination (types)', () => {
  it('takes a function typed for its own message, as docs/delivery.md writes it', () => {
    expectTypeOf<(message: ShipOrder) => Promise<void>>().toExtend<DeliveryDestination>();
    expectTypeOf<(message: ShipOrder) => Promise<void>>().toExtend<DeliveryDestination<ShipOrder>>();
  });

  it("takes another entity's reference, told its own command type", () => {
    expectTypeOf<EntityRef<ShipOrder>>().toExtend<DeliveryDestination>();
  });

  it('refuses what can neither be called nor told', () => {
    expectTypeOf<{ send(message: ShipOrder): void }>().not.toExtend<DeliveryDestination>();
    expectTypeOf<string>().not.toExtend<DeliveryDestination>();
  });
});
