import {
  eventIdFrom,
  type Customer,
  type RefundsProcessed,
  type RefundsRejected,
  type RefundsRequested,
} from '@orderflow/contracts';
import type { FinalDecision } from './refund-decision';

/** A refund as the outcome event needs it. */
export interface RefundToDecide {
  refundId: string;
  orderId: string;
  requestedAmountCents: number | null;
  reason: string;
  correlationId: string;
  requestedEventId: string;
}

/** What the projection knows about a finished order; null when its outcome never arrived. */
export interface OrderFacts {
  currency: string;
  customer: Customer;
  placedAt: number;
}

export type RefundOutcomeEvent =
  | { topic: 'refunds.processed'; value: RefundsProcessed }
  | { topic: 'refunds.rejected'; value: RefundsRejected };

export function requestedEventIdFor(refundId: string): string {
  return eventIdFrom('refunds.requested', refundId);
}

/** A request accepted by the API: the flow of this refund starts here, so it correlates by refund id. */
export function refundsRequestedEvent(input: {
  refundId: string;
  orderId: string;
  idempotencyKey: string;
  amountCents: number | null;
  reason: string;
  requestedAt: number;
}): RefundsRequested {
  return {
    event_id: requestedEventIdFor(input.refundId),
    occurred_at: input.requestedAt,
    order_id: input.orderId,
    correlation_id: input.refundId,
    causation_id: null,
    refund_id: input.refundId,
    idempotency_key: input.idempotencyKey,
    amount_cents: input.amountCents,
    reason: input.reason,
    requested_at: input.requestedAt,
  };
}

/**
 * The event announcing a decision. Its id depends only on the refund, so a decision retried after a
 * crash is recognised downstream as the same event.
 */
export function refundOutcomeEvent(
  refund: RefundToDecide,
  order: OrderFacts | null,
  decision: FinalDecision,
  now: number,
): RefundOutcomeEvent {
  const envelope = {
    occurred_at: now,
    order_id: refund.orderId,
    correlation_id: refund.correlationId,
    causation_id: refund.requestedEventId,
    refund_id: refund.refundId,
  };
  if (decision.kind === 'refund') {
    if (!order) throw new Error(`refund ${refund.refundId} granted without the order's outcome`);
    return {
      topic: 'refunds.processed',
      value: {
        ...envelope,
        event_id: eventIdFrom('refunds.processed', refund.refundId),
        amount_cents: decision.amountCents,
        currency: order.currency,
        customer: order.customer,
        order_placed_at: order.placedAt,
        refunded_total_cents: decision.refundedTotalCents,
        remaining_refundable_cents: decision.remainingCents,
        reason: refund.reason,
        processed_at: now,
      },
    };
  }
  return {
    topic: 'refunds.rejected',
    value: {
      ...envelope,
      event_id: eventIdFrom('refunds.rejected', refund.refundId),
      requested_amount_cents: refund.requestedAmountCents,
      currency: order?.currency ?? null,
      customer: order?.customer ?? null,
      reason: decision.reason,
      remaining_refundable_cents: decision.remainingCents,
      detail: decision.detail,
      rejected_at: now,
    },
  };
}
