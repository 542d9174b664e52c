// Random but reproducible event streams: finished orders (PAID and FAILED) and their refunds across
// currencies, days and a month boundary, with customers whose display name changes over time.
import type { OrdersFinished, RefundsProcessed } from '@orderflow/contracts';
import {
  buildCustomer,
  buildOrdersPlaced,
  ordersFinishedFor,
  refundsProcessedFor,
  refundsRequestedFor,
} from '@orderflow/contracts/testing';

export type ScenarioEvent =
  | { topic: 'orders.finished'; value: OrdersFinished }
  | { topic: 'refunds.processed'; value: RefundsProcessed };

/** mulberry32: a tiny seeded PRNG, so a failing seed can be replayed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScenarioOptions {
  orders: number;
  currencies?: string[];
  customers?: number;
  /** First placed_at; orders spread over `spanDays` days from here. */
  startMs?: number;
  spanDays?: number;
}

const DAY_MS = 86_400_000;

export function scenario(seed: number, options: ScenarioOptions): ScenarioEvent[] {
  const random = prng(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const currencies = options.currencies ?? ['EUR', 'USD', 'JPY'];
  const startMs = options.startMs ?? Date.UTC(2025, 0, 29);
  const spanDays = options.spanDays ?? 6;
  const customers = Array.from({ length: options.customers ?? 7 }, (_, i) =>
    buildCustomer({
      customer_id: `cust-${seed}-${i}`,
      name: `Customer ${i}`,
      email: `c${i}.${seed}@example.test`,
    }),
  );
  // Every event its own occurred_at, so "the latest display info wins" has one answer.
  let clock = Date.UTC(2025, 5, 1);
  const tick = () => (clock += int(1, 5000));

  const events: ScenarioEvent[] = [];
  for (let n = 0; n < options.orders; n++) {
    const index = int(0, customers.length - 1);
    if (random() < 0.08) {
      const current = customers[index]!;
      customers[index] = { ...current, name: `${current.name} (renamed ${n})` };
    }
    const customer = customers[index]!;
    const placedAt = startMs + int(0, spanDays * DAY_MS - 1);
    const unit = int(1, 20_000);
    const qty = int(1, 4);
    const placed = buildOrdersPlaced({
      placed_at: placedAt,
      currency: pick(currencies),
      customer,
      lines: [{ sku: `SKU-${int(1, 50)}`, name: 'Gear', unit_price_cents: unit, qty }],
    });
    const paid = random() < 0.75;
    const finished = ordersFinishedFor(placed, {
      occurred_at: tick(),
      finished_at: placedAt + int(1000, 600_000),
      ...(paid ? {} : { status: 'FAILED' as const, reason: 'PAYMENT_DECLINED' as const, payment_id: null }),
    });
    events.push({ topic: 'orders.finished', value: finished });
    if (!paid || random() >= 0.4) continue;
    let remaining = finished.total_cents;
    let refunded = 0;
    for (let r = int(1, 3); r > 0 && remaining > 0; r--) {
      const amount = r === 1 && random() < 0.3 ? remaining : int(1, remaining);
      remaining -= amount;
      refunded += amount;
      const requested = refundsRequestedFor(finished, { amount_cents: amount });
      events.push({
        topic: 'refunds.processed',
        value: refundsProcessedFor(finished, requested, {
          occurred_at: tick(),
          customer: customers[index]!,
          amount_cents: amount,
          refunded_total_cents: refunded,
          remaining_refundable_cents: remaining,
          processed_at: placedAt + int(0, 4 * DAY_MS),
        }),
      });
    }
  }
  return shuffle(events, random);
}

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The stream as delivered: every event at least once, about `rate` of them again (right after, or
 * much later), as producers retrying and replays do.
 */
export function withDuplicates<T>(events: readonly T[], random: () => number, rate = 0.15): T[] {
  const out: T[] = [];
  const later: T[] = [];
  for (const event of events) {
    out.push(event);
    if (random() < rate) (random() < 0.5 ? out : later).push(event);
  }
  return [...out, ...later];
}
