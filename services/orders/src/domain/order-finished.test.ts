import { eventIdFrom } from '@orderflow/contracts';
import { buildOrdersPlaced } from '@orderflow/contracts/testing';
import { finishedEvent, finishedEventId } from './order-finished';
import { deriveOrderState, type OrderFact } from './order-state';
import { placedOrderFrom, placedOrderProblems } from './placed-order';

describe('orders.finished', () => {
  const event = buildOrdersPlaced();
  const order = placedOrderFrom(event);
  const placedFact: OrderFact = {
    kind: 'placed',
    eventId: event.event_id,
    occurredAt: event.occurred_at,
    contentHash: event.content_hash,
  };
  const finishedAt = Date.UTC(2025, 0, 15, 11);

  test('its id depends on the order id only, so a re-emission is recognisably the same event', () => {
    expect(finishedEventId(event.order_id)).toBe(eventIdFrom('orders.finished', event.order_id));
    expect(finishedEventId(event.order_id)).toBe(finishedEventId(event.order_id));
    expect(finishedEventId(`${event.order_id}x`)).not.toBe(finishedEventId(event.order_id));
  });

  test('a PAID order carries the order as placed, the payment and what decided it', () => {
    const payment: OrderFact = {
      kind: 'payment-succeeded',
      eventId: 'evt-pay',
      occurredAt: 2,
      paymentId: 'pay-1',
    };
    const reserved: OrderFact = { kind: 'reserved', eventId: 'evt-res', occurredAt: 1, reservationId: 'r' };
    const state = deriveOrderState([placedFact, reserved, payment]);
    expect(finishedEvent(order, state, finishedAt)).toEqual({
      event_id: finishedEventId(event.order_id),
      occurred_at: finishedAt,
      order_id: event.order_id,
      correlation_id: event.correlation_id,
      causation_id: 'evt-pay',
      status: 'PAID',
      reason: null,
      reason_detail: null,
      customer: event.customer,
      currency: event.currency,
      total_cents: event.total_cents,
      lines: event.lines,
      placed_at: event.placed_at,
      finished_at: finishedAt,
      payment_id: 'pay-1',
    });
  });

  test('a FAILED order carries the reason and no payment', () => {
    const rejected: OrderFact = {
      kind: 'rejected',
      eventId: 'evt-rej',
      occurredAt: 1,
      reason: 'UNKNOWN_SKU',
      lines: [{ sku: 'SKU-X', reason: 'UNKNOWN_SKU', requested: 2, available: 0 }],
    };
    const finished = finishedEvent(order, deriveOrderState([placedFact, rejected]), finishedAt);
    expect(finished).toMatchObject({
      status: 'FAILED',
      reason: 'UNKNOWN_SKU',
      reason_detail: 'SKU-X: unknown SKU',
      causation_id: 'evt-rej',
      payment_id: null,
    });
  });

  test('an order that is not final has no orders.finished', () => {
    expect(() => finishedEvent(order, deriveOrderState([placedFact]), finishedAt)).toThrow(/not final/);
  });
});

describe('orders.placed validation', () => {
  test('a consistent order has no problems', () => {
    expect(placedOrderProblems(buildOrdersPlaced())).toEqual([]);
  });

  test('an order without lines, with a wrong total or a bad currency is refused with every reason', () => {
    expect(placedOrderProblems(buildOrdersPlaced({ lines: [], total_cents: 0 }))).toEqual([
      'the order has no lines',
    ]);
    const problems = placedOrderProblems(
      buildOrdersPlaced({
        currency: 'euro',
        lines: [{ sku: 'A', name: 'a', unit_price_cents: 100, qty: 0 }],
        total_cents: 100,
      }),
    );
    expect(problems).toEqual([
      'currency "euro" is not ISO 4217',
      'lines[0].qty 0 is not positive',
      'total_cents 100 is not the sum of the lines (0)',
    ]);
  });
});
