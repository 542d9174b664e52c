import type { PaymentsFailed } from '@orderflow/contracts';
import type { TopicHandler } from '@orderflow/runtime';
import { orderFactHandler, type OrderFactDeps } from './record-order-fact';

export function paymentsFailedHandler(deps: OrderFactDeps): TopicHandler<PaymentsFailed> {
  return orderFactHandler<PaymentsFailed>('payments.failed', deps, (event) => ({
    orderId: event.order_id,
    fact: {
      kind: 'payment-failed',
      eventId: event.event_id,
      occurredAt: event.occurred_at,
      paymentId: event.payment_id,
      reason: event.reason,
      detail: event.detail,
    },
  }));
}
