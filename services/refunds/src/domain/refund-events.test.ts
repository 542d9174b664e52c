import { eventIdFrom } from '@orderflow/contracts';
import { buildCustomer } from '@orderflow/contracts/testing';
import { graceExpired } from './refund-decision';
import {
  refundOutcomeEvent,
  refundsRequestedEvent,
  requestedEventIdFor,
  type RefundToDecide,
} from './refund-events';

const refund: RefundToDecide = {
  refundId: 'ref-1',
  orderId: 'ord-1',
  requestedAmountCents: null,
  reason: 'damaged',
  correlationId: 'ref-1',
  requestedEventId: requestedEventIdFor('ref-1'),
};
const customer = buildCustomer();
const order = { currency: 'EUR', customer, placedAt: Date.UTC(2025, 0, 15) };

test('a request accepted by the API starts its own flow: correlated by refund id, caused by nothing', () => {
  expect(
    refundsRequestedEvent({
      refundId: 'ref-1',
      orderId: 'ord-1',
      idempotencyKey: 'key-1',
      amountCents: 250,
      reason: 'damaged',
      requestedAt: 1_700_000_000_000,
    }),
  ).toEqual({
    event_id: eventIdFrom('refunds.requested', 'ref-1'),
    occurred_at: 1_700_000_000_000,
    order_id: 'ord-1',
    correlation_id: 'ref-1',
    causation_id: null,
    refund_id: 'ref-1',
    idempotency_key: 'key-1',
    amount_cents: 250,
    reason: 'damaged',
    requested_at: 1_700_000_000_000,
  });
});

test('a granted refund becomes refunds.processed with the order totals after it', () => {
  const event = refundOutcomeEvent(
    refund,
    order,
    { kind: 'refund', amountCents: 700, refundedTotalCents: 1_000, remainingCents: 300 },
    42,
  );
  expect(event).toEqual({
    topic: 'refunds.processed',
    value: {
      event_id: eventIdFrom('refunds.processed', 'ref-1'),
      occurred_at: 42,
      order_id: 'ord-1',
      correlation_id: 'ref-1',
      causation_id: refund.requestedEventId,
      refund_id: 'ref-1',
      amount_cents: 700,
      currency: 'EUR',
      customer,
      order_placed_at: order.placedAt,
      refunded_total_cents: 1_000,
      remaining_refundable_cents: 300,
      reason: 'damaged',
      processed_at: 42,
    },
  });
});

test('a refused request becomes refunds.rejected; an unknown order has no currency or customer', () => {
  const event = refundOutcomeEvent(refund, null, graceExpired('ord-1', 5_000), 42);
  expect(event).toEqual({
    topic: 'refunds.rejected',
    value: {
      event_id: eventIdFrom('refunds.rejected', 'ref-1'),
      occurred_at: 42,
      order_id: 'ord-1',
      correlation_id: 'ref-1',
      causation_id: refund.requestedEventId,
      refund_id: 'ref-1',
      requested_amount_cents: null,
      currency: null,
      customer: null,
      reason: 'ORDER_UNKNOWN',
      remaining_refundable_cents: null,
      detail: 'no outcome of order ord-1 arrived within 5000 ms',
      rejected_at: 42,
    },
  });
});

test('the outcome event id depends only on the refund, so a retried decision repeats it', () => {
  const decision = { kind: 'refund', amountCents: 1, refundedTotalCents: 1, remainingCents: 0 } as const;
  expect(refundOutcomeEvent(refund, order, decision, 1).value.event_id).toBe(
    refundOutcomeEvent(refund, order, decision, 2).value.event_id,
  );
});

test('granting a refund without the order outcome is a bug, not an event', () => {
  expect(() =>
    refundOutcomeEvent(
      refund,
      null,
      { kind: 'refund', amountCents: 1, refundedTotalCents: 1, remainingCents: 0 },
      1,
    ),
  ).toThrow(/without the order's outcome/);
});
