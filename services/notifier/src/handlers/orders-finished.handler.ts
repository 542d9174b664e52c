import { eventHandler, type TopicHandler } from '@orderflow/runtime';
import type { EventSerde, OrdersFinished } from '@orderflow/contracts';
import { factsFromOrdersFinished } from '../domain/notification';
import { recordNotifications, type NotifyDeps } from './record-notifications';

/** An order's outcome: PAID is an order confirmation, FAILED an order failure with its reason. */
export function ordersFinishedHandler(
  deps: NotifyDeps & { serde: EventSerde },
): TopicHandler<OrdersFinished> {
  return eventHandler(
    'orders.finished',
    (buffer) => deps.serde.decode('orders.finished', buffer),
    (ctx, { value }) => recordNotifications(deps, ctx, factsFromOrdersFinished(value)),
  );
}
