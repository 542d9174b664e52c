import type { OrdersPlaced } from '@orderflow/contracts';
import { poison, type TopicHandler } from '@orderflow/runtime';
import { placedOrderFrom, placedOrderProblems } from '../domain/placed-order';
import { orderFactHandler, type OrderFactDeps } from './record-order-fact';

/** orders.placed: the order itself. A re-import is a duplicate or a conflict, never a second order. */
export function ordersPlacedHandler(deps: OrderFactDeps): TopicHandler<OrdersPlaced> {
  return orderFactHandler<OrdersPlaced>('orders.placed', deps, (event) => {
    const problems = placedOrderProblems(event);
    if (problems.length > 0) {
      throw poison('ORDERS.INVALID_ORDER', `orders.placed is not a usable order: ${problems.join('; ')}`);
    }
    return {
      orderId: event.order_id,
      fact: {
        kind: 'placed',
        eventId: event.event_id,
        occurredAt: event.occurred_at,
        contentHash: event.content_hash,
      },
      placed: placedOrderFrom(event),
    };
  });
}
