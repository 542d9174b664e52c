import type { DayKpis, LeaderboardEntry } from './analytics';
import { count, money, table } from './format';
import type { RefundOutcome } from './refunds';

export const KPI_HEADERS = [
  'currency',
  'revenue',
  'orders',
  'failed',
  'avg order value',
  'refunds',
  'refunded',
];

/** One row per currency: the table the demo prints (and its test reads back). */
export function kpiTable(rows: readonly DayKpis[]): string[] {
  if (rows.length === 0) return ['(no orders or refunds counted for these days)'];
  return table(
    KPI_HEADERS,
    rows.map((k) => [
      k.currency,
      money(k.revenue_cents, k.currency),
      count(k.order_count),
      count(k.failed_order_count),
      money(k.avg_order_value_cents, k.currency),
      count(k.refund_count),
      money(k.refund_amount_cents, k.currency),
    ]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

export function leaderboardTable(entries: readonly LeaderboardEntry[], currency: string): string[] {
  if (entries.length === 0) return ['(nobody yet)'];
  return table(
    ['rank', 'customer', 'name', 'email', `net spend ${currency}`],
    entries.map((e) => [String(e.rank), e.customer_id, e.name, e.email, money(e.net_spend_cents, currency)]),
    ['right', 'left', 'left', 'left', 'right'],
  );
}

export function outcomeTable(counts: readonly [string, number][]): string[] {
  return counts.map(([outcome, n]) => `  ${outcome.padEnd(26)} ${String(n).padStart(5)}`);
}

export function refundTable(refunds: readonly RefundOutcome[]): string[] {
  return table(
    ['order', 'currency', 'asked', 'status', 'refunded', 'note'],
    refunds.map((r) => [
      r.order.order_id,
      r.order.currency,
      r.amountCents === null ? 'all' : money(r.amountCents, r.order.currency),
      r.status,
      r.refundedCents === null ? '-' : money(r.refundedCents, r.order.currency),
      [r.rejection ?? '', r.replayed ? 'asked before (same Idempotency-Key)' : ''].filter(Boolean).join('; '),
    ]),
    ['left', 'left', 'right', 'left', 'right', 'left'],
  );
}
