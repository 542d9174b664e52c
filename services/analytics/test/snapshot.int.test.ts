// KPI expiry in Redis, `analytics snapshot` into Postgres, and reads falling back to snapshots.
import {
  buildOrdersPlaced,
  ordersFinishedFor,
  refundsProcessedFor,
  refundsRequestedFor,
} from '@orderflow/contracts/testing';
import { quoteIdent } from '@orderflow/runtime';
import { addDays, dayStartMs, kpiExpiresAt, utcDay } from '../src/domain/dates';
import { runCli } from './cli';
import { AnalyticsModel } from './model';
import { AnalyticsHarness } from './support';

const TTL_DAYS = 30;
const today = utcDay(Date.now());
const yesterday = addDays(today, -1);
const threeDaysAgo = addDays(today, -3);
const longAgo = addDays(today, -(TTL_DAYS + 10));
const at = (day: string, hour: number) => dayStartMs(day) + hour * 3_600_000;

function paid(day: string, currency: string, unitPriceCents: number) {
  return ordersFinishedFor(
    buildOrdersPlaced({
      placed_at: at(day, 10),
      currency,
      lines: [{ sku: 'SKU-1', name: 'Gear', unit_price_cents: unitPriceCents, qty: 1 }],
    }),
  );
}

interface SnapshotRow {
  date: string;
  currency: string;
  revenue_cents: string;
  order_count: string;
  failed_order_count: string;
  refund_count: string;
  refund_amount_cents: string;
  generation: string;
  taken_at: Date;
}

describe('KPI expiry and snapshots', () => {
  let h: AnalyticsHarness;
  const model = new AnalyticsModel();
  const oldOrder = paid(longAgo, 'EUR', 4_200);

  async function snapshotRows(day: string): Promise<SnapshotRow[]> {
    const { rows } = await h.service!.ctx.pool.query<SnapshotRow>(
      `SELECT to_char(date, 'YYYY-MM-DD') AS date, currency, revenue_cents, order_count, failed_order_count,
              refund_count, refund_amount_cents, generation, taken_at
       FROM ${quoteIdent(h.schema)}.kpi_snapshots WHERE date = $1 ORDER BY currency`,
      [day],
    );
    return rows;
  }

  const counters = (day: string, currency: string) => {
    const {
      date: _date,
      currency: _currency,
      avg_order_value_cents: _avg,
      ...rest
    } = model.kpisOf(day, currency);
    return Object.fromEntries(Object.entries(rest).map(([name, value]) => [name, String(value)]));
  };

  beforeAll(async () => {
    h = new AnalyticsHarness({ ANALYTICS_KPI_TTL_DAYS: String(TTL_DAYS) });
    await h.start();
    const eur = [paid(yesterday, 'EUR', 1000), paid(yesterday, 'EUR', 1001), paid(threeDaysAgo, 'EUR', 5000)];
    const usd = ordersFinishedFor(buildOrdersPlaced({ placed_at: at(yesterday, 8), currency: 'USD' }), {
      status: 'FAILED',
      reason: 'PAYMENT_DECLINED',
      payment_id: null,
    });
    const refund = refundsProcessedFor(eur[2]!, refundsRequestedFor(eur[2]!, { amount_cents: 250 }), {
      processed_at: at(yesterday, 15),
    });
    await h.produce('orders.finished', ...eur, usd, oldOrder);
    await h.produce('refunds.processed', refund);
    for (const event of [...eur, usd]) model.order(event);
    model.refund(refund);
    await h.waitConsumed();
  });
  afterAll(() => h.stop());

  test('a day stays in Redis TTL days after it ends; a day already past that never enters Redis', async () => {
    const generation = (await h.activeGeneration())!;
    expect(await h.redis.expiretime(`${h.keyPrefix}:${generation}:kpi:${yesterday}`)).toBe(
      kpiExpiresAt(yesterday, TTL_DAYS),
    );
    expect(await h.redis.exists(`${h.keyPrefix}:${generation}:kpi:${longAgo}`)).toBe(0);
    expect((await h.get(`/kpis?date=${longAgo}&currency=EUR`)).body).toMatchObject({
      order_count: 0,
      revenue_cents: 0,
    });
    // Leaderboards keep counting it: they have no per-day expiry.
    const board = await h.get<{ customer_id: string; net_spend_cents: number }[]>(
      '/leaderboard?currency=EUR&limit=100',
    );
    expect(board.body).toContainEqual(
      expect.objectContaining({ customer_id: oldOrder.customer.customer_id, net_spend_cents: 4_200 }),
    );
    expect((await h.get(`/kpis?date=${yesterday}&currency=EUR`)).body).toEqual(
      model.kpisOf(yesterday, 'EUR'),
    );
  });

  test('snapshot (default: yesterday) copies every currency of the day; reads use it once Redis lost the day', async () => {
    const run = await runCli(['snapshot'], h.cliEnv());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `snapshot of ${yesterday} from generation ${await h.activeGeneration()}: 2 currencies (EUR, USD)`,
    );
    const rows = await snapshotRows(yesterday);
    expect(rows.map((r) => r.currency)).toEqual(['EUR', 'USD']);
    expect(rows[0]).toMatchObject(counters(yesterday, 'EUR'));
    expect(rows[1]).toMatchObject(counters(yesterday, 'USD'));

    // The day leaves Redis (as at its expiry): the API answers from the snapshot.
    await h.redis.del(`${h.keyPrefix}:${await h.activeGeneration()}:kpi:${yesterday}`);
    expect((await h.get(`/kpis?date=${yesterday}&currency=EUR`)).body).toEqual(
      model.kpisOf(yesterday, 'EUR'),
    );
    expect((await h.get(`/kpis?date=${yesterday}`)).body).toEqual([
      model.kpisOf(yesterday, 'EUR'),
      model.kpisOf(yesterday, 'USD'),
    ]);
    const series = await h.get(`/kpis?from=${threeDaysAgo}&to=${yesterday}&currency=EUR`);
    expect(series.body).toEqual([
      model.kpisOf(threeDaysAgo, 'EUR'),
      model.kpisOf(addDays(threeDaysAgo, 1), 'EUR'),
      model.kpisOf(yesterday, 'EUR'),
    ]);

    // Nothing in Redis for the day any more: a new snapshot writes nothing and keeps the old one.
    const again = await runCli(['snapshot', '--date', yesterday], h.cliEnv());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`no KPIs in Redis for ${yesterday}`);
    expect(await snapshotRows(yesterday)).toEqual(rows);
  });

  test("a snapshot taken again replaces the day's rows", async () => {
    expect((await runCli(['snapshot', '--date', threeDaysAgo], h.cliEnv())).code).toBe(0);
    const [first] = await snapshotRows(threeDaysAgo);
    expect(first).toMatchObject(counters(threeDaysAgo, 'EUR'));
    const later = paid(threeDaysAgo, 'EUR', 777);
    await h.produce('orders.finished', later);
    model.order(later);
    await h.waitConsumed();
    expect((await runCli(['snapshot', '--date', threeDaysAgo], h.cliEnv())).code).toBe(0);
    const rows = await snapshotRows(threeDaysAgo);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject(counters(threeDaysAgo, 'EUR'));
    expect(rows[0]!.taken_at.getTime()).toBeGreaterThan(first!.taken_at.getTime());
  });

  test('a bad --date is refused with a reason', async () => {
    const run = await runCli(['snapshot', '--date', '2025-02-30'], h.cliEnv());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/expected a date YYYY-MM-DD/);
  });
});
