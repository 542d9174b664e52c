import { eventIdFrom, type OrdersFinished } from '@orderflow/contracts';
import type { PlacedOrder } from './placed-order';
import { isFinal, type OrderState } from './order-state';

/**
 * The id of an order's orders.finished: a function of the order id alone, so even a bug that emitted it
 * twice would produce one event as far as every consumer's inbox is concerned.
 */
export function finishedEventId(orderId: string): string {
  return eventIdFrom('orders.finished', orderId);
}

/** The orders.finished of an order that has just become final. */
export function finishedEvent(order: PlacedOrder, state: OrderState, finishedAt: number): OrdersFinished {
  if (!isFinal(state.status)) {
    throw new Error(`order ${order.orderId} is ${state.status}, not final`);
  }
  return {
    event_id: finishedEventId(order.orderId),
    occurred_at: finishedAt,
    order_id: order.orderId,
    correlation_id: order.correlationId,
    causation_id: state.decidedBy,
    status: state.status,
    reason: state.reason,
    reason_detail: state.reasonDetail,
    customer: order.customer,
    currency: order.currency,
    total_cents: order.totalCents,
    lines: order.lines,
    placed_at: order.placedAt,
    finished_at: finishedAt,
    payment_id: state.status === 'PAID' ? state.paymentId : null,
  };
}
