import {
  buildOrdersPlaced,
  ordersFinishedFor,
  refundsProcessedFor,
  refundsRejectedFor,
  refundsRequestedFor,
} from '@orderflow/contracts/testing';
import {
  channelsFor,
  factsFromOrdersFinished,
  factsFromRefundsProcessed,
  factsFromRefundsRejected,
  factsProblems,
  isDeliverableEmail,
  notificationIdFor,
} from './notification';

const finished = ordersFinishedFor(buildOrdersPlaced());
const requested = refundsRequestedFor(finished);
const all = ['log', 'email', 'webhook'] as const;

describe('facts from events', () => {
  test('orders.finished PAID is an order confirmation, FAILED an order failure with its reason', () => {
    expect(factsFromOrdersFinished(finished)).toMatchObject({
      kind: 'order.confirmed',
      status: 'PAID',
      orderId: finished.order_id,
      totalCents: finished.total_cents,
      currency: finished.currency,
      customer: { customerId: finished.customer.customer_id, email: finished.customer.email },
    });
    const failed = ordersFinishedFor(buildOrdersPlaced(), {
      status: 'FAILED',
      reason: 'OUT_OF_STOCK',
      payment_id: null,
    });
    expect(factsFromOrdersFinished(failed)).toMatchObject({
      kind: 'order.failed',
      status: 'FAILED',
      reason: 'OUT_OF_STOCK',
    });
  });

  test('a refund notification is about the refunded amount', () => {
    const processed = refundsProcessedFor(finished, requested);
    expect(factsFromRefundsProcessed(processed)).toMatchObject({
      kind: 'refund.processed',
      status: 'REFUNDED',
      totalCents: processed.amount_cents,
      refundId: processed.refund_id,
    });
    const rejected = refundsRejectedFor(finished, requested, { customer: null });
    expect(factsFromRefundsRejected(rejected)).toMatchObject({
      kind: 'refund.rejected',
      status: 'REJECTED',
      customer: null,
    });
  });
});

describe('factsProblems', () => {
  test('a good event has none', () => {
    expect(factsProblems(factsFromOrdersFinished(finished))).toEqual([]);
  });

  test('an unknown currency, a negative amount or an empty order id cannot be notified', () => {
    const facts = factsFromOrdersFinished({ ...finished, currency: 'EURO', total_cents: -1, order_id: ' ' });
    expect(factsProblems(facts)).toEqual([
      'order_id is empty',
      'currency "EURO" is not an ISO 4217 code',
      'total -1 is not a non-negative integer',
    ]);
    const refund = factsFromRefundsProcessed(
      refundsProcessedFor(finished, requested, { remaining_refundable_cents: -5 }),
    );
    expect(factsProblems(refund)).toEqual(['remaining_refundable_cents -5 is not a non-negative integer']);
  });

  test('a refund rejected for an unknown order (no currency, no amount) is fine', () => {
    const rejected = refundsRejectedFor(finished, requested, {
      customer: null,
      currency: null,
      requested_amount_cents: null,
      remaining_refundable_cents: null,
      reason: 'ORDER_UNKNOWN',
    });
    expect(factsProblems(factsFromRefundsRejected(rejected))).toEqual([]);
  });
});

describe('channelsFor', () => {
  test('every enabled channel, in the configured order', () => {
    expect(channelsFor(factsFromOrdersFinished(finished), all)).toEqual(['log', 'email', 'webhook']);
    expect(channelsFor(factsFromOrdersFinished(finished), ['webhook'])).toEqual(['webhook']);
  });

  test('no e-mail without a customer or with an address no server takes', () => {
    const anonymous = factsFromRefundsRejected(refundsRejectedFor(finished, requested, { customer: null }));
    expect(channelsFor(anonymous, all)).toEqual(['log', 'webhook']);
    const bad = factsFromOrdersFinished({
      ...finished,
      customer: { ...finished.customer, email: 'not an address' },
    });
    expect(channelsFor(bad, all)).toEqual(['log', 'webhook']);
    expect(isDeliverableEmail('ada@example.test')).toBe(true);
    expect(isDeliverableEmail('ada@localhost')).toBe(false);
  });
});

describe('notificationIdFor', () => {
  test('a pure function of event and channel', () => {
    const id = notificationIdFor(finished.event_id, 'email');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(notificationIdFor(finished.event_id, 'email')).toBe(id);
    expect(notificationIdFor(finished.event_id, 'log')).not.toBe(id);
    expect(notificationIdFor(requested.event_id, 'email')).not.toBe(id);
  });
});
