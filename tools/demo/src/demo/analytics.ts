import { Kafka, logLevel } from 'kafkajs';
import { averageCents } from './format';
import { pause, requestJson, throwIfAborted } from './http';
import type { OrderView } from './orders';
import type { RefundOutcome } from './refunds';

/** One day and currency, as GET /kpis returns it. */
export interface DayKpis {
  date: string;
  currency: string;
  revenue_cents: number;
  order_count: number;
  failed_order_count: number;
  avg_order_value_cents: number;
  refund_count: number;
  refund_amount_cents: number;
}

export interface LeaderboardEntry {
  rank: number;
  customer_id: string;
  name: string;
  email: string;
  net_spend_cents: number;
}

type Counted = Pick<DayKpis, 'revenue_cents' | 'order_count' | 'failed_order_count'>;

/** What the orders of this data set add to each (day of placed_at, currency). */
export function expectedKpis(final: readonly OrderView[]): Map<string, Counted> {
  const buckets = new Map<string, Counted>();
  for (const order of final) {
    const key = `${order.placed_at.slice(0, 10)}|${order.currency}`;
    const bucket = buckets.get(key) ?? { revenue_cents: 0, order_count: 0, failed_order_count: 0 };
    if (order.status === 'PAID') {
      bucket.revenue_cents += order.total_cents;
      bucket.order_count += 1;
    } else {
      bucket.failed_order_count += 1;
    }
    buckets.set(key, bucket);
  }
  return buckets;
}

/** Sums days into one row per currency, the average derived as analytics derives it. */
export function totalsByCurrency(days: readonly DayKpis[], label: string): DayKpis[] {
  const totals = new Map<string, DayKpis>();
  for (const day of days) {
    const total = totals.get(day.currency) ?? {
      date: label,
      currency: day.currency,
      revenue_cents: 0,
      order_count: 0,
      failed_order_count: 0,
      avg_order_value_cents: 0,
      refund_count: 0,
      refund_amount_cents: 0,
    };
    total.revenue_cents += day.revenue_cents;
    total.order_count += day.order_count;
    total.failed_order_count += day.failed_order_count;
    total.refund_count += day.refund_count;
    total.refund_amount_cents += day.refund_amount_cents;
    total.avg_order_value_cents = averageCents(total.revenue_cents, total.order_count);
    totals.set(day.currency, total);
  }
  return [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

export async function fetchKpis(analyticsUrl: string, query: string): Promise<DayKpis[] | undefined> {
  const { status, body } = await requestJson<DayKpis[]>(`${analyticsUrl}/kpis?${query}`);
  return status === 200 ? body : undefined;
}

export async function fetchLeaderboard(analyticsUrl: string, currency: string): Promise<LeaderboardEntry[]> {
  const { status, body } = await requestJson<LeaderboardEntry[]>(
    `${analyticsUrl}/leaderboard?currency=${currency}&limit=10`,
  );
  return status === 200 ? body : [];
}

async function consumerLag(kafka: Kafka, groupId: string, topics: string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics });
    let lag = 0;
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const end of ends) {
        const at = Number(mine.find((p) => p.partition === end.partition)?.offset ?? '-1');
        lag += Math.max(0, Number(end.high) - Math.max(at, 0));
      }
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Bounded wait until analytics has counted this data set: every (day, currency) it touches shows at
 * least its PAID and FAILED orders and revenue, today's refunds include the new ones, and the analytics
 * consumer has no lag on the two topics it reads (so nothing of ours is still on its way). Returns
 * false when the time ran out.
 */
export async function waitForAnalytics(options: {
  analyticsUrl: string;
  brokers: string[];
  topicPrefix: string;
  groupId: string;
  final: readonly OrderView[];
  refunds: readonly RefundOutcome[];
  from: string;
  to: string;
  today: string;
  timeoutMs: number;
  signal: AbortSignal;
}): Promise<boolean> {
  const expected = expectedKpis(options.final);
  const newRefunds = new Map<string, number>();
  for (const refund of options.refunds) {
    if (refund.status === 'REFUNDED' && !refund.replayed)
      newRefunds.set(refund.order.currency, (newRefunds.get(refund.order.currency) ?? 0) + 1);
  }
  const kafka = new Kafka({
    clientId: 'orderflow-demo',
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
  });
  const topics = [`${options.topicPrefix}orders.finished`, `${options.topicPrefix}refunds.processed`];
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    throwIfAborted(options.signal);
    const days = await fetchKpis(options.analyticsUrl, `from=${options.from}&to=${options.to}`).catch(
      () => undefined,
    );
    if (days) {
      const byKey = new Map(days.map((d) => [`${d.date}|${d.currency}`, d]));
      const counted = [...expected].every(([key, want]) => {
        const got = byKey.get(key);
        return (
          got !== undefined &&
          got.order_count >= want.order_count &&
          got.revenue_cents >= want.revenue_cents &&
          got.failed_order_count >= want.failed_order_count
        );
      });
      const refundsCounted = [...newRefunds].every(
        ([currency, n]) => (byKey.get(`${options.today}|${currency}`)?.refund_count ?? 0) >= n,
      );
      if (
        counted &&
        refundsCounted &&
        (await consumerLag(kafka, options.groupId, topics).catch(() => 1)) === 0
      )
        return true;
    }
    await pause(300, options.signal);
  }
  return false;
}

/** The busiest currency of the data set: the leaderboard shown is this one's. */
export function mainCurrency(final: readonly OrderView[]): string {
  const counts = new Map<string, number>();
  for (const order of final) counts.set(order.currency, (counts.get(order.currency) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? 'EUR';
}
