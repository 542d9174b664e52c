import type { EventEffects } from '../domain/event-effects';
import { countersByCurrency, scriptOps } from './analytics.store';

const paid: EventEffects = {
  eventId: 'e1',
  kpi: { day: '2025-01-31', currency: 'EUR', increments: { revenue_cents: 1250, order_count: 1 } },
  spend: { currency: 'EUR', month: '2025-01', customerId: 'c1', deltaCents: 1250 },
  customer: { customerId: 'c1', name: 'Ada', email: 'ada@example.test', version: { at: 1000, tiebreak: 7 } },
};

describe('script ops', () => {
  test('a paid order: KPI increments with the day expiry, both leaderboards, display info', () => {
    const now = Date.UTC(2025, 1, 1) / 1000;
    expect(scriptOps(paid, 400, now)).toEqual([
      ...['H', 'kpi:2025-01-31', 'EUR:revenue_cents', 1250, ''],
      ...['H', 'kpi:2025-01-31', 'EUR:order_count', 1, ''],
      ...['X', 'kpi:2025-01-31', Date.UTC(2025, 1, 1) / 1000 + 400 * 86_400, '', ''],
      ...['Z', 'lb:EUR:all', 'c1', 1250, ''],
      ...['Z', 'lb:EUR:2025-01', 'c1', 1250, ''],
      ...['C', 'customer:c1', 'Ada', 'ada@example.test', '1000:7'],
    ]);
  });

  test('without a KPI TTL no expiry is set', () => {
    expect(scriptOps(paid, 0, 0).filter((_v, i) => i % 5 === 0)).not.toContain('X');
  });

  test('KPIs of a day already past its expiry are left out; leaderboards still count', () => {
    const now = Date.UTC(2025, 1, 10) / 1000;
    const ops = scriptOps(paid, 1, now);
    expect(ops.filter((_v, i) => i % 5 === 0)).toEqual(['Z', 'Z', 'C']);
  });

  test('a day hash reads back as counters per currency, unknown fields ignored', () => {
    const counters = countersByCurrency([
      'EUR:revenue_cents',
      '100',
      'EUR:order_count',
      '1',
      'USD:refund_count',
      '2',
      'EUR:surprise',
      '9',
    ]);
    expect(counters.get('EUR')).toEqual({
      revenue_cents: 100,
      order_count: 1,
      failed_order_count: 0,
      refund_count: 0,
      refund_amount_cents: 0,
    });
    expect(counters.get('USD')?.refund_count).toBe(2);
  });
});
