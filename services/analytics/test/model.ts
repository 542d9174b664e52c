// The test oracle: what the KPIs and leaderboards must be, computed straight from the events with plain
// maps and BigInt, independently of the service's code.
import type { OrdersFinished, RefundsProcessed } from '@orderflow/contracts';

export interface ExpectedKpis {
  date: string;
  currency: string;
  revenue_cents: number;
  order_count: number;
  failed_order_count: number;
  avg_order_value_cents: number;
  refund_count: number;
  refund_amount_cents: number;
}

export interface ExpectedRank {
  rank: number;
  customer_id: string;
  name: string;
  email: string;
  net_spend_cents: number;
}

type Counters = Omit<ExpectedKpis, 'date' | 'currency' | 'avg_order_value_cents'>;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const month = (ms: number) => new Date(ms).toISOString().slice(0, 7);

export class AnalyticsModel {
  private readonly seen = new Set<string>();
  private readonly kpis = new Map<string, Counters>();
  private readonly spend = new Map<string, Map<string, bigint>>();
  private readonly display = new Map<string, { name: string; email: string; at: number }>();

  apply(event: {
    topic: 'orders.finished' | 'refunds.processed';
    value: OrdersFinished | RefundsProcessed;
  }): void {
    if (event.topic === 'orders.finished') this.order(event.value as OrdersFinished);
    else this.refund(event.value as RefundsProcessed);
  }

  order(event: OrdersFinished): void {
    if (this.seen.has(event.event_id)) return;
    this.seen.add(event.event_id);
    const counters = this.counters(day(event.placed_at), event.currency);
    if (event.status === 'FAILED') {
      counters.failed_order_count += 1;
      return;
    }
    counters.revenue_cents += event.total_cents;
    counters.order_count += 1;
    this.addSpend(event.currency, month(event.placed_at), event.customer.customer_id, event.total_cents);
    this.seeCustomer(event.customer, event.occurred_at);
  }

  refund(event: RefundsProcessed): void {
    if (this.seen.has(event.event_id)) return;
    this.seen.add(event.event_id);
    const counters = this.counters(day(event.processed_at), event.currency);
    counters.refund_count += 1;
    counters.refund_amount_cents += event.amount_cents;
    this.addSpend(
      event.currency,
      month(event.order_placed_at),
      event.customer.customer_id,
      -event.amount_cents,
    );
    this.seeCustomer(event.customer, event.occurred_at);
  }

  /** Every (day, currency) with numbers, ordered by day then currency. */
  allKpis(): ExpectedKpis[] {
    return [...this.kpis.keys()].sort().map((key) => {
      const [date, currency] = key.split('|') as [string, string];
      return this.kpisOf(date, currency);
    });
  }

  days(): string[] {
    return [...new Set([...this.kpis.keys()].map((key) => key.split('|')[0]!))].sort();
  }

  currencies(): string[] {
    return [...new Set([...this.kpis.keys()].map((key) => key.split('|')[1]!))].sort();
  }

  months(currency: string): string[] {
    return [...this.spend.keys()]
      .filter((key) => key.startsWith(`${currency}|`) && !key.endsWith('|all'))
      .map((key) => key.split('|')[1]!)
      .sort();
  }

  kpisOf(date: string, currency: string): ExpectedKpis {
    const c = this.kpis.get(`${date}|${currency}`) ?? {
      revenue_cents: 0,
      order_count: 0,
      failed_order_count: 0,
      refund_count: 0,
      refund_amount_cents: 0,
    };
    const avg =
      c.order_count === 0
        ? 0n
        : (2n * BigInt(c.revenue_cents) + BigInt(c.order_count)) / (2n * BigInt(c.order_count));
    return {
      date,
      currency,
      revenue_cents: c.revenue_cents,
      order_count: c.order_count,
      failed_order_count: c.failed_order_count,
      avg_order_value_cents: Number(avg),
      refund_count: c.refund_count,
      refund_amount_cents: c.refund_amount_cents,
    };
  }

  /** Net spend descending; equal scores in reverse byte order of the id, as a Redis ZREVRANGE gives them. */
  leaderboard(currency: string, monthOrAll: string = 'all', limit = 10): ExpectedRank[] {
    const scores = this.spend.get(`${currency}|${monthOrAll}`) ?? new Map<string, bigint>();
    return [...scores]
      .sort(([a, x], [b, y]) => (x !== y ? (y > x ? 1 : -1) : Buffer.compare(Buffer.from(b), Buffer.from(a))))
      .slice(0, limit)
      .map(([customerId, cents], index) => ({
        rank: index + 1,
        customer_id: customerId,
        name: this.display.get(customerId)?.name ?? '',
        email: this.display.get(customerId)?.email ?? '',
        net_spend_cents: Number(cents),
      }));
  }

  private counters(date: string, currency: string): Counters {
    const key = `${date}|${currency}`;
    let counters = this.kpis.get(key);
    if (!counters) {
      counters = {
        revenue_cents: 0,
        order_count: 0,
        failed_order_count: 0,
        refund_count: 0,
        refund_amount_cents: 0,
      };
      this.kpis.set(key, counters);
    }
    return counters;
  }

  private addSpend(currency: string, orderMonth: string, customerId: string, cents: number): void {
    for (const scope of ['all', orderMonth]) {
      const key = `${currency}|${scope}`;
      let scores = this.spend.get(key);
      if (!scores) {
        scores = new Map();
        this.spend.set(key, scores);
      }
      scores.set(customerId, (scores.get(customerId) ?? 0n) + BigInt(cents));
    }
  }

  private seeCustomer(customer: { customer_id: string; name: string; email: string }, at: number): void {
    const known = this.display.get(customer.customer_id);
    // The scenarios give every event its own occurred_at, so the latest one decides without a tiebreak.
    if (!known || at > known.at) {
      this.display.set(customer.customer_id, { name: customer.name, email: customer.email, at });
    }
  }
}
