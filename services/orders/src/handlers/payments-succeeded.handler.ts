import type { PaymentsSucceeded } from '@orderflow/contracts';
import type { TopicHandler } from '@orderflow/runtime';
import { orderFactHandler, type OrderFactDeps } from './record-order-fact';

export function paymentsSucceededHandler(deps: OrderFactDeps): TopicHandler<PaymentsSucceeded> {
  return orderFactHandler<PaymentsSucceeded>('payments.succeeded', deps, (event) => ({
    orderId: event.order_id,
    fact: {
      kind: 'payment-succeeded',
      eventId: event.event_id,
      occurredAt: event.occurred_at,
      paymentId: event.payment_id,
    },
  }));
}
