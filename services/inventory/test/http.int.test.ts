import { buildInventoryStockLevels, buildOrderLine, buildOrdersPlaced } from '@orderflow/contracts/testing';
import { reservationIdFor } from '../src/handlers/orders-placed.handler';
import {
  createTopicSet,
  deleteTopicSet,
  getJson,
  OutputCollector,
  startInventory,
  TestProducer,
  testKafka,
  waitForStock,
  type StockView,
  type TestInventory,
} from './support';

// This file owns its schema, so the whole stock table is known: list and filter results can be exact.
const kafka = testKafka();
let prefix: string;
let inventory: TestInventory;
let producer: TestProducer;
let output: OutputCollector;

// on_hand per SKU; SKU-C gets 4 units reserved below, so its available is 2.
const LEVELS: Record<string, number> = { 'SKU-A': 0, 'SKU-B': 3, 'SKU-C': 6, 'SKU-D': 10, 'SKU-E': 50 };
const placed = buildOrdersPlaced({
  lines: [buildOrderLine({ sku: 'SKU-C', qty: 4, unit_price_cents: 250 })],
});

interface Page {
  items: StockView[];
  next_cursor: string | null;
}

interface ProblemBody {
  status: number;
  code: string;
  errors?: { field: string; message: string }[];
}

beforeAll(async () => {
  prefix = await createTopicSet(kafka);
  [inventory, producer, output] = await Promise.all([
    startInventory(prefix),
    TestProducer.connect(kafka, prefix),
    OutputCollector.start(kafka, prefix),
  ]);
  await producer.send(
    'inventory.stock-levels',
    Object.entries(LEVELS).map(([sku, on_hand]) =>
      buildInventoryStockLevels({ sku, on_hand, product_name: `Product ${sku}`, unit_price_cents: 100 }),
    ),
  );
  for (const [sku, onHand] of Object.entries(LEVELS)) {
    await waitForStock(inventory.baseUrl, sku, (s) => s.on_hand === onHand);
  }
  await producer.send('orders.placed', [placed]);
  await output.reservedOf(placed.order_id);
});

afterAll(async () => {
  await Promise.allSettled([inventory?.stop(), producer?.disconnect(), output?.stop()]);
  await deleteTopicSet(kafka, prefix);
});

const url = (path: string) => `${inventory.baseUrl}${path}`;

describe('GET /stock/{sku}', () => {
  test('answers with on hand, reserved, available, sold and the catalogue price', async () => {
    const { status, body } = await getJson(url('/stock/SKU-C'));
    expect(status).toBe(200);
    expect(body).toEqual({
      sku: 'SKU-C',
      product_name: 'Product SKU-C',
      on_hand: 6,
      reserved: 4,
      available: 2,
      sold: 0,
      unit_price_cents: 100,
      currency: 'EUR',
    });
  });

  test('an unknown SKU is a 404 problem with INVENTORY.SKU_NOT_FOUND', async () => {
    const { status, body, contentType } = await getJson<ProblemBody>(url('/stock/NO-SUCH-SKU'));
    expect(status).toBe(404);
    expect(contentType).toContain('application/problem+json');
    expect(body).toMatchObject({ status: 404, code: 'INVENTORY.SKU_NOT_FOUND' });
  });
});

describe('GET /stock', () => {
  test('lists every SKU in SKU order', async () => {
    const { status, body } = await getJson<Page>(url('/stock'));
    expect(status).toBe(200);
    expect(body.items.map((s) => s.sku)).toEqual(['SKU-A', 'SKU-B', 'SKU-C', 'SKU-D', 'SKU-E']);
    expect(body.next_cursor).toBeNull();
  });

  test('below=N lists only SKUs with fewer than N units available', async () => {
    const { body } = await getJson<Page>(url('/stock?below=3'));
    expect(body.items.map((s) => [s.sku, s.available])).toEqual([
      ['SKU-A', 0],
      ['SKU-C', 2],
    ]);
    const { body: none } = await getJson<Page>(url('/stock?below=0'));
    expect(none.items).toEqual([]);
  });

  test('limit and cursor page through the list without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const { body }: { body: Page } = await getJson<Page>(url(`/stock${query}`));
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((s) => s.sku));
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(['SKU-A', 'SKU-B', 'SKU-C', 'SKU-D', 'SKU-E']);

    const { body: filtered } = await getJson<Page>(url('/stock?below=11&limit=1'));
    expect(filtered.items.map((s) => s.sku)).toEqual(['SKU-A']);
    const { body: next } = await getJson<Page>(
      url(`/stock?below=11&limit=10&cursor=${encodeURIComponent(filtered.next_cursor!)}`),
    );
    expect(next.items.map((s) => s.sku)).toEqual(['SKU-B', 'SKU-C', 'SKU-D']);
  });

  test.each([
    ['below=abc', 'query.below'],
    ['below=-1', 'query.below'],
    ['below=1.5', 'query.below'],
    ['limit=0', 'query.limit'],
    ['limit=1001', 'query.limit'],
    ['cursor=%25%25not-ours', 'query.cursor'],
  ])('a bad parameter (%s) is a 400 naming %s', async (query, field) => {
    const { status, body } = await getJson<ProblemBody>(url(`/stock?${query}`));
    expect(status).toBe(400);
    expect(body.code).toBe('HTTP.VALIDATION');
    expect(body.errors?.map((e) => e.field)).toEqual([field]);
  });

  test('an unknown parameter is refused rather than ignored', async () => {
    const { status, body } = await getJson<ProblemBody>(url('/stock?belwo=3'));
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toContain('belwo');
  });
});

describe('GET /reservations/{order_id}', () => {
  test('answers with the reservation, its status and its priced lines', async () => {
    const { status, body } = await getJson(url(`/reservations/${placed.order_id}`));
    expect(status).toBe(200);
    expect(body).toEqual({
      order_id: placed.order_id,
      reservation_id: reservationIdFor(placed.order_id),
      status: 'RESERVED',
      currency: 'EUR',
      total_cents: 1000,
      lines: [{ sku: 'SKU-C', qty: 4, unit_price_cents: 250, line_total_cents: 1000 }],
      reason: null,
      rejected_lines: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  test('an order the inventory never saw is a 404 problem with INVENTORY.RESERVATION_NOT_FOUND', async () => {
    const { status, body } = await getJson<ProblemBody>(url('/reservations/ord-unknown'));
    expect(status).toBe(404);
    expect(body).toMatchObject({ status: 404, code: 'INVENTORY.RESERVATION_NOT_FOUND' });
  });
});
