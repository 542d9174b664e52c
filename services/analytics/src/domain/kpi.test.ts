import { dailyKpis, divideRoundHalfUp, zeroCounters } from './kpi';

describe('average order value', () => {
  test('rounds half up to whole cents', () => {
    expect(divideRoundHalfUp(10, 4)).toBe(3); // 2.5
    expect(divideRoundHalfUp(9, 4)).toBe(2); // 2.25
    expect(divideRoundHalfUp(11, 4)).toBe(3); // 2.75
    expect(divideRoundHalfUp(5, 3)).toBe(2); // 1.67
    expect(divideRoundHalfUp(4, 3)).toBe(1); // 1.33
    expect(divideRoundHalfUp(1, 2)).toBe(1); // 0.5
    expect(divideRoundHalfUp(0, 7)).toBe(0);
  });

  test('is exact where a float division would not be', () => {
    // 9007199254740991 / 2 = 4503599627370495.5 exactly, which a float cannot hold.
    expect(divideRoundHalfUp(Number.MAX_SAFE_INTEGER, 2)).toBe(4503599627370496);
    expect(divideRoundHalfUp(Number.MAX_SAFE_INTEGER - 1, 3)).toBe(3002399751580330);
  });

  test('half up means towards +infinity for negative amounts too', () => {
    expect(divideRoundHalfUp(-5, 2)).toBe(-2);
    expect(divideRoundHalfUp(5, -2)).toBe(-2);
    expect(divideRoundHalfUp(-7, 2)).toBe(-3);
  });

  test('is 0 for a day without paid orders', () => {
    expect(dailyKpis('2025-01-01', 'EUR', zeroCounters())).toEqual({
      date: '2025-01-01',
      currency: 'EUR',
      revenue_cents: 0,
      order_count: 0,
      failed_order_count: 0,
      avg_order_value_cents: 0,
      refund_count: 0,
      refund_amount_cents: 0,
    });
  });

  test('is derived from revenue and paid orders only', () => {
    const kpis = dailyKpis('2025-01-01', 'EUR', {
      revenue_cents: 1001,
      order_count: 2,
      failed_order_count: 5,
      refund_count: 1,
      refund_amount_cents: 999,
    });
    expect(kpis.avg_order_value_cents).toBe(501);
  });
});
