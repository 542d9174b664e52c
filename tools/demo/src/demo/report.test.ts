import { expectedKpis, mainCurrency, totalsByCurrency, type DayKpis } from './analytics';
import { averageCents, money, parseMoney, table } from './format';
import { outcomeCounts, type OrderView } from './orders';
import { planRefunds } from './refunds';

const order = (
  id: string,
  currency: string,
  status: OrderView['status'],
  total = 1000,
  reason: string | null = null,
): OrderView => ({
  order_id: id,
  status,
  reason,
  currency,
  total_cents: total,
  placed_at: '2026-11-20T10:00:00.000Z',
});

describe('money in tables', () => {
  test("cents print with the currency's digits and read back exactly", () => {
    expect(money(123456789, 'EUR')).toBe('1,234,567.89');
    expect(money(5, 'USD')).toBe('0.05');
    expect(money(-250, 'GBP')).toBe('-2.50');
    expect(money(1500, 'JPY')).toBe('1,500');
    for (const cents of [0, 7, 99, 100, 123456789])
      expect(parseMoney(money(cents, 'EUR'), 'EUR')).toBe(cents);
  });

  test('the average order value rounds half up, as analytics does', () => {
    expect(averageCents(0, 0)).toBe(0);
    expect(averageCents(1001, 2)).toBe(501);
    expect(averageCents(1000, 3)).toBe(333);
    expect(averageCents(2000, 3)).toBe(667);
  });

  test('numbers are right-aligned in their column', () => {
    expect(
      table(
        ['a', 'n'],
        [
          ['x', '1'],
          ['yy', '100'],
        ],
        ['left', 'right'],
      ),
    ).toEqual(['a     n', '--  ---', 'x     1', 'yy  100']);
  });
});

describe('refund plan', () => {
  test('a few paid orders spread over the currencies, full and partial in turn, keys from the order', () => {
    const final = [
      order('A-3', 'EUR', 'PAID', 1000),
      order('A-1', 'EUR', 'PAID', 2001),
      order('A-2', 'EUR', 'FAILED'),
      order('B-1', 'USD', 'PAID', 400),
      order('C-1', 'GBP', 'PAID', 999),
      order('A-4', 'EUR', 'PAID', 50),
    ];
    const plan = planRefunds(final);
    expect(plan.map((p) => [p.order.order_id, p.amountCents, p.idempotencyKey])).toEqual([
      ['A-1', null, 'demo-refund-A-1'],
      ['B-1', 100, 'demo-refund-B-1'],
      ['C-1', null, 'demo-refund-C-1'],
      ['A-3', 250, 'demo-refund-A-3'],
    ]);
    expect(planRefunds(final)).toEqual(plan);
    expect(planRefunds([order('X', 'EUR', 'FAILED')])).toEqual([]);
  });
});

describe('outcomes and KPIs', () => {
  test('outcomes are counted by status and reason, bad rows first', () => {
    const counts = outcomeCounts({
      final: [
        order('1', 'EUR', 'PAID'),
        order('2', 'EUR', 'FAILED', 1, 'OUT_OF_STOCK'),
        order('3', 'USD', 'PAID'),
      ],
      notImported: ['4'],
      unfinished: [],
    });
    expect(counts).toEqual([
      ['not imported (bad rows)', 1],
      ['PAID', 2],
      ['FAILED (OUT_OF_STOCK)', 1],
    ]);
  });

  test("the data set's share of each day and currency, and totals per currency", () => {
    const final = [
      order('1', 'EUR', 'PAID', 1000),
      order('2', 'EUR', 'PAID', 501),
      order('3', 'EUR', 'FAILED'),
      order('4', 'USD', 'PAID', 7),
    ];
    expect(Object.fromEntries(expectedKpis(final))).toEqual({
      '2026-11-20|EUR': { revenue_cents: 1501, order_count: 2, failed_order_count: 1 },
      '2026-11-20|USD': { revenue_cents: 7, order_count: 1, failed_order_count: 0 },
    });
    expect(mainCurrency(final)).toBe('EUR');
    const day = (date: string, currency: string, revenue: number, orders: number): DayKpis => ({
      date,
      currency,
      revenue_cents: revenue,
      order_count: orders,
      failed_order_count: 1,
      avg_order_value_cents: 0,
      refund_count: 1,
      refund_amount_cents: 10,
    });
    expect(
      totalsByCurrency(
        [
          day('2026-11-19', 'USD', 5, 1),
          day('2026-11-19', 'EUR', 1000, 1),
          day('2026-11-20', 'EUR', 1001, 2),
        ],
        'p',
      ),
    ).toEqual([
      {
        date: 'p',
        currency: 'EUR',
        revenue_cents: 2001,
        order_count: 3,
        failed_order_count: 2,
        avg_order_value_cents: 667,
        refund_count: 2,
        refund_amount_cents: 20,
      },
      {
        date: 'p',
        currency: 'USD',
        revenue_cents: 5,
        order_count: 1,
        failed_order_count: 1,
        avg_order_value_cents: 5,
        refund_count: 1,
        refund_amount_cents: 10,
      },
    ]);
  });
});
