import {
  buildOrdersPlaced,
  ordersFinishedFor,
  refundsProcessedFor,
  refundsRequestedFor,
} from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { AnalyticsModel } from './model';
import { AnalyticsHarness, headersOf } from './support';

const DAY = Date.UTC(2025, 2, 14, 9);

describe('consuming orders.finished and refunds.processed', () => {
  let h: AnalyticsHarness;

  beforeAll(async () => {
    h = new AnalyticsHarness();
    await h.start();
  });
  afterAll(() => h.stop());

  test('paid and failed orders and a refund become KPIs and leaderboards; a redelivered event counts once', async () => {
    const model = new AnalyticsModel();
    const placed = buildOrdersPlaced({ placed_at: DAY, currency: 'EUR' });
    const paid = ordersFinishedFor(placed);
    const failed = ordersFinishedFor(buildOrdersPlaced({ placed_at: DAY + 1000, currency: 'EUR' }), {
      status: 'FAILED',
      reason: 'OUT_OF_STOCK',
      payment_id: null,
    });
    const refund = refundsProcessedFor(paid, refundsRequestedFor(paid, { amount_cents: 500 }), {
      processed_at: DAY + 86_400_000,
    });
    await h.produce('orders.finished', paid, failed, paid);
    await h.produce('refunds.processed', refund, refund);
    for (const event of [paid, failed]) model.order(event);
    model.refund(refund);
    await h.waitMatches(model);

    const day = await h.get('/kpis?date=2025-03-14&currency=EUR');
    expect(day.body).toEqual({
      date: '2025-03-14',
      currency: 'EUR',
      revenue_cents: paid.total_cents,
      order_count: 1,
      failed_order_count: 1,
      avg_order_value_cents: paid.total_cents,
      refund_count: 0,
      refund_amount_cents: 0,
    });
    const board = await h.get('/leaderboard?currency=EUR');
    expect(board.body).toEqual([
      {
        rank: 1,
        customer_id: paid.customer.customer_id,
        name: paid.customer.name,
        email: paid.customer.email,
        net_spend_cents: paid.total_cents - 500,
      },
    ]);
    await h.waitConsumed();
  });

  test('an undecodable message and an invalid event go to dlq.analytics with the origin in headers; the rest goes on', async () => {
    const model = new AnalyticsModel();
    const placed = buildOrdersPlaced({ placed_at: Date.UTC(2025, 3, 1, 12), currency: 'USD' });
    const good = ordersFinishedFor(placed);
    const invalid = ordersFinishedFor(buildOrdersPlaced({ placed_at: Date.UTC(2025, 3, 1, 12) }), {
      currency: 'usd',
    });
    await h.produceRaw('orders.finished', 'poison-key', Buffer.from('not avro at all'), { 'x-trace': 't1' });
    await h.produce('orders.finished', invalid, good);
    model.order(good);

    const letters = await waitFor('two dead letters', () => {
      const found = h.dlq.messages(h.topic('dlq.analytics'));
      return found.length >= 2 ? found : undefined;
    });
    expect(letters).toHaveLength(2);
    const poison = letters.find((m) => m.key?.toString() === 'poison-key')!;
    expect(poison.value?.toString()).toBe('not avro at all');
    expect(headersOf(poison)).toMatchObject({
      'x-trace': 't1',
      'x-dlq-origin-topic': h.topic('orders.finished'),
      'x-dlq-service': 'analytics',
      'x-dlq-error-code': 'CONTRACTS.UNDECODABLE',
    });
    expect(Number(headersOf(poison)['x-dlq-origin-partition'])).toBeGreaterThanOrEqual(0);
    expect(headersOf(poison)['x-dlq-origin-offset']).toMatch(/^\d+$/);
    expect(Date.parse(headersOf(poison)['x-dlq-failed-at']!)).not.toBeNaN();
    const bad = letters.find((m) => m.key?.toString() === invalid.order_id)!;
    expect(headersOf(bad)['x-dlq-error-code']).toBe('ANALYTICS.INVALID_EVENT');
    expect(headersOf(bad)['x-dlq-error-message']).toMatch(/currency/);

    const usd = await waitFor('the good order to count', async () => {
      const answer = await h.get<{ order_count: number }>('/kpis?date=2025-04-01&currency=USD');
      return answer.body.order_count === 1 ? answer.body : undefined;
    });
    expect(usd).toEqual(model.kpisOf('2025-04-01', 'USD'));
    await h.waitConsumed();
    // Both poison messages were dead-lettered once, and their offsets committed.
    expect(h.dlq.messages(h.topic('dlq.analytics'))).toHaveLength(2);
  });
});
