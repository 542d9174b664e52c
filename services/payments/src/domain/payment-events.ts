import { eventIdFrom, type PaymentsFailed, type PaymentsSucceeded } from '@orderflow/contracts';
import type { Decision } from './payment';

/** What an outcome event needs to know about its payment. */
export interface DecidedPayment {
  payment_id: string;
  order_id: string;
  amount_cents: number;
  currency: string;
  correlation_id: string;
  /** The inventory.reserved event that asked for the payment: the outcome's cause. */
  reserved_event_id: string;
}

export type PaymentOutcomeEvent =
  | { topic: 'payments.succeeded'; value: PaymentsSucceeded }
  | { topic: 'payments.failed'; value: PaymentsFailed };

/**
 * The event announcing a decision. Its id depends only on the payment, so whatever decides a payment
 * (callback, timeout, refused request) and however often it is retried, consumers see one outcome event.
 */
export function paymentOutcomeEvent(
  payment: DecidedPayment,
  decision: Decision,
  details: { gatewayReference: string | null; decidedAt: number; now: number },
): PaymentOutcomeEvent {
  const envelope = {
    occurred_at: details.now,
    order_id: payment.order_id,
    correlation_id: payment.correlation_id,
    causation_id: payment.reserved_event_id,
    payment_id: payment.payment_id,
    amount_cents: payment.amount_cents,
    currency: payment.currency,
  };
  if (decision.status === 'SUCCEEDED') {
    return {
      topic: 'payments.succeeded',
      value: {
        ...envelope,
        event_id: eventIdFrom('payments.succeeded', payment.payment_id),
        gateway_reference: details.gatewayReference ?? '',
        paid_at: details.decidedAt,
      },
    };
  }
  return {
    topic: 'payments.failed',
    value: {
      ...envelope,
      event_id: eventIdFrom('payments.failed', payment.payment_id),
      reason: decision.reason,
      detail: decision.detail,
    },
  };
}

/** The payment id of an order: derived, so every delivery of its reservation maps to the same payment. */
export function paymentIdFor(orderId: string): string {
  return eventIdFrom('payment', orderId);
}
