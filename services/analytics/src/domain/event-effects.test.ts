import {
  buildOrdersPlaced,
  ordersFinishedFor,
  refundsProcessedFor,
  refundsRequestedFor,
} from '@orderflow/contracts/testing';
import { InvalidEventError, orderFinishedEffects, refundProcessedEffects, tiebreakOf } from './event-effects';

const placedAt = Date.UTC(2025, 0, 31, 23, 30);

function paidOrder() {
  const placed = buildOrdersPlaced({ placed_at: placedAt, currency: 'USD' });
  return ordersFinishedFor(placed, { finished_at: Date.UTC(2025, 1, 1, 0, 10) });
}

describe('orders.finished', () => {
  test('a PAID order adds revenue and an order on the UTC day it was placed, and to net spend', () => {
    const finished = paidOrder();
    const effects = orderFinishedEffects(finished);
    expect(effects.kpi).toEqual({
      day: '2025-01-31',
      currency: 'USD',
      increments: { revenue_cents: finished.total_cents, order_count: 1 },
    });
    expect(effects.spend).toEqual({
      currency: 'USD',
      month: '2025-01',
      customerId: finished.customer.customer_id,
      deltaCents: finished.total_cents,
    });
    expect(effects.customer).toMatchObject({
      customerId: finished.customer.customer_id,
      name: finished.customer.name,
      email: finished.customer.email,
      version: { at: finished.occurred_at, tiebreak: tiebreakOf(finished.event_id) },
    });
  });

  test('a FAILED order only counts as failed, and never reaches a leaderboard', () => {
    const finished = ordersFinishedFor(buildOrdersPlaced({ placed_at: placedAt }), {
      status: 'FAILED',
      reason: 'OUT_OF_STOCK',
      payment_id: null,
    });
    const effects = orderFinishedEffects(finished);
    expect(effects.kpi.increments).toEqual({ failed_order_count: 1 });
    expect(effects.spend).toBeUndefined();
    expect(effects.customer).toBeUndefined();
  });

  test.each([
    ['a lower-case currency', { currency: 'eur' }],
    ['a negative total', { total_cents: -1 }],
    ['a fractional total', { total_cents: 1.5 }],
    ['an unusable placed_at', { placed_at: Date.UTC(10000, 0, 1) }],
    ['an empty event id', { event_id: '' }],
  ])('an event with %s is invalid', (_what, overrides) => {
    const finished = { ...paidOrder(), ...overrides };
    expect(() => orderFinishedEffects(finished)).toThrow(InvalidEventError);
  });
});

describe('refunds.processed', () => {
  test('counts on the UTC day it was processed and comes off the net spend of the month the order was placed', () => {
    const finished = paidOrder();
    const refund = refundsProcessedFor(finished, refundsRequestedFor(finished), {
      amount_cents: 700,
      processed_at: Date.UTC(2025, 2, 3, 12),
    });
    const effects = refundProcessedEffects(refund);
    expect(effects.kpi).toEqual({
      day: '2025-03-03',
      currency: 'USD',
      increments: { refund_count: 1, refund_amount_cents: 700 },
    });
    expect(effects.spend).toEqual({
      currency: 'USD',
      month: '2025-01',
      customerId: finished.customer.customer_id,
      deltaCents: -700,
    });
  });

  test('a negative amount is invalid', () => {
    const finished = paidOrder();
    const refund = refundsProcessedFor(finished, refundsRequestedFor(finished), { amount_cents: -5 });
    expect(() => refundProcessedEffects(refund)).toThrow(InvalidEventError);
  });
});

describe('tiebreak', () => {
  test('is a stable 32-bit number per event id', () => {
    expect(tiebreakOf('a')).toBe(tiebreakOf('a'));
    expect(tiebreakOf('a')).not.toBe(tiebreakOf('b'));
    expect(tiebreakOf('0f1e2d3c-0000-8000-8000-000000000000')).toBeLessThan(2 ** 32);
  });
});
