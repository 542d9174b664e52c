import type { InventoryRejected } from '@orderflow/contracts';
import type { TopicHandler } from '@orderflow/runtime';
import { orderFactHandler, type OrderFactDeps } from './record-order-fact';

export function inventoryRejectedHandler(deps: OrderFactDeps): TopicHandler<InventoryRejected> {
  return orderFactHandler<InventoryRejected>('inventory.rejected', deps, (event) => ({
    orderId: event.order_id,
    fact: {
      kind: 'rejected',
      eventId: event.event_id,
      occurredAt: event.occurred_at,
      reason: event.reason,
      lines: event.lines,
    },
  }));
}
