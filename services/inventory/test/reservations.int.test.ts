import { eventIdFrom, type OrdersPlaced } from '@orderflow/contracts';
import {
  buildInventoryStockLevels,
  buildOrderLine,
  buildOrdersPlaced,
  ordersFinishedFor,
  uniqueId,
} from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { reservationIdFor } from '../src/handlers/orders-placed.handler';
import {
  createTopicSet,
  deleteTopicSet,
  getJson,
  OutputCollector,
  startInventory,
  stockOf,
  TestProducer,
  testKafka,
  waitForStock,
  type StockView,
  type TestInventory,
} from './support';

const kafka = testKafka();
let prefix: string;
let inventory: TestInventory;
let producer: TestProducer;
let output: OutputCollector;

beforeAll(async () => {
  prefix = await createTopicSet(kafka);
  [inventory, producer, output] = await Promise.all([
    startInventory(prefix),
    TestProducer.connect(kafka, prefix),
    OutputCollector.start(kafka, prefix),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([inventory?.stop(), producer?.disconnect(), output?.stop()]);
  await deleteTopicSet(kafka, prefix);
});

/** Sets a fresh SKU's stock through inventory.stock-levels and waits until the service shows it. */
async function stocked(onHand: number, overrides: { unit_price_cents?: number } = {}): Promise<string> {
  const level = buildInventoryStockLevels({ sku: uniqueId('SKU'), on_hand: onHand, ...overrides });
  await producer.send('inventory.stock-levels', [level]);
  await waitForStock(inventory.baseUrl, level.sku, (s) => s.on_hand === onHand);
  return level.sku;
}

function order(lines: { sku: string; qty: number; unit_price_cents?: number }[]): OrdersPlaced {
  return buildOrdersPlaced({ lines: lines.map((line) => buildOrderLine(line)) });
}

async function stock(sku: string): Promise<StockView> {
  const found = await stockOf(inventory.baseUrl, sku);
  if (!found) throw new Error(`no stock for ${sku}`);
  return found;
}

async function reservationStatus(orderId: string): Promise<string | undefined> {
  const { status, body } = await getJson<{ status: string }>(`${inventory.baseUrl}/reservations/${orderId}`);
  return status === 200 ? body.status : undefined;
}

/**
 * Sends `marker` after the messages under test on the same partition and waits for its outcome: a
 * partition is processed in order, so everything before the marker has been processed too.
 */
async function afterMarker(partition: number): Promise<void> {
  const sku = await stocked(1);
  const marker = order([{ sku, qty: 1 }]);
  await producer.send('orders.placed', [marker], partition);
  await output.outcomeOf(marker.order_id);
}

describe('inventory.stock-levels', () => {
  test('sets on hand, product name and catalogue price of a SKU', async () => {
    const level = buildInventoryStockLevels({
      on_hand: 42,
      product_name: 'Brass gear',
      unit_price_cents: 1999,
    });
    await producer.send('inventory.stock-levels', [level]);
    const shown = await waitForStock(inventory.baseUrl, level.sku, () => true);
    expect(shown).toEqual({
      sku: level.sku,
      product_name: 'Brass gear',
      on_hand: 42,
      reserved: 0,
      available: 42,
      sold: 0,
      unit_price_cents: 1999,
      currency: 'EUR',
    });
  });

  test('a later level replaces on hand; a level without a price keeps the known price', async () => {
    const sku = await stocked(5, { unit_price_cents: 700 });
    await producer.send('inventory.stock-levels', [
      buildInventoryStockLevels({ sku, on_hand: 8, unit_price_cents: null, currency: null }),
    ]);
    const shown = await waitForStock(inventory.baseUrl, sku, (s) => s.on_hand === 8);
    expect(shown).toMatchObject({ available: 8, unit_price_cents: 700, currency: 'EUR' });
  });

  test('a level below the units already reserved keeps on hand at the reserved amount, with a warning', async () => {
    const sku = await stocked(10);
    const placed = order([{ sku, qty: 6 }]);
    await producer.send('orders.placed', [placed]);
    await output.reservedOf(placed.order_id);

    const level = buildInventoryStockLevels({ sku, on_hand: 2 });
    await producer.send('inventory.stock-levels', [level]);
    await waitFor('clamp warning', () =>
      inventory.logs.find((line) => line.level === 'warn' && line.eventId === level.event_id),
    );
    expect(await stock(sku)).toMatchObject({ on_hand: 6, reserved: 6, available: 0 });
    expect(inventory.logs.find((line) => line.eventId === level.event_id)).toMatchObject({
      sku,
      requestedOnHand: 2,
      reserved: 6,
      onHand: 6,
    });
  });

  test('several levels of a SKU in one batch apply in order; one without a price keeps the earlier price', async () => {
    const sku = uniqueId('SKU');
    await producer.send(
      'inventory.stock-levels',
      [
        buildInventoryStockLevels({ sku, on_hand: 3, unit_price_cents: 700 }),
        buildInventoryStockLevels({ sku, on_hand: 9, unit_price_cents: null, currency: null }),
      ],
      3,
    );
    const shown = await waitForStock(inventory.baseUrl, sku, (s) => s.on_hand === 9);
    expect(shown).toMatchObject({ available: 9, unit_price_cents: 700, currency: 'EUR' });
  });
});

describe('orders.placed', () => {
  test('with enough stock, every line is reserved and inventory.reserved carries the priced lines', async () => {
    const a = await stocked(10, { unit_price_cents: 5000 });
    const b = await stocked(3);
    // The order's own prices count, not the catalogue's.
    const placed = order([
      { sku: a, qty: 2, unit_price_cents: 1250 },
      { sku: b, qty: 3, unit_price_cents: 399 },
    ]);
    await producer.send('orders.placed', [placed]);

    const reserved = await output.reservedOf(placed.order_id);
    expect(reserved).toEqual({
      event_id: eventIdFrom('inventory.reserved', placed.order_id),
      occurred_at: expect.any(Number),
      order_id: placed.order_id,
      correlation_id: placed.correlation_id,
      causation_id: placed.event_id,
      reservation_id: reservationIdFor(placed.order_id),
      currency: 'EUR',
      lines: [
        { sku: a, qty: 2, unit_price_cents: 1250, line_total_cents: 2500 },
        { sku: b, qty: 3, unit_price_cents: 399, line_total_cents: 1197 },
      ],
      total_cents: 3697,
    });
    expect(await stock(a)).toMatchObject({ on_hand: 10, reserved: 2, available: 8, sold: 0 });
    expect(await stock(b)).toMatchObject({ on_hand: 3, reserved: 3, available: 0, sold: 0 });
    const { body } = await getJson(`${inventory.baseUrl}/reservations/${placed.order_id}`);
    expect(body).toMatchObject({ status: 'RESERVED', total_cents: 3697, lines: reserved.lines });
    expect(inventory.logs).toContainEqual(
      expect.objectContaining({ msg: 'order reserved', orderId: placed.order_id, eventId: placed.event_id }),
    );
  });

  test('lines that share a SKU are reserved together and checked against stock as a sum', async () => {
    const sku = await stocked(5);
    const fits = order([
      { sku, qty: 2, unit_price_cents: 100 },
      { sku, qty: 3, unit_price_cents: 90 },
    ]);
    const tooMuch = order([
      { sku, qty: 1 },
      { sku, qty: 1 },
    ]);
    await producer.send('orders.placed', [fits, tooMuch], 0);
    expect((await output.reservedOf(fits.order_id)).lines.map((l) => l.line_total_cents)).toEqual([200, 270]);
    expect((await output.rejectedOf(tooMuch.order_id)).lines).toEqual([
      { sku, reason: 'INSUFFICIENT_STOCK', requested: 2, available: 0 },
    ]);
    expect(await stock(sku)).toMatchObject({ reserved: 5, available: 0 });
  });

  test('an unknown SKU rejects the order as UNKNOWN_SKU, naming the line', async () => {
    const known = await stocked(10);
    const unknown = uniqueId('NOPE');
    const placed = order([
      { sku: known, qty: 1 },
      { sku: unknown, qty: 2 },
    ]);
    await producer.send('orders.placed', [placed]);

    expect(await output.rejectedOf(placed.order_id)).toEqual({
      event_id: eventIdFrom('inventory.rejected', placed.order_id),
      occurred_at: expect.any(Number),
      order_id: placed.order_id,
      correlation_id: placed.correlation_id,
      causation_id: placed.event_id,
      reason: 'UNKNOWN_SKU',
      lines: [{ sku: unknown, reason: 'UNKNOWN_SKU', requested: 2, available: 0 }],
    });
    expect(await stock(known)).toMatchObject({ reserved: 0, available: 10 });
    expect(await stockOf(inventory.baseUrl, unknown)).toBeUndefined();
  });

  test('short stock rejects the order as OUT_OF_STOCK with requested vs available', async () => {
    const sku = await stocked(4);
    const first = order([{ sku, qty: 3 }]);
    const second = order([{ sku, qty: 2 }]);
    await producer.send('orders.placed', [first, second], 1);

    await output.reservedOf(first.order_id);
    const rejected = await output.rejectedOf(second.order_id);
    expect(rejected.reason).toBe('OUT_OF_STOCK');
    expect(rejected.lines).toEqual([{ sku, reason: 'INSUFFICIENT_STOCK', requested: 2, available: 1 }]);
    const { body } = await getJson(`${inventory.baseUrl}/reservations/${second.order_id}`);
    expect(body).toMatchObject({
      status: 'REJECTED',
      reason: 'OUT_OF_STOCK',
      rejected_lines: rejected.lines,
    });
  });

  test('all or none: one short line rejects the whole order and nothing is reserved', async () => {
    const plenty = await stocked(100);
    const scarce = await stocked(1);
    const other = await stocked(100);
    const placed = order([
      { sku: plenty, qty: 5 },
      { sku: scarce, qty: 2 },
      { sku: other, qty: 5 },
    ]);
    await producer.send('orders.placed', [placed]);

    const rejected = await output.rejectedOf(placed.order_id);
    expect(rejected.lines).toEqual([
      { sku: scarce, reason: 'INSUFFICIENT_STOCK', requested: 2, available: 1 },
    ]);
    for (const sku of [plenty, scarce, other]) expect((await stock(sku)).reserved).toBe(0);
  });

  test('a redelivered orders.placed (same event) is answered once and reserves once', async () => {
    const sku = await stocked(10);
    const placed = order([{ sku, qty: 2 }]);
    await producer.send('orders.placed', [placed, placed], 3);
    await producer.send('orders.placed', [placed], 3);
    await afterMarker(3);
    expect(output.outcomesOf(placed.order_id)).toHaveLength(1);
    expect(await stock(sku)).toMatchObject({ reserved: 2, available: 8 });
  });

  test('a re-import of a known order id with other content changes nothing: the first version stands', async () => {
    const sku = await stocked(10);
    const first = order([{ sku, qty: 2 }]);
    await producer.send('orders.placed', [first]);
    await output.reservedOf(first.order_id);

    const conflicting = buildOrdersPlaced({
      order_id: first.order_id,
      lines: [buildOrderLine({ sku, qty: 7 })],
    });
    await producer.send('orders.placed', [conflicting], 4);
    await afterMarker(4);

    expect(output.outcomesOf(first.order_id)).toHaveLength(1);
    expect(await stock(sku)).toMatchObject({ reserved: 2, available: 8 });
    const { body } = await getJson<{ lines: { qty: number }[] }>(
      `${inventory.baseUrl}/reservations/${first.order_id}`,
    );
    expect(body.lines.map((l) => l.qty)).toEqual([2]);
    expect(inventory.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        eventId: conflicting.event_id,
        firstEventId: first.event_id,
        sameContent: false,
      }),
    );
  });

  test('orders of one batch are decided in order, each seeing what the earlier ones reserved', async () => {
    const a = await stocked(4);
    const b = await stocked(2);
    const first = order([
      { sku: b, qty: 1 },
      { sku: a, qty: 3 },
    ]);
    const short = order([
      { sku: a, qty: 2 },
      { sku: b, qty: 1 },
    ]);
    const last = order([
      { sku: b, qty: 1 },
      { sku: a, qty: 1 },
    ]);
    await producer.send('orders.placed', [first, short, last], 4);
    await output.reservedOf(first.order_id);
    // All or none: short is refused for A and so leaves B's last unit to the order after it.
    expect((await output.rejectedOf(short.order_id)).lines).toEqual([
      { sku: a, reason: 'INSUFFICIENT_STOCK', requested: 2, available: 1 },
    ]);
    await output.reservedOf(last.order_id);
    expect(await stock(a)).toMatchObject({ reserved: 4, available: 0 });
    expect(await stock(b)).toMatchObject({ reserved: 2, available: 0 });
  });

  test('a re-import inside the same batch is ignored: the first version stands', async () => {
    const sku = await stocked(10);
    const first = order([{ sku, qty: 2 }]);
    const again = buildOrdersPlaced({ order_id: first.order_id, lines: [buildOrderLine({ sku, qty: 5 })] });
    await producer.send('orders.placed', [first, again], 5);
    await afterMarker(5);
    expect(output.outcomesOf(first.order_id)).toHaveLength(1);
    expect(await stock(sku)).toMatchObject({ reserved: 2 });
    expect(inventory.logs).toContainEqual(
      expect.objectContaining({ level: 'warn', eventId: again.event_id, firstEventId: first.event_id }),
    );
  });
});

describe('orders.finished', () => {
  test('PAID commits the reservation: units leave on hand and count as sold, stock is conserved', async () => {
    const sku = await stocked(10);
    const placed = order([{ sku, qty: 3 }]);
    await producer.send('orders.placed', [placed]);
    await output.reservedOf(placed.order_id);

    await producer.send('orders.finished', [ordersFinishedFor(placed)]);
    await waitFor('committed', async () => (await reservationStatus(placed.order_id)) === 'COMMITTED');
    const after = await stock(sku);
    expect(after).toMatchObject({ on_hand: 7, reserved: 0, available: 7, sold: 3 });
    expect(after.available + after.sold).toBe(10);
  });

  test('FAILED releases the reservation: the units are available again', async () => {
    const sku = await stocked(10);
    const placed = order([{ sku, qty: 4 }]);
    await producer.send('orders.placed', [placed]);
    await output.reservedOf(placed.order_id);
    expect((await stock(sku)).available).toBe(6);

    await producer.send('orders.finished', [
      ordersFinishedFor(placed, { status: 'FAILED', reason: 'PAYMENT_DECLINED', payment_id: null }),
    ]);
    await waitFor('released', async () => (await reservationStatus(placed.order_id)) === 'RELEASED');
    expect(await stock(sku)).toMatchObject({ on_hand: 10, reserved: 0, available: 10, sold: 0 });
  });

  test('a redelivered or repeated outcome settles the reservation once', async () => {
    const sku = await stocked(10);
    const placed = order([{ sku, qty: 2 }]);
    await producer.send('orders.placed', [placed]);
    await output.reservedOf(placed.order_id);

    const paid = ordersFinishedFor(placed);
    // Same event twice, then another outcome event for the same order, then a contradicting one.
    await producer.send('orders.finished', [paid, paid, ordersFinishedFor(placed)], 5);
    await producer.send(
      'orders.finished',
      [ordersFinishedFor(placed, { status: 'FAILED', reason: 'PAYMENT_ERROR', payment_id: null })],
      5,
    );
    const late = order([{ sku, qty: 1 }]);
    await producer.send(
      'orders.finished',
      [ordersFinishedFor(late, { status: 'FAILED', payment_id: null })],
      5,
    );
    await waitFor(
      'last outcome recorded',
      async () => (await reservationStatus(late.order_id)) === 'RELEASED',
    );

    expect(await reservationStatus(placed.order_id)).toBe('COMMITTED');
    expect(await stock(sku)).toMatchObject({ on_hand: 8, reserved: 0, sold: 2, available: 8 });
    expect(inventory.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        orderId: placed.order_id,
        outcome: 'FAILED',
        status: 'COMMITTED',
      }),
    );
  });

  test('a rejected order has nothing to settle', async () => {
    const sku = await stocked(1);
    const placed = order([{ sku, qty: 5 }]);
    await producer.send('orders.placed', [placed]);
    await output.rejectedOf(placed.order_id);

    const failed = ordersFinishedFor(placed, { status: 'FAILED', reason: 'OUT_OF_STOCK', payment_id: null });
    await producer.send('orders.finished', [failed]);
    await waitFor('outcome handled', () =>
      inventory.logs.find((line) => line.eventId === failed.event_id && line.msg === 'nothing to settle'),
    );
    expect(await reservationStatus(placed.order_id)).toBe('REJECTED');
    expect(await stock(sku)).toMatchObject({ on_hand: 1, reserved: 0, sold: 0 });
  });

  test('an outcome that overtakes its order is recorded, and the late order then reserves nothing', async () => {
    const sku = await stocked(5);
    const placed = order([{ sku, qty: 2 }]);
    await producer.send('orders.finished', [
      ordersFinishedFor(placed, { status: 'FAILED', reason: 'PAYMENT_TIMEOUT', payment_id: null }),
    ]);
    await waitFor('outcome recorded', async () => (await reservationStatus(placed.order_id)) === 'RELEASED');

    await producer.send('orders.placed', [placed], 0);
    await afterMarker(0);
    expect(output.outcomesOf(placed.order_id)).toHaveLength(0);
    expect(await stock(sku)).toMatchObject({ reserved: 0, available: 5 });
    const { body } = await getJson(`${inventory.baseUrl}/reservations/${placed.order_id}`);
    expect(body).toMatchObject({ status: 'RELEASED', reason: 'FINISHED_BEFORE_PLACED', lines: [] });
  });

  test('commits and releases of one batch on a shared SKU add up', async () => {
    const sku = await stocked(10);
    const paid = order([{ sku, qty: 3 }]);
    const failed = order([{ sku, qty: 2 }]);
    await producer.send('orders.placed', [paid, failed]);
    await Promise.all([output.reservedOf(paid.order_id), output.reservedOf(failed.order_id)]);
    await producer.send(
      'orders.finished',
      [
        ordersFinishedFor(paid),
        ordersFinishedFor(failed, { status: 'FAILED', reason: 'PAYMENT_DECLINED', payment_id: null }),
      ],
      2,
    );
    await waitFor(
      'both settled',
      async () =>
        (await reservationStatus(paid.order_id)) === 'COMMITTED' &&
        (await reservationStatus(failed.order_id)) === 'RELEASED',
    );
    expect(await stock(sku)).toMatchObject({ on_hand: 7, reserved: 0, available: 7, sold: 3 });
  });
});

describe('poison messages', () => {
  test('an undecodable orders.placed goes to dlq.inventory and the partition moves on', async () => {
    await producer.sendRaw('orders.placed', 'garbage-order', Buffer.from('not avro at all'), 2);
    await afterMarker(2);
    const letter = await waitFor('dead letter', () =>
      output.deadLetters.find((d) => d.key === 'garbage-order'),
    );
    expect(letter.value?.toString()).toBe('not avro at all');
    expect(letter.headers).toMatchObject({
      'x-dlq-origin-partition': '2',
      'x-dlq-service': 'inventory',
      'x-dlq-error-code': 'UNDECODABLE',
    });
    expect(letter.headers['x-dlq-origin-topic']).toMatch(/orders\.placed$/);
  });

  test('an order that can never be reserved (quantity 0) is dead-lettered, not rejected', async () => {
    const sku = await stocked(5);
    const invalid = order([{ sku, qty: 0 }]);
    await producer.send('orders.placed', [invalid], 2);
    await afterMarker(2);
    const letter = await waitFor('dead letter', () =>
      output.deadLetters.find((d) => d.key === invalid.order_id),
    );
    expect(letter.headers['x-dlq-error-code']).toBe('INVENTORY.INVALID_ORDER');
    expect(letter.headers['x-dlq-error-message']).toContain('lines[0].qty must be a positive integer');
    expect(output.outcomesOf(invalid.order_id)).toHaveLength(0);
    expect(await reservationStatus(invalid.order_id)).toBeUndefined();
  });

  test('a bad order inside a batch is dead-lettered alone; the others are decided as if it were not there', async () => {
    const sku = await stocked(3);
    const before = order([{ sku, qty: 2 }]);
    const invalid = order([{ sku, qty: -1 }]);
    const after = order([{ sku, qty: 2 }]);
    await producer.send('orders.placed', [before, invalid, after], 1);
    await output.reservedOf(before.order_id);
    expect((await output.rejectedOf(after.order_id)).lines).toEqual([
      { sku, reason: 'INSUFFICIENT_STOCK', requested: 2, available: 1 },
    ]);
    const letter = await waitFor('dead letter', () =>
      output.deadLetters.find((d) => d.key === invalid.order_id),
    );
    expect(letter.headers['x-dlq-error-code']).toBe('INVENTORY.INVALID_ORDER');
    expect(output.outcomesOf(invalid.order_id)).toHaveLength(0);
    expect(await stock(sku)).toMatchObject({ reserved: 2, available: 1 });
  });

  test('a negative stock level is dead-lettered and later levels of the SKU still apply', async () => {
    const sku = uniqueId('SKU');
    await producer.send(
      'inventory.stock-levels',
      [buildInventoryStockLevels({ sku, on_hand: -3 }), buildInventoryStockLevels({ sku, on_hand: 4 })],
      1,
    );
    await waitForStock(inventory.baseUrl, sku, (s) => s.on_hand === 4);
    const letter = await waitFor('dead letter', () => output.deadLetters.find((d) => d.key === sku));
    expect(letter.headers['x-dlq-error-code']).toBe('INVENTORY.INVALID_STOCK_LEVEL');
  });
});
