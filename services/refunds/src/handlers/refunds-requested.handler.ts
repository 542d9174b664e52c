import type { EventSerde, RefundsRequested } from '@orderflow/contracts';
import { eventHandler, poison, type TopicHandler } from '@orderflow/runtime';
import { decideRefund } from '../domain/refund-decision';
import { orderIdProblem, requestFingerprint } from '../domain/refund-request';
import { decideRefunds, type DecideDeps } from '../use-cases/decide-refunds';

function requestProblems(event: RefundsRequested): string[] {
  const problems: string[] = [];
  const orderId = orderIdProblem(event.order_id);
  if (orderId) problems.push(`order_id ${orderId}`);
  if (event.amount_cents !== null && !(Number.isSafeInteger(event.amount_cents) && event.amount_cents > 0))
    problems.push(`amount_cents ${event.amount_cents} is not a positive whole number`);
  if (event.reason.trim() === '') problems.push('reason is empty');
  if (event.idempotency_key === '') problems.push('idempotency_key is empty');
  if (event.refund_id === '') problems.push('refund_id is empty');
  return problems;
}

/**
 * A refund request: decided at once when the order's outcome is known, otherwise parked as WAITING until
 * orders.finished arrives (or the grace period ends). The order's projection row is locked first, so this
 * and the orders.finished handler, which arrive on different topics, never decide the same order at once.
 * A request produced by something other than our API is recorded from the event itself.
 */
export function refundsRequestedHandler(
  deps: DecideDeps & { serde: EventSerde },
): TopicHandler<RefundsRequested> {
  return eventHandler(
    'refunds.requested',
    (buffer) => deps.serde.decode('refunds.requested', buffer),
    async (ctx, { value: event }) => {
      const problems = requestProblems(event);
      if (problems.length > 0) {
        throw poison(
          'REFUNDS.INVALID_REQUEST',
          `refunds.requested cannot be decided: ${problems.join('; ')}`,
          {
            problems,
          },
        );
      }
      const order = await deps.orders.lockOrCreate(ctx.tx, event.order_id);
      await deps.refunds.insert(ctx.tx, {
        refund_id: event.refund_id,
        idempotency_key: event.idempotency_key,
        request_fingerprint: requestFingerprint({
          orderId: event.order_id,
          amountCents: event.amount_cents,
          reason: event.reason,
        }),
        order_id: event.order_id,
        requested_amount_cents: event.amount_cents,
        reason: event.reason,
        correlation_id: event.correlation_id,
        requested_event_id: event.event_id,
        requested_at: new Date(event.requested_at),
      });
      const refund = await deps.refunds.lock(ctx.tx, event.refund_id);
      if (!refund) {
        throw poison(
          'REFUNDS.KEY_CONFLICT',
          `idempotency key of refund ${event.refund_id} already belongs to another refund`,
        );
      }
      if (refund.order_id !== event.order_id) {
        throw poison(
          'REFUNDS.REFUND_ID_CONFLICT',
          `refund ${event.refund_id} belongs to order ${refund.order_id}, not ${event.order_id}`,
        );
      }
      const log = ctx.log.child({ refundId: refund.refund_id });
      if (refund.status !== 'REQUESTED') {
        log.info({ status: refund.status }, 'refund already taken up; request ignored');
        return;
      }
      const decision = decideRefund(order, refund.requested_amount_cents);
      if (decision.kind === 'wait') {
        await deps.refunds.markWaiting(ctx.tx, refund.refund_id);
        log.info('order outcome not known yet; refund waits for it');
        return;
      }
      const messages = await decideRefunds(ctx.tx, deps, order, [{ refund, decision }]);
      for (const message of messages) ctx.publish(message);
      log.info(
        decision.kind === 'refund'
          ? { amountCents: decision.amountCents, remainingCents: decision.remainingCents }
          : { rejection: decision.reason, remainingCents: decision.remainingCents },
        decision.kind === 'refund' ? 'refund processed' : 'refund rejected',
      );
    },
  );
}
