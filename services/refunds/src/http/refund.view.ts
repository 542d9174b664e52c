import type { ProjectedOrder } from '../db/order.repository';
import type { Refund } from '../db/refund.repository';
import { remainingRefundable } from '../domain/refund-decision';

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/** The public view of a refund (snake_case, money in cents, timestamps ISO 8601). */
export function refundView(refund: Refund) {
  return {
    refund_id: refund.refund_id,
    order_id: refund.order_id,
    status: refund.status,
    requested_amount_cents: refund.requested_amount_cents,
    amount_cents: refund.amount_cents,
    currency: refund.currency,
    reason: refund.reason,
    rejection_reason: refund.rejection_reason,
    rejection_detail: refund.rejection_detail,
    refunded_total_cents: refund.refunded_total_cents,
    remaining_refundable_cents: refund.remaining_refundable_cents,
    requested_at: refund.requested_at.toISOString(),
    waiting_since: iso(refund.waiting_since),
    decided_at: iso(refund.decided_at),
  };
}

/**
 * An order's refunds with its totals. Before the order's outcome is known `order_status` is null and
 * the amounts are null: nothing can be said about them yet.
 */
export function orderRefundsView(orderId: string, order: ProjectedOrder | undefined, refunds: Refund[]) {
  const known = order !== undefined && order.status !== null;
  return {
    order_id: orderId,
    order_status: known ? order.status : null,
    currency: known ? order.currency : null,
    paid_cents: known ? order.paidCents : null,
    refunded_cents: known ? order.refundedCents : null,
    remaining_refundable_cents: known ? remainingRefundable(order) : null,
    refunds: refunds.map(refundView),
  };
}
