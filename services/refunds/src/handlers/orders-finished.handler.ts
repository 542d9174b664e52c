import type { EventSerde, OrdersFinished } from '@orderflow/contracts';
import { eventHandler, poison, type TopicHandler } from '@orderflow/runtime';
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

/**
 * An order's outcome: recorded in the projection (the first one wins; orders emits one per order), and
 * the requests that were waiting for it decided in the order they arrived, in the same transaction.
 */
export function ordersFinishedHandler(
  deps: DecideDeps & { serde: EventSerde },
): TopicHandler<OrdersFinished> {
  return eventHandler(
    'orders.finished',
    (buffer) => deps.serde.decode('orders.finished', buffer),
    async (ctx, { value: event }) => {
      const problems = outcomeProblems(event);
      if (problems.length > 0) {
        throw poison(
          'REFUNDS.INVALID_ORDER_OUTCOME',
          `orders.finished cannot be projected: ${problems.join('; ')}`,
          {
            problems,
          },
        );
      }
      const placeholder = await deps.orders.lockOrCreate(ctx.tx, event.order_id);
      if (placeholder.status !== null) {
        ctx.log[placeholder.status === event.status ? 'info' : 'warn'](
          { recorded: placeholder.status, status: event.status, firstEventId: placeholder.finishedEventId },
          'order outcome already recorded; ignored',
        );
        return;
      }
      const order = await deps.orders.recordOutcome(ctx.tx, {
        orderId: event.order_id,
        status: event.status,
        totalCents: event.total_cents,
        currency: event.currency,
        customer: event.customer,
        placedAt: event.placed_at,
        finishedAt: event.finished_at,
        finishedEventId: event.event_id,
      });
      const waiting = await deps.refunds.lockWaiting(ctx.tx, event.order_id);
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
      ctx.log.info({ status: event.status, decidedWaiting: items.length }, 'order outcome recorded');
    },
  );
}
