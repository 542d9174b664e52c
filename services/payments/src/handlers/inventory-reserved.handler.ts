import { batchEventHandler, poison, type TopicHandler } from '@orderflow/runtime';
import type { EventSerde, InventoryReserved } from '@orderflow/contracts';
import type { PaymentRepository } from '../db/payment.repository';
import { paymentIdFor } from '../domain/payment-events';
import { reservationProblems } from '../domain/payment';

/**
 * Stock is reserved: record the order's payment as PENDING. Only that, inside the consumer transaction;
 * the charge request goes out from the submit worker once this has committed, so a rolled-back batch can
 * never have charged anyone. A second reservation of the same order finds its payment already there.
 * A batch is recorded with one statement (plus one to read the payments some orders already had).
 */
export function inventoryReservedHandler(deps: {
  serde: EventSerde;
  repo: PaymentRepository;
}): TopicHandler<InventoryReserved> {
  return batchEventHandler(
    'inventory.reserved',
    (buffer) => deps.serde.decode('inventory.reserved', buffer),
    async (ctx, events, logFor) => {
      for (const { value: event } of events) {
        const problems = reservationProblems(event);
        if (problems.length > 0) {
          throw poison(
            'PAYMENTS.INVALID_RESERVATION',
            `inventory.reserved cannot be charged: ${problems.join('; ')}`,
            { problems },
          );
        }
      }
      const results = await deps.repo.insertPendingMany(
        ctx.tx,
        events.map(({ value: event }) => ({
          payment_id: paymentIdFor(event.order_id),
          order_id: event.order_id,
          amount_cents: event.total_cents,
          currency: event.currency,
          correlation_id: event.correlation_id,
          reserved_event_id: event.event_id,
          reservation_id: event.reservation_id,
        })),
      );
      results.forEach((result, index) => {
        const consumed = events[index]!;
        const event = consumed.value;
        const paymentId = paymentIdFor(event.order_id);
        if (result.created) {
          logFor(consumed).debug(
            { paymentId, amountCents: event.total_cents, currency: event.currency },
            'payment recorded',
          );
          return;
        }
        const { existing } = result;
        const differs = existing.amount_cents !== event.total_cents || existing.currency !== event.currency;
        logFor(consumed)[differs ? 'warn' : 'info'](
          {
            paymentId,
            status: existing.status,
            firstReservedEventId: existing.reserved_event_id,
            ...(differs
              ? { amountCents: event.total_cents, recordedAmountCents: existing.amount_cents }
              : {}),
          },
          'order already has a payment; reservation ignored',
        );
      });
    },
  );
}
