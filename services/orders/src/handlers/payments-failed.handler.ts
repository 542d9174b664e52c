import type { PaymentsFailed } from '@orderflow/contracts';
import { eventHandler, type TopicHandler } from '@orderflow/runtime';
import { recordOrderFact, type OrderFactDeps } from './record-order-fact';

export function paymentsFailedHandler(deps: OrderFactDeps): TopicHandler<PaymentsFailed> {
  return eventHandler(
    'payments.failed',
    (value) => deps.serde.decode('payments.failed', value),
    async (ctx, { value: event }) => {
      await recordOrderFact(ctx, deps, {
        orderId: event.order_id,
        fact: {
          kind: 'payment-failed',
          eventId: event.event_id,
          occurredAt: event.occurred_at,
          paymentId: event.payment_id,
          reason: event.reason,
          detail: event.detail,
        },
      });
    },
  );
}
