import type { InventoryReserved } from '@orderflow/contracts';
import { eventHandler, type TopicHandler } from '@orderflow/runtime';
import { recordOrderFact, type OrderFactDeps } from './record-order-fact';

export function inventoryReservedHandler(deps: OrderFactDeps): TopicHandler<InventoryReserved> {
  return eventHandler(
    'inventory.reserved',
    (value) => deps.serde.decode('inventory.reserved', value),
    async (ctx, { value: event }) => {
      await recordOrderFact(ctx, deps, {
        orderId: event.order_id,
        fact: {
          kind: 'reserved',
          eventId: event.event_id,
          occurredAt: event.occurred_at,
          reservationId: event.reservation_id,
        },
      });
    },
  );
}
