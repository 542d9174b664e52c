import type { InventoryRejected } from '@orderflow/contracts';
import { eventHandler, type TopicHandler } from '@orderflow/runtime';
import { recordOrderFact, type OrderFactDeps } from './record-order-fact';

export function inventoryRejectedHandler(deps: OrderFactDeps): TopicHandler<InventoryRejected> {
  return eventHandler(
    'inventory.rejected',
    (value) => deps.serde.decode('inventory.rejected', value),
    async (ctx, { value: event }) => {
      await recordOrderFact(ctx, deps, {
        orderId: event.order_id,
        fact: {
          kind: 'rejected',
          eventId: event.event_id,
          occurredAt: event.occurred_at,
          reason: event.reason,
          lines: event.lines,
        },
      });
    },
  );
}
