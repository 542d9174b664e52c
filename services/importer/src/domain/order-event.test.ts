import { avroType } from '@orderflow/contracts';
import type { AssembledOrder } from './order-assembler';
import { orderContentHash, ordersPlacedEvent, stockLevelsEvent } from './order-event';

function order(overrides: Partial<AssembledOrder> = {}): AssembledOrder {
  return {
    orderId: 'A-1',
    firstLine: 2,
    placedAt: Date.UTC(2025, 0, 15, 10, 30),
    currency: 'EUR',
    customer: { customer_id: 'c-1', email: 'ada@example.com', name: 'Ada' },
    lines: [
      { sku: 'S1', name: 'Gear', unit_price_cents: 1250, qty: 2 },
      { sku: 'S2', name: 'Cog', unit_price_cents: 399, qty: 1 },
    ],
    totalCents: 2899,
    ...overrides,
  };
}

const context = { importId: '6c1f4d0e-5a52-4c5b-9b7e-0f3c1c2b9a10', fileName: 'orders.csv' };

describe('orders.placed from an assembled order', () => {
  test('is a valid orders.placed value with the order, its source and the import as correlation', () => {
    const event = ordersPlacedEvent(order(), context, true, 1_000);
    expect(avroType('orders.placed').isValid(event)).toBe(true);
    expect(event).toMatchObject({
      occurred_at: 1_000,
      order_id: 'A-1',
      correlation_id: context.importId,
      causation_id: null,
      source: { file: 'orders.csv', line: 2 },
      currency: 'EUR',
      total_cents: 2899,
    });
    expect(event.content_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the same order gives the same event id and hash on every import, whenever it runs', () => {
    const first = ordersPlacedEvent(order(), context, true, 1_000);
    const again = ordersPlacedEvent(order(), { importId: 'another-run', fileName: 'copy.csv' }, true, 9_999);
    expect(again.event_id).toBe(first.event_id);
    expect(again.content_hash).toBe(first.content_hash);
  });

  test.each<[string, Partial<AssembledOrder>]>([
    ['a line', { lines: [{ sku: 'S1', name: 'Gear', unit_price_cents: 1250, qty: 3 }] }],
    ['line order', { lines: [...order().lines].reverse() }],
    ['the customer', { customer: { customer_id: 'c-1', email: 'ada@example.org', name: 'Ada' } }],
    ['the currency', { currency: 'USD' }],
    ['the placed time', { placedAt: Date.UTC(2025, 0, 15, 10, 31) }],
  ])('a change in %s gives a new event id', (_, change) => {
    const base = ordersPlacedEvent(order(), context, true, 0);
    const changed = ordersPlacedEvent(order(change), context, true, 0);
    expect(changed.event_id).not.toBe(base.event_id);
    expect(changed.content_hash).not.toBe(base.content_hash);
  });

  test('where the placed time is the import time, it is left out of the hash so re-imports match', () => {
    const today = order({ placedAt: Date.UTC(2025, 5, 1) });
    const tomorrow = order({ placedAt: Date.UTC(2025, 5, 2) });
    expect(orderContentHash(today, false)).toBe(orderContentHash(tomorrow, false));
    expect(orderContentHash(today, true)).not.toBe(orderContentHash(tomorrow, true));
  });

  test('the hash is of the content only, not of where in the file it was', () => {
    expect(orderContentHash(order({ firstLine: 99 }), true)).toBe(orderContentHash(order(), true));
  });
});

describe('inventory.stock-levels from a stock row', () => {
  const row = { line: 2, sku: 'S1', productName: 'Gear', onHand: 10, unitPriceCents: 1250 };

  test('is a valid value keyed by SKU, with the currency only next to a price', () => {
    const priced = stockLevelsEvent(row, context, 'EUR', 5);
    expect(avroType('inventory.stock-levels').isValid(priced)).toBe(true);
    expect(priced).toMatchObject({
      sku: 'S1',
      product_name: 'Gear',
      on_hand: 10,
      unit_price_cents: 1250,
      currency: 'EUR',
    });
    const unpriced = stockLevelsEvent({ ...row, unitPriceCents: null }, context, 'EUR', 5);
    expect(unpriced).toMatchObject({ unit_price_cents: null, currency: null });
  });

  test('a new import run sets the level again under a new id', () => {
    const first = stockLevelsEvent(row, context, null, 0);
    expect(stockLevelsEvent(row, context, null, 1).event_id).toBe(first.event_id);
    expect(stockLevelsEvent(row, { ...context, importId: 'next-run' }, null, 0).event_id).not.toBe(
      first.event_id,
    );
  });
});
