import type { TopicHandler } from '@orderflow/runtime';
import type { EventSerde, OrdersFinished } from '@orderflow/contracts';
import { factsFromOrdersFinished } from '../domain/notification';
import { notificationHandler, type NotifyDeps } from './record-notifications';

/** An order's outcome: PAID is an order confirmation, FAILED an order failure with its reason. */
export function ordersFinishedHandler(
  deps: NotifyDeps & { serde: EventSerde },
): TopicHandler<OrdersFinished> {
  return notificationHandler(
    'orders.finished',
    deps,
    (buffer) => deps.serde.decode('orders.finished', buffer),
    factsFromOrdersFinished,
  );
}
