import { eventHandler, poison, type TopicHandler } from '@orderflow/runtime';
import type { EventSerde, InventoryReserved } from '@orderflow/contracts';
import type { PaymentRepository } from '../db/payment.repository';
import { paymentIdFor } from '../domain/payment-events';
import { reservationProblems } from '../domain/payment';

/**
 * Stock is reserved: record the order's payment as PENDING. Only that, inside the consumer transaction;
 * the charge request goes out from the submit worker once this has committed, so a rolled-back batch can
 * never have charged anyone. A second reservation of the same order finds its payment already there.
 */
export function inventoryReservedHandler(deps: {
  serde: EventSerde;
  repo: PaymentRepository;
}): TopicHandler<InventoryReserved> {
  return eventHandler(
    'inventory.reserved',
    (buffer) => deps.serde.decode('inventory.reserved', buffer),
    async (ctx, { value: event }) => {
      const problems = reservationProblems(event);
      if (problems.length > 0) {
        throw poison(
          'PAYMENTS.INVALID_RESERVATION',
          `inventory.reserved cannot be charged: ${problems.join('; ')}`,
          {
            problems,
          },
        );
      }
      const paymentId = paymentIdFor(event.order_id);
      const result = await deps.repo.insertPending(ctx.tx, {
        payment_id: paymentId,
        order_id: event.order_id,
        amount_cents: event.total_cents,
        currency: event.currency,
        correlation_id: event.correlation_id,
        reserved_event_id: event.event_id,
        reservation_id: event.reservation_id,
      });
      if (result.created) {
        ctx.log.info(
          { paymentId, amountCents: event.total_cents, currency: event.currency },
          'payment recorded',
        );
        return;
      }
      const { existing } = result;
      const differs = existing.amount_cents !== event.total_cents || existing.currency !== event.currency;
      ctx.log[differs ? 'warn' : 'info'](
        {
          paymentId,
          status: existing.status,
          firstReservedEventId: existing.reserved_event_id,
          ...(differs ? { amountCents: event.total_cents, recordedAmountCents: existing.amount_cents } : {}),
        },
        'order already has a payment; reservation ignored',
      );
    },
  );
}
