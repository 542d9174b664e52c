import type { RefundRejectReason } from '@orderflow/contracts';

export type OrderOutcome = 'PAID' | 'FAILED';

/** What a decision needs to know about the order; `status` null: its outcome has not arrived yet. */
export interface OrderStanding {
  orderId: string;
  status: OrderOutcome | null;
  paidCents: number;
  refundedCents: number;
}

export type RefundDecision =
  | { kind: 'wait' }
  | { kind: 'refund'; amountCents: number; refundedTotalCents: number; remainingCents: number }
  | { kind: 'reject'; reason: RefundRejectReason; remainingCents: number | null; detail: string };

export type FinalDecision = Exclude<RefundDecision, { kind: 'wait' }>;

export function remainingRefundable(order: OrderStanding): number {
  return order.status === 'PAID' ? Math.max(0, order.paidCents - order.refundedCents) : 0;
}

/**
 * Decides one request against the order as it stands. The caller holds the order's lock and applies
 * each decision (applyDecision) before deciding the next request of the same order.
 */
export function decideRefund(order: OrderStanding, requestedCents: number | null): RefundDecision {
  if (order.status === null) return { kind: 'wait' };
  if (order.status === 'FAILED') {
    return {
      kind: 'reject',
      reason: 'ORDER_NOT_PAID',
      remainingCents: null,
      detail: `order ${order.orderId} ended FAILED; only a PAID order can be refunded`,
    };
  }
  const remaining = remainingRefundable(order);
  if (remaining === 0) {
    return {
      kind: 'reject',
      reason: 'NOTHING_LEFT_TO_REFUND',
      remainingCents: 0,
      detail: `order ${order.orderId} is already refunded in full (${order.refundedCents} cents)`,
    };
  }
  if (requestedCents !== null && requestedCents > remaining) {
    return {
      kind: 'reject',
      reason: 'AMOUNT_EXCEEDS_REMAINING',
      remainingCents: remaining,
      detail: `${requestedCents} cents asked for, ${remaining} cents left to refund`,
    };
  }
  const amount = requestedCents ?? remaining;
  return {
    kind: 'refund',
    amountCents: amount,
    refundedTotalCents: order.refundedCents + amount,
    remainingCents: remaining - amount,
  };
}

/** A request whose order's outcome did not arrive within the grace period. */
export function graceExpired(orderId: string, graceMs: number): FinalDecision {
  return {
    kind: 'reject',
    reason: 'ORDER_UNKNOWN',
    remainingCents: null,
    detail: `no outcome of order ${orderId} arrived within ${graceMs} ms`,
  };
}

export function applyDecision(order: OrderStanding, decision: RefundDecision): OrderStanding {
  return decision.kind === 'refund' ? { ...order, refundedCents: decision.refundedTotalCents } : order;
}

/**
 * Decides requests of one order one after the other, in the order given; each sees the refunds granted
 * before it. Returns the decisions and the order as it stands afterwards.
 */
export function decideInOrder(
  order: OrderStanding,
  requestedCents: (number | null)[],
): { decisions: RefundDecision[]; order: OrderStanding } {
  let current = order;
  const decisions = requestedCents.map((amount) => {
    const decision = decideRefund(current, amount);
    current = applyDecision(current, decision);
    return decision;
  });
  return { decisions, order: current };
}
