import type { PaymentsSucceeded } from '@orderflow/contracts';
import { eventHandler, type TopicHandler } from '@orderflow/runtime';
import { recordOrderFact, type OrderFactDeps } from './record-order-fact';

export function paymentsSucceededHandler(deps: OrderFactDeps): TopicHandler<PaymentsSucceeded> {
  return eventHandler(
    'payments.succeeded',
    (value) => deps.serde.decode('payments.succeeded', value),
    async (ctx, { value: event }) => {
      await recordOrderFact(ctx, deps, {
        orderId: event.order_id,
        fact: {
          kind: 'payment-succeeded',
          eventId: event.event_id,
          occurredAt: event.occurred_at,
          paymentId: event.payment_id,
        },
      });
    },
  );
}
