import type { EventSerde, OrdersFinished } from '@orderflow/contracts';
import { batchEventHandler, poison, type ConsumedEvent, type TopicHandler } from '@orderflow/runtime';
import type { OrderOutcomeRecord, ProjectedOrder } from '../db/order.repository';
import { decideInOrder, type RefundDecision } from '../domain/refund-decision';
import { orderIdProblem } from '../domain/refund-request';
import { decideRefunds, type DecideDeps } from '../use-cases/decide-refunds';

function outcomeProblems(event: OrdersFinished): string[] {
  const problems: string[] = [];
  const orderId = orderIdProblem(event.order_id);
  if (orderId) problems.push(`order_id ${orderId}`);
  if (!Number.isSafeInteger(event.total_cents) || event.total_cents < 0)
    problems.push(`total_cents ${event.total_cents} is not a whole number >= 0`);
  if (!/^[A-Z]{3}$/.test(event.currency)) problems.push(`currency ${JSON.stringify(event.currency)}`);
  return problems;
}

function outcomeRecord(event: OrdersFinished): OrderOutcomeRecord {
  return {
    orderId: event.order_id,
    status: event.status,
    totalCents: event.total_cents,
    currency: event.currency,
    customer: event.customer,
    placedAt: event.placed_at,
    finishedAt: event.finished_at,
    finishedEventId: event.event_id,
  };
}

/**
 * An order's outcome: recorded in the projection (the first one wins; orders emits one per order), and
 * the requests that were waiting for it decided in the order they arrived, in the same transaction.
 *
 * A batch at a time, with the same result as one event after the other in offset order: the batch's order
 * rows are created where missing and locked in order-id order (so two instances cannot deadlock, and the
 * refunds.requested handler, which locks an order's row first too, waits for this transaction), the new
 * outcomes recorded in one statement, the waiting requests of those orders read in one, and only orders
 * with waiting requests decided one by one, in the order their outcomes came.
 */
export function ordersFinishedHandler(
  deps: DecideDeps & { serde: EventSerde },
): TopicHandler<OrdersFinished> {
  return batchEventHandler<OrdersFinished>(
    'orders.finished',
    (buffer) => deps.serde.decode('orders.finished', buffer),
    async (ctx, events, logFor) => {
      for (const { value: event } of events) {
        const problems = outcomeProblems(event);
        if (problems.length > 0) {
          // On the batch path this sends the runner through the batch message by message: only this
          // event is dead-lettered.
          throw poison(
            'REFUNDS.INVALID_ORDER_OUTCOME',
            `orders.finished cannot be projected: ${problems.join('; ')}`,
            { problems },
          );
        }
      }
      const stored = await deps.orders.lockOrCreateMany(
        ctx.tx,
        events.map((e) => e.value.order_id),
      );

      // Who records each order's outcome: the stored one, else the batch's first event for it.
      const recordedBy = new Map<string, { status: string; eventId: string }>();
      for (const [orderId, order] of stored) {
        if (order.status !== null)
          recordedBy.set(orderId, { status: order.status, eventId: order.finishedEventId! });
      }
      const toRecord: ConsumedEvent<OrdersFinished>[] = [];
      for (const consumed of events) {
        const event = consumed.value;
        const recorded = recordedBy.get(event.order_id);
        if (recorded) {
          logFor(consumed)[recorded.status === event.status ? 'info' : 'warn'](
            { recorded: recorded.status, status: event.status, firstEventId: recorded.eventId },
            'order outcome already recorded; ignored',
          );
          continue;
        }
        recordedBy.set(event.order_id, { status: event.status, eventId: event.event_id });
        toRecord.push(consumed);
      }
      if (toRecord.length === 0) return;

      const orders = await deps.orders.recordOutcomes(
        ctx.tx,
        toRecord.map((e) => outcomeRecord(e.value)),
      );
      const lost = toRecord.find((e) => !orders.has(e.value.order_id));
      if (lost) throw new Error(`order ${lost.value.order_id} has no placeholder to record its outcome in`);
      const waitingByOrder = await deps.refunds.lockWaitingMany(
        ctx.tx,
        toRecord.map((e) => e.value.order_id),
      );

      for (const consumed of toRecord) {
        const event = consumed.value;
        const order: ProjectedOrder = orders.get(event.order_id)!;
        const waiting = waitingByOrder.get(event.order_id) ?? [];
        const log = logFor(consumed);
        if (waiting.length === 0) {
          log.debug({ status: event.status, decidedWaiting: 0 }, 'order outcome recorded');
          continue;
        }
        const { decisions } = decideInOrder(
          order,
          waiting.map((refund) => refund.requested_amount_cents),
        );
        const items = waiting.map((refund, index) => {
          const decision: RefundDecision | undefined = decisions[index];
          // The outcome was just recorded, so nothing can still be told to wait.
          if (!decision || decision.kind === 'wait')
            throw new Error(`refund ${refund.refund_id} left undecided`);
          return { refund, decision };
        });
        const messages = await decideRefunds(ctx.tx, deps, order, items);
        for (const message of messages) ctx.publish(message);
        // Not every outcome has requests waiting for it: this one is worth a line.
        log.info({ status: event.status, decidedWaiting: items.length }, 'order outcome recorded');
      }
    },
  );
}
