import type { PoolClient } from 'pg';
import type { OutboxMessage } from '@orderflow/runtime';
import type { EventSerde } from '@orderflow/contracts';
import { orderFacts, type OrderRepository, type ProjectedOrder } from '../db/order.repository';
import type { Refund, RefundRepository } from '../db/refund.repository';
import type { FinalDecision } from '../domain/refund-decision';
import { refundOutcomeEvent } from '../domain/refund-events';

export interface DecideDeps {
  refunds: RefundRepository;
  orders: OrderRepository;
  serde: EventSerde;
}

export interface RefundDecisionItem {
  /** Locked by the caller's transaction and still REQUESTED or WAITING. */
  refund: Refund;
  decision: FinalDecision;
}

/**
 * Records final decisions about refunds of one order, whose row the caller has locked, and returns their
 * outcome events for the caller to write to the outbox in the same transaction. The decisions must have
 * been taken one after the other against `order` (decideInOrder): the last refund granted carries the
 * order's new refunded total.
 */
export async function decideRefunds(
  tx: PoolClient,
  deps: DecideDeps,
  order: ProjectedOrder,
  items: RefundDecisionItem[],
  now: number = Date.now(),
): Promise<OutboxMessage[]> {
  if (items.length === 0) return [];
  const facts = orderFacts(order);
  const events = items.map(({ refund, decision }) =>
    refundOutcomeEvent(
      {
        refundId: refund.refund_id,
        orderId: refund.order_id,
        requestedAmountCents: refund.requested_amount_cents,
        reason: refund.reason,
        correlationId: refund.correlation_id,
        requestedEventId: refund.requested_event_id,
      },
      facts,
      decision,
      now,
    ),
  );
  let refundedTotal = order.refundedCents;
  const decidedAt = new Date(now);
  await deps.refunds.decide(
    tx,
    items.map(({ refund, decision }, index) => {
      if (decision.kind === 'refund') refundedTotal = decision.refundedTotalCents;
      return {
        refundId: refund.refund_id,
        status: decision.kind === 'refund' ? 'REFUNDED' : 'REJECTED',
        amountCents: decision.kind === 'refund' ? decision.amountCents : null,
        currency: facts?.currency ?? null,
        rejectionReason: decision.kind === 'reject' ? decision.reason : null,
        rejectionDetail: decision.kind === 'reject' ? decision.detail : null,
        refundedTotalCents: facts ? refundedTotal : null,
        remainingCents: decision.remainingCents,
        outcomeEventId: events[index]!.value.event_id,
        decidedAt,
      };
    }),
  );
  if (refundedTotal !== order.refundedCents) await deps.orders.setRefunded(tx, order.orderId, refundedTotal);
  return Promise.all(events.map((event) => deps.serde.message(event.topic, event.value)));
}
