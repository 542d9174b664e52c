import type { InventoryReserved } from '@orderflow/contracts';
import type { TopicHandler } from '@orderflow/runtime';
import { orderFactHandler, type OrderFactDeps } from './record-order-fact';

export function inventoryReservedHandler(deps: OrderFactDeps): TopicHandler<InventoryReserved> {
  return orderFactHandler<InventoryReserved>('inventory.reserved', deps, (event) => ({
    orderId: event.order_id,
    fact: {
      kind: 'reserved',
      eventId: event.event_id,
      occurredAt: event.occurred_at,
      reservationId: event.reservation_id,
    },
  }));
}
