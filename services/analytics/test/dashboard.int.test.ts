// The dashboard in a real headless Chromium against the service running on the real stack: it shows what
// the API answers, refreshes by itself, and says so when there is no data.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { OrdersFinished } from '@orderflow/contracts';
import {
  buildOrdersPlaced,
  ordersFinishedFor,
  refundsProcessedFor,
  refundsRequestedFor,
} from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { addDays, utcDay } from '../src/domain/dates';
import { DASHBOARD_CSP } from '../src/http/dashboard.routes';
import { AnalyticsHarness } from './support';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const RESULTS_DIR = path.join(__dirname, '..', 'test-results');
const DAY_MS = 86_400_000;
const SERIES_DAYS = 30;
const KPI_KEYS = [
  'revenue_cents',
  'order_count',
  'failed_order_count',
  'avg_order_value_cents',
  'refund_count',
  'refund_amount_cents',
] as const;
const MONEY_KEYS = new Set<string>(['revenue_cents', 'avg_order_value_cents', 'refund_amount_cents']);

type KpiKey = (typeof KPI_KEYS)[number];
type DayKpis = { date: string; currency: string } & Record<KpiKey, number>;
interface BoardRow {
  rank: number;
  customer_id: string;
  name: string;
  email: string;
  net_spend_cents: number;
}

/** What the page's Chart.js instance holds, read in the page (Chart.js is a global there). */
interface ChartState {
  labels: string[];
  revenue: number[];
  orders: number[];
  points: number;
  drawn: boolean;
  animating: boolean;
}

// The page is opened with locale en-US, so Node's formatting (full ICU) is the reference.
function money(minor: number, currency: string): string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

function count(value: number): string {
  return new Intl.NumberFormat('en-US').format(value);
}

describe('GET /dashboard in headless Chromium', () => {
  let h: AnalyticsHarness;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  const now = Date.now();
  const today = utcDay(now);
  const browserErrors: string[] = [];

  function order(
    currency: string,
    unitPriceCents: number,
    qty: number,
    customer: string,
    placedAt = now,
    overrides: Partial<OrdersFinished> = {},
  ): OrdersFinished {
    return ordersFinishedFor(
      buildOrdersPlaced({
        placed_at: placedAt,
        currency,
        lines: [{ sku: 'SKU-1', name: 'Gear', unit_price_cents: unitPriceCents, qty }],
        customer: {
          customer_id: `cust-${customer.replace(/\W/g, '').toLowerCase()}`,
          name: customer,
          email: `${customer.replace(/\W/g, '').toLowerCase()}@example.test`,
        },
      }),
      overrides,
    );
  }

  const ada = order('EUR', 1_234, 2, 'Ada');
  // A name that would run script if it were rendered as HTML.
  const hostileName = '<img src=x onerror="window.__xss=1">Zoë & "Co"';
  const orders: OrdersFinished[] = [
    ada,
    order('EUR', 4_999, 1, 'Bob'),
    order('EUR', 250, 3, hostileName),
    order('EUR', 999, 1, 'Cyd', now, { status: 'FAILED', reason: 'PAYMENT_DECLINED', payment_id: null }),
    order('EUR', 7_500, 1, 'Bob', now - 3 * DAY_MS),
    order('EUR', 1_999, 2, 'Dee', now - 10 * DAY_MS),
    order('USD', 12_000, 1, 'Eve'),
    order('USD', 3_000, 1, 'Eve', now - 1 * DAY_MS),
    order('JPY', 1_500, 2, 'Fay'),
  ];
  const refund = refundsProcessedFor(ada, refundsRequestedFor(ada, { amount_cents: 500 }), {
    amount_cents: 500,
    processed_at: now,
  });

  async function apiKpis(date: string, currency: string): Promise<DayKpis> {
    return (await h.get<DayKpis>(`/kpis?date=${date}&currency=${currency}`)).body;
  }

  async function apiBoard(currency: string): Promise<BoardRow[]> {
    return (await h.get<BoardRow[]>(`/leaderboard?currency=${currency}&limit=10`)).body;
  }

  async function shownKpis(): Promise<Record<KpiKey, { value: string | null; text: string | null }>> {
    const shown = {} as Record<KpiKey, { value: string | null; text: string | null }>;
    for (const key of KPI_KEYS) {
      const cell = page.locator(`[data-kpi="${key}"]`);
      shown[key] = { value: await cell.getAttribute('data-value'), text: await cell.textContent() };
    }
    return shown;
  }

  function expectedKpis(kpis: DayKpis): Record<KpiKey, { value: string; text: string }> {
    const out = {} as Record<KpiKey, { value: string; text: string }>;
    for (const key of KPI_KEYS) {
      const value = kpis[key];
      out[key] = {
        value: String(value),
        text: MONEY_KEYS.has(key) ? money(value, kpis.currency) : count(value),
      };
    }
    return out;
  }

  /** Waits (bounded) until the page shows the KPIs the API answers for that day and currency. */
  async function waitKpisShown(date: string, currency: string): Promise<DayKpis> {
    let expected: unknown;
    let shown: unknown;
    try {
      return await waitFor(
        `the page to show the KPIs of ${date} ${currency}`,
        async () => {
          const kpis = await apiKpis(date, currency);
          expected = expectedKpis(kpis);
          shown = await shownKpis();
          return JSON.stringify(shown) === JSON.stringify(expected) ? kpis : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
    } catch (error) {
      expect(shown).toEqual(expected);
      throw error;
    }
  }

  async function shownBoard(): Promise<string[][]> {
    const rows = page.locator('#leaderboard tbody tr');
    const out: string[][] = [];
    for (let i = 0; i < (await rows.count()); i++) {
      out.push(await rows.nth(i).locator('td').allTextContents());
    }
    return out;
  }

  async function chartState(): Promise<ChartState> {
    return page.evaluate(() => {
      interface ChartJs {
        data: { labels: string[]; datasets: { data: number[] }[] };
        chartArea?: { width: number; height: number };
        getDatasetMeta(index: number): { data: { x: number; y: number }[] };
      }
      const g = globalThis as unknown as {
        Chart: { getChart(id: string): ChartJs | undefined; animator: { running(chart: ChartJs): boolean } };
      };
      const chart = g.Chart.getChart('trend');
      if (!chart) throw new Error('no chart on #trend');
      const meta = chart.getDatasetMeta(0).data;
      return {
        labels: [...chart.data.labels],
        revenue: [...(chart.data.datasets[0]?.data ?? [])],
        orders: [...(chart.data.datasets[1]?.data ?? [])],
        points: meta.length,
        drawn:
          (chart.chartArea?.width ?? 0) > 0 &&
          meta.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y)),
        animating: g.Chart.animator.running(chart),
      };
    });
  }

  async function status(): Promise<string | null> {
    return page.locator('#status').getAttribute('data-state');
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install -y chromium) ` +
          'or point CHROMIUM_PATH at a Chromium binary. This test does not skip without it.',
      );
    }
    // No periodic generation check: a wipe stays unrepaired, so the "no data yet" state can be seen.
    h = new AnalyticsHarness({ ANALYTICS_GENERATION_CHECK_MS: '600000' });
    await h.start();
    await h.produce('orders.finished', ...orders);
    await h.produce('refunds.processed', refund);
    await h.waitConsumed();

    profileDir = await mkdtemp(path.join(tmpdir(), 'analytics-dashboard-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      locale: 'en-US',
      timezoneId: 'UTC',
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') browserErrors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => browserErrors.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) =>
      browserErrors.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`),
    );
    page.on('response', (response) => {
      if (response.status() >= 400) browserErrors.push(`HTTP ${response.status()}: ${response.url()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
    await h?.stop();
  });

  test('the page and its assets are served locally, with a Content-Security-Policy', async () => {
    const html = await fetch(`${h.baseUrl}/dashboard`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    const body = await html.text();
    expect(body).not.toMatch(/https?:\/\//);
    for (const [asset, type] of [
      ['/dashboard/dashboard.js', /javascript/],
      ['/dashboard/dashboard.css', /^text\/css/],
      ['/dashboard/vendor/chart.umd.min.js', /javascript/],
    ] as const) {
      const response = await fetch(`${h.baseUrl}${asset}`);
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      expect(response.headers.get('content-type')).toMatch(type);
      await response.arrayBuffer();
    }
    const chartJs = await (await fetch(`${h.baseUrl}/dashboard/vendor/chart.umd.min.js`)).text();
    expect(chartJs).toContain('window.Chart');
    expect((await fetch(`${h.baseUrl}/dashboard/nope.js`)).status).toBe(404);
  });

  test("shows the day's KPIs, the daily chart and the leaderboard exactly as the API answers them", async () => {
    await page.goto(`${h.baseUrl}/dashboard?refresh=1`);
    await waitFor('the dashboard to load its data', async () => (await status()) === 'live', {
      timeoutMs: 20_000,
    });

    // Default: today (UTC) and the currency with the most paid orders over the chart's range.
    expect(await page.inputValue('#day')).toBe(today);
    expect(await page.inputValue('#currency')).toBe('EUR');
    expect(await page.locator('#currency option').allTextContents()).toEqual(['EUR', 'JPY', 'USD']);

    const kpis = await waitKpisShown(today, 'EUR');
    expect(kpis).toMatchObject({ order_count: 3, failed_order_count: 1, refund_count: 1 });

    const board = await apiBoard('EUR');
    expect(board.length).toBeGreaterThan(2);
    expect(await shownBoard()).toEqual(
      board.map((row) => [String(row.rank), row.name, row.email, money(row.net_spend_cents, 'EUR')]),
    );
    // The hostile name is shown as text, and nothing in it ran.
    expect(await page.locator('#leaderboard tbody').textContent()).toContain(hostileName);
    expect(await page.locator('#leaderboard tbody img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();

    const from = addDays(today, -(SERIES_DAYS - 1));
    const series = (await h.get<DayKpis[]>(`/kpis?from=${from}&to=${today}&currency=EUR`)).body;
    expect(series).toHaveLength(SERIES_DAYS);
    const chart = await waitFor('the chart to finish drawing', async () => {
      const state = await chartState();
      return state.animating ? undefined : state;
    });
    expect(chart).toEqual({
      labels: series.map((day) => day.date),
      revenue: series.map((day) => day.revenue_cents / 100),
      orders: series.map((day) => day.order_count),
      points: SERIES_DAYS,
      drawn: true,
      animating: false,
    });
    expect(chart.orders.filter((n) => n > 0)).toHaveLength(3);

    expect(await page.locator('#updated').getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    await mkdir(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS_DIR, 'dashboard.png'), fullPage: true });
    expect(browserErrors).toEqual([]);
  });

  test('refreshes by itself when a new event arrives', async () => {
    const before = await apiKpis(today, 'EUR');
    const updatedBefore = await page.locator('#updated').getAttribute('datetime');
    await h.produce('orders.finished', order('EUR', 10_000, 1, 'Gus'));
    // Counted first: until then the page already equals the API, and would be compared too early.
    await waitFor(
      'analytics to count the new order',
      async () => (await apiKpis(today, 'EUR')).order_count === before.order_count + 1,
    );
    const after = await waitKpisShown(today, 'EUR');
    expect(after.order_count).toBe(before.order_count + 1);
    expect(after.revenue_cents).toBe(before.revenue_cents + 10_000);
    expect(await page.locator('#updated').getAttribute('datetime')).not.toBe(updatedBefore);
    const board = await apiBoard('EUR');
    await waitFor('the leaderboard to show the new customer', async () => {
      const shown = await shownBoard();
      return shown.some((row) => row[1] === 'Gus') && shown.length === board.length;
    });
    expect(browserErrors).toEqual([]);
  });

  test('another currency and another day show their own numbers, and the URL keeps the choice', async () => {
    await page.selectOption('#currency', 'JPY');
    const jpy = await waitKpisShown(today, 'JPY');
    // Yen have no minor unit: 2 x 1,500 is ¥3,000.
    expect(await page.locator('[data-kpi="revenue_cents"]').textContent()).toBe('¥3,000');
    expect(jpy.revenue_cents).toBe(3_000);

    await page.selectOption('#currency', 'USD');
    const yesterday = addDays(today, -1);
    await page.fill('#day', yesterday);
    const usd = await waitKpisShown(yesterday, 'USD');
    expect(usd.order_count).toBe(1);
    expect(new URL(page.url()).searchParams.get('date')).toBe(yesterday);
    expect(new URL(page.url()).searchParams.get('currency')).toBe('USD');
    const board = await apiBoard('USD');
    await waitFor('the USD leaderboard', async () =>
      JSON.stringify(await shownBoard()) ===
      JSON.stringify(
        board.map((row) => [String(row.rank), row.name, row.email, money(row.net_spend_cents, 'USD')]),
      )
        ? true
        : undefined,
    );
    const chart = await chartState();
    expect(chart.labels.at(-1)).toBe(yesterday);

    const month = yesterday.slice(0, 7);
    await page.selectOption('#scope', 'month');
    const monthBoard = (await h.get<BoardRow[]>(`/leaderboard?currency=USD&limit=10&month=${month}`)).body;
    await waitFor(`the USD leaderboard of ${month}`, async () =>
      (await page.locator('#board-scope').textContent())?.includes(month) &&
      JSON.stringify(await shownBoard()) ===
        JSON.stringify(
          monthBoard.map((row) => [String(row.rank), row.name, row.email, money(row.net_spend_cents, 'USD')]),
        )
        ? true
        : undefined,
    );
    expect(new URL(page.url()).searchParams.get('scope')).toBe('month');
    expect(browserErrors).toEqual([]);
  });

  test('while the service has no data (503 + Retry-After) the page says so instead of showing numbers', async () => {
    await h.wipeRedis();
    expect((await h.get(`/kpis?date=${today}`)).status).toBe(503);
    await waitFor('the page to show the "no data yet" state', async () => (await status()) === 'nodata', {
      timeoutMs: 20_000,
    });
    expect(await page.locator('#notice').isVisible()).toBe(true);
    expect(await page.locator('#notice').textContent()).toMatch(/^No data yet/);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'dashboard-no-data.png') });
    // Only the expected 503s, nothing else went wrong.
    expect(browserErrors.filter((line) => !/\b503\b/.test(line))).toEqual([]);
  });

  test('when the service cannot be reached the page shows an error', async () => {
    await h.stopService();
    await waitFor('the page to show the error state', async () => (await status()) === 'error', {
      timeoutMs: 20_000,
    });
    expect(await page.locator('#notice').textContent()).toMatch(
      /^Could not load the numbers: Cannot reach the analytics service/,
    );
  });
});
