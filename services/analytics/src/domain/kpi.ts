// Daily KPIs of one currency: the counters kept in Redis and what the API derives from them.

/** Counters kept per day and currency; money in minor units. Never summed across currencies. */
export const KPI_COUNTERS = [
  'revenue_cents',
  'order_count',
  'failed_order_count',
  'refund_count',
  'refund_amount_cents',
] as const;

export type KpiCounter = (typeof KPI_COUNTERS)[number];
export type KpiCounters = Record<KpiCounter, number>;

export interface DailyKpis {
  date: string;
  currency: string;
  revenue_cents: number;
  order_count: number;
  failed_order_count: number;
  avg_order_value_cents: number;
  refund_count: number;
  refund_amount_cents: number;
}

export function isKpiCounter(name: string): name is KpiCounter {
  return (KPI_COUNTERS as readonly string[]).includes(name);
}

export function zeroCounters(): KpiCounters {
  return {
    revenue_cents: 0,
    order_count: 0,
    failed_order_count: 0,
    refund_count: 0,
    refund_amount_cents: 0,
  };
}

/**
 * Integer division rounded half up (0.5 goes to 1, -0.5 to 0), exact for any safe integers: the average
 * order value is a whole number of cents, and 0 when there is nothing to divide by.
 */
export function divideRoundHalfUp(numerator: number, denominator: number): number {
  if (denominator === 0) return 0;
  const sign = denominator < 0 ? -1 : 1;
  const n = numerator * sign;
  const d = denominator * sign;
  const quotient = Math.floor(n / d);
  const remainder = n - quotient * d;
  return 2 * remainder >= d ? quotient + 1 : quotient;
}

export function dailyKpis(date: string, currency: string, counters: KpiCounters): DailyKpis {
  return {
    date,
    currency,
    revenue_cents: counters.revenue_cents,
    order_count: counters.order_count,
    failed_order_count: counters.failed_order_count,
    // Derived at read time from the two exact counters, never stored, so it cannot drift from them.
    avg_order_value_cents: divideRoundHalfUp(counters.revenue_cents, counters.order_count),
    refund_count: counters.refund_count,
    refund_amount_cents: counters.refund_amount_cents,
  };
}
