import type { OrderDetails, OrderSummary } from '../db/order.repository';
import { orderTimeline } from '../domain/order-timeline';
import type { PlacedOrder } from '../domain/placed-order';

const iso = (millis: number | Date | null): string | null =>
  millis === null ? null : new Date(millis).toISOString();

/** `GET /orders/{id}`: DESIGN.md's shape (snake_case, money in cents) plus what a support person needs. */
export function orderView(order: OrderDetails, placed: PlacedOrder) {
  const finished =
    order.finishedAt && order.finishedEventId && (order.status === 'PAID' || order.status === 'FAILED')
      ? {
          eventId: order.finishedEventId,
          finishedAt: order.finishedAt.getTime(),
          status: order.status,
          reason: order.reason,
        }
      : undefined;
  return {
    order_id: order.orderId,
    status: order.status,
    reason: order.reason,
    reason_detail: order.reasonDetail,
    customer_id: placed.customer.customer_id,
    customer: { name: placed.customer.name, email: placed.customer.email },
    currency: placed.currency,
    total_cents: placed.totalCents,
    lines: placed.lines.map((line) => ({ ...line, line_total_cents: line.unit_price_cents * line.qty })),
    placed_at: iso(placed.placedAt),
    finished_at: iso(order.finishedAt),
    payment_id: order.paymentId,
    correlation_id: placed.correlationId,
    source: placed.source,
    conflicts: order.conflicts,
    timeline: orderTimeline(order.facts, finished).map((entry) => ({
      event_id: entry.eventId,
      topic: entry.topic,
      type: entry.type,
      occurred_at: iso(entry.occurredAt),
      ...(entry.receivedAt === undefined ? {} : { received_at: iso(entry.receivedAt) }),
      ...(entry.outcome === undefined ? {} : { outcome: entry.outcome }),
      ...(entry.note === undefined ? {} : { note: entry.note }),
    })),
  };
}

export function orderSummaryView(order: OrderSummary) {
  return {
    order_id: order.orderId,
    status: order.status,
    reason: order.reason,
    customer_id: order.customerId,
    currency: order.currency,
    total_cents: order.totalCents,
    placed_at: iso(order.placedAt),
    finished_at: iso(order.finishedAt),
  };
}
