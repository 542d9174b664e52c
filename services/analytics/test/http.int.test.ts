// The query API: shapes, defaults, validation and the answer while there is no data.
import { buildOrdersPlaced, ordersFinishedFor } from '@orderflow/contracts/testing';
import { addDays, utcDay, utcMonth } from '../src/domain/dates';
import { AnalyticsModel } from './model';
import { AnalyticsHarness } from './support';

interface Problem {
  code: string;
  status: number;
  errors?: { field: string; message: string }[];
}

describe('HTTP API', () => {
  let h: AnalyticsHarness;
  const model = new AnalyticsModel();
  const now = Date.now();
  const today = utcDay(now);

  function order(currency: string, unitPriceCents: number, customerName: string) {
    return ordersFinishedFor(
      buildOrdersPlaced({
        placed_at: now,
        currency,
        lines: [{ sku: 'SKU-1', name: 'Gear', unit_price_cents: unitPriceCents, qty: 1 }],
        customer: {
          customer_id: `cust-${customerName}`,
          name: customerName,
          email: `${customerName}@example.test`,
        },
      }),
    );
  }

  beforeAll(async () => {
    // No periodic check: a wipe stays unrepaired, so the 503 can be looked at.
    h = new AnalyticsHarness({ ANALYTICS_GENERATION_CHECK_MS: '600000' });
    await h.start();
    const orders = [order('EUR', 100, 'ada'), order('EUR', 101, 'bob'), order('USD', 5000, 'cyd')];
    await h.produce('orders.finished', ...orders);
    for (const event of orders) model.order(event);
    await h.waitConsumed();
  });
  afterAll(() => h.stop());

  test('GET /kpis?currency= is today (UTC) by default, with the average rounded half up', async () => {
    const answer = await h.get('/kpis?currency=EUR');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.body).toEqual({
      date: today,
      currency: 'EUR',
      revenue_cents: 201,
      order_count: 2,
      failed_order_count: 0,
      avg_order_value_cents: 101,
      refund_count: 0,
      refund_amount_cents: 0,
    });
  });

  test('GET /kpis without a currency lists each currency of the day separately', async () => {
    const answer = await h.get(`/kpis?date=${today}`);
    expect(answer.body).toEqual([model.kpisOf(today, 'EUR'), model.kpisOf(today, 'USD')]);
    expect((await h.get(`/kpis?date=${addDays(today, -1)}`)).body).toEqual([]);
  });

  test('GET /kpis?from=&to= is a daily series: every day with a currency, days with data without one', async () => {
    const from = addDays(today, -2);
    const withCurrency = await h.get(`/kpis?from=${from}&to=${today}&currency=USD`);
    expect(withCurrency.body).toEqual([
      model.kpisOf(from, 'USD'),
      model.kpisOf(addDays(from, 1), 'USD'),
      model.kpisOf(today, 'USD'),
    ]);
    expect((withCurrency.body as { order_count: number }[])[0]!.order_count).toBe(0);
    const all = await h.get(`/kpis?from=${from}&to=${today}`);
    expect(all.body).toEqual([model.kpisOf(today, 'EUR'), model.kpisOf(today, 'USD')]);
    const year = await h.get(`/kpis?from=${addDays(today, -365)}&to=${today}&currency=EUR`);
    expect(year.status).toBe(200);
    expect(year.body).toHaveLength(366);
  });

  test('GET /leaderboard ranks customers by net spend with their display info', async () => {
    const answer = await h.get('/leaderboard?currency=EUR');
    expect(answer.body).toEqual([
      { rank: 1, customer_id: 'cust-bob', name: 'bob', email: 'bob@example.test', net_spend_cents: 101 },
      { rank: 2, customer_id: 'cust-ada', name: 'ada', email: 'ada@example.test', net_spend_cents: 100 },
    ]);
    expect((await h.get('/leaderboard?currency=EUR&limit=1')).body).toHaveLength(1);
    expect((await h.get(`/leaderboard?currency=EUR&month=${utcMonth(now)}`)).body).toEqual(answer.body);
    expect((await h.get('/leaderboard?currency=EUR&month=1999-01')).body).toEqual([]);
    expect((await h.get('/leaderboard?currency=GBP')).body).toEqual([]);
  });

  test.each([
    ['/kpis?date=yesterday', 'query.date'],
    ['/kpis?date=2025-02-30', 'query.date'],
    ['/kpis?date=2025-01-01&from=2025-01-01&to=2025-01-02', 'query.date'],
    ['/kpis?currency=eur', 'query.currency'],
    ['/kpis?currency=EURO', 'query.currency'],
    ['/kpis?from=2025-01-01', 'query.to'],
    ['/kpis?to=2025-01-01', 'query.from'],
    ['/kpis?from=2025-01-02&to=2025-01-01', 'query.to'],
    ['/kpis?from=2024-01-01&to=2025-01-01', 'query.to'],
    ['/leaderboard', 'query.currency'],
    ['/leaderboard?currency=EUR&limit=0', 'query.limit'],
    ['/leaderboard?currency=EUR&limit=101', 'query.limit'],
    ['/leaderboard?currency=EUR&limit=ten', 'query.limit'],
    ['/leaderboard?currency=EUR&month=2025-13', 'query.month'],
    ['/leaderboard?currency=EUR&month=2025-01-01', 'query.month'],
  ])('%s is a 400 naming %s', async (path, field) => {
    const answer = await h.get<Problem>(path);
    expect(answer.status).toBe(400);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body.code).toBe('HTTP.VALIDATION');
    expect(answer.body.errors?.map((e) => e.field)).toContain(field);
  });

  test('without data in Redis (lost, rebuild pending) the API answers 503 with Retry-After', async () => {
    await h.wipeRedis();
    const response = await fetch(`${h.baseUrl}/leaderboard?currency=EUR`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await response.json()) as Problem).code).toBe('ANALYTICS.REBUILDING');
    expect((await h.get<Problem>(`/kpis?date=${today}`)).status).toBe(503);
  });
});
