// @ts-check
// The analytics dashboard: reads the service's own API (same origin) and renders it. Everything from the
// API goes into the page through textContent / Option text, never as HTML.
(() => {
  'use strict';

  const DAY_MS = 86_400_000;
  /** Days in the chart, ending with the chosen day. */
  const SERIES_DAYS = 30;
  const LEADERBOARD_SIZE = 10;
  const REQUEST_TIMEOUT_MS = 10_000;
  const DEFAULT_REFRESH_S = 5;

  /**
   * @typedef {{ date: string, currency: string, revenue_cents: number, order_count: number,
   *   failed_order_count: number, avg_order_value_cents: number, refund_count: number,
   *   refund_amount_cents: number }} DayKpis
   * @typedef {{ rank: number, customer_id: string, name: string, email: string,
   *   net_spend_cents: number }} BoardRow
   * @typedef {{ title?: string, detail?: string, code?: string, status?: number,
   *   request_id?: string }} Problem
   * @typedef {{ day: string, from: string, currencies: string[], currency: string | null,
   *   series: DayKpis[], board: BoardRow[], month: string | null }} View
   */

  /** The service answers 503 + Retry-After while it has no data (first start, rebuild after a wipe). */
  class NoDataYet extends Error {
    /** @param {number} retryAfterS */
    constructor(retryAfterS) {
      super('no data yet');
      this.retryAfterS = retryAfterS;
    }
  }

  class LoadError extends Error {
    /**
     * @param {string} message
     * @param {Problem | null} problem
     */
    constructor(message, problem) {
      super(message);
      this.problem = problem;
    }
  }

  /**
   * @template {HTMLElement} T
   * @param {string} id
   * @param {{ new (): T }} type
   * @returns {T}
   */
  function byId(id, type) {
    const found = document.getElementById(id);
    if (!(found instanceof type)) throw new Error(`dashboard: #${id} is missing`);
    return found;
  }

  const el = {
    controls: byId('controls', HTMLFormElement),
    day: byId('day', HTMLInputElement),
    currency: byId('currency', HTMLSelectElement),
    scope: byId('scope', HTMLSelectElement),
    status: byId('status', HTMLElement),
    statusText: byId('status-text', HTMLElement),
    updated: byId('updated', HTMLTimeElement),
    notice: byId('notice', HTMLElement),
    kpiDay: byId('kpi-day', HTMLElement),
    trendRange: byId('trend-range', HTMLElement),
    boardScope: byId('board-scope', HTMLElement),
    board: byId('leaderboard', HTMLTableElement),
    boardEmpty: byId('board-empty', HTMLElement),
    canvas: byId('trend', HTMLCanvasElement),
  };
  const boardBody = el.board.tBodies[0] ?? el.board.createTBody();

  // ---- dates and formatting ----

  /** @param {unknown} value */
  function isDay(value) {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
    const parsed = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
  }

  /** @param {unknown} value */
  function isCurrency(value) {
    return typeof value === 'string' && /^[A-Z]{3}$/.test(value);
  }

  function todayUtc() {
    return new Date().toISOString().slice(0, 10);
  }

  /**
   * @param {string} day
   * @param {number} days
   */
  function addDays(day, days) {
    return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
  }

  /** @type {Map<string, Intl.NumberFormat>} */
  const moneyFormats = new Map();

  /** @param {string} currency */
  function moneyFormat(currency) {
    let format = moneyFormats.get(currency);
    if (!format) {
      format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
      moneyFormats.set(currency, format);
    }
    return format;
  }

  /**
   * Amounts are in the currency's minor units: cents for EUR, yen for JPY, fils (1/1000) for BHD.
   * @param {number} minor
   * @param {string} currency
   */
  function toMajor(minor, currency) {
    return minor / 10 ** (moneyFormat(currency).resolvedOptions().maximumFractionDigits ?? 2);
  }

  /**
   * @param {number} minor
   * @param {string} currency
   */
  function formatMoney(minor, currency) {
    return moneyFormat(currency).format(toMajor(minor, currency));
  }

  const countFormat = new Intl.NumberFormat();

  // ---- state, kept in the URL so a view can be shared ----

  const params = new URLSearchParams(window.location.search);
  const refreshParam = Number(params.get('refresh'));
  const refreshMs =
    (Number.isFinite(refreshParam) && refreshParam >= 1 && refreshParam <= 300
      ? refreshParam
      : DEFAULT_REFRESH_S) * 1000;

  const state = {
    /** @type {string | null} null follows today (UTC), so the page rolls over at midnight */
    day: isDay(params.get('date')) ? /** @type {string} */ (params.get('date')) : null,
    /** @type {string | null} null: the currency with the most paid orders in the chart's range */
    currency: isCurrency(params.get('currency')) ? /** @type {string} */ (params.get('currency')) : null,
    /** @type {string | null} last currency picked automatically, kept while it still has data */
    autoCurrency: /** @type {string | null} */ (null),
    scope: params.get('scope') === 'month' ? 'month' : 'all',
  };

  function syncUrl() {
    const next = new URLSearchParams();
    if (state.day) next.set('date', state.day);
    if (state.currency) next.set('currency', state.currency);
    if (state.scope === 'month') next.set('scope', 'month');
    if (params.has('refresh')) next.set('refresh', String(refreshMs / 1000));
    const query = next.toString();
    window.history.replaceState(null, '', query ? `?${query}` : window.location.pathname);
  }

  // ---- API ----

  /**
   * @param {string} path
   * @param {Record<string, string | null>} query
   */
  async function getJson(path, query) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== null) search.set(name, value);
    /** @type {Response} */
    let response;
    try {
      response = await fetch(`${path}?${search}`, {
        headers: { Accept: 'application/json' },
        cache: 'no-store',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'network error';
      throw new LoadError(`Cannot reach the analytics service (${reason}).`, null);
    }
    if (response.ok) return response.json();
    /** @type {Problem | null} */
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      // Not problem+json (a proxy's error page, say): the status says enough.
    }
    if (response.status === 503 && problem?.code === 'ANALYTICS.REBUILDING') {
      const retryAfter = Number(response.headers.get('Retry-After'));
      throw new NoDataYet(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : DEFAULT_REFRESH_S);
    }
    throw new LoadError(problem?.detail ?? `The API answered HTTP ${response.status}.`, problem);
  }

  /**
   * The most paid orders in the range, then the most revenue, then alphabetical.
   * @param {DayKpis[]} rows
   */
  function busiestCurrency(rows) {
    /** @type {Map<string, { orders: number, revenue: number }>} */
    const totals = new Map();
    for (const row of rows) {
      const total = totals.get(row.currency) ?? { orders: 0, revenue: 0 };
      total.orders += row.order_count;
      total.revenue += row.revenue_cents;
      totals.set(row.currency, total);
    }
    const ranked = [...totals].sort(
      ([a, x], [b, y]) => y.orders - x.orders || y.revenue - x.revenue || (a < b ? -1 : 1),
    );
    return ranked[0]?.[0] ?? null;
  }

  /** @returns {Promise<View>} */
  async function load() {
    const day = state.day ?? todayUtc();
    const from = addDays(day, -(SERIES_DAYS - 1));
    // Without a currency: one row per (day, currency) with numbers, i.e. the currencies that have data.
    /** @type {DayKpis[]} */
    const all = await getJson('/kpis', { from, to: day });
    const currencies = [...new Set(all.map((row) => row.currency))];
    let currency = state.currency;
    if (!currency) {
      currency =
        state.autoCurrency && currencies.includes(state.autoCurrency)
          ? state.autoCurrency
          : busiestCurrency(all);
      state.autoCurrency = currency;
    }
    if (currency && !currencies.includes(currency)) currencies.push(currency);
    currencies.sort();
    const month = state.scope === 'month' ? day.slice(0, 7) : null;
    if (!currency) return { day, from, currencies, currency, series: [], board: [], month };
    const [series, board] = await Promise.all([
      getJson('/kpis', { from, to: day, currency }),
      getJson('/leaderboard', { currency, limit: String(LEADERBOARD_SIZE), month }),
    ]);
    return { day, from, currencies, currency, series, board, month };
  }

  // ---- rendering ----

  /**
   * @param {'loading' | 'live' | 'nodata' | 'error'} kind
   * @param {string} text
   */
  function setStatus(kind, text) {
    el.status.dataset.state = kind;
    el.statusText.textContent = text;
  }

  /**
   * @param {'empty' | 'nodata' | 'error' | null} kind
   * @param {string} [text]
   */
  function setNotice(kind, text = '') {
    el.notice.hidden = kind === null;
    el.notice.dataset.kind = kind ?? '';
    el.notice.textContent = text;
    document.body.classList.toggle('stale', kind === 'nodata' || kind === 'error');
  }

  /** @param {View} view */
  function renderControls(view) {
    if (document.activeElement !== el.day) el.day.value = view.day;
    el.day.max = todayUtc();
    const wanted = view.currencies.join(',');
    const shown = [...el.currency.options].map((option) => option.value).join(',');
    if (wanted !== shown) {
      el.currency.replaceChildren(...view.currencies.map((code) => new Option(code, code)));
    }
    el.currency.disabled = view.currencies.length === 0;
    if (view.currency) el.currency.value = view.currency;
    el.scope.value = state.scope;
    const monthOption = el.scope.options[1];
    if (monthOption) monthOption.textContent = `Month ${view.day.slice(0, 7)}`;
  }

  /**
   * @param {DayKpis | null} kpis
   * @param {string | null} currency
   */
  function renderKpis(kpis, currency) {
    for (const cell of document.querySelectorAll('[data-kpi]')) {
      if (!(cell instanceof HTMLElement)) continue;
      const key = /** @type {keyof DayKpis} */ (cell.dataset.kpi);
      const value = kpis ? kpis[key] : undefined;
      if (typeof value !== 'number' || !currency) {
        cell.textContent = '–';
        delete cell.dataset.value;
        continue;
      }
      cell.dataset.value = String(value);
      cell.textContent = cell.hasAttribute('data-money')
        ? formatMoney(value, currency)
        : countFormat.format(value);
    }
  }

  /** @param {View} view */
  function renderBoard(view) {
    const rows = view.board.map((entry) => {
      const tr = document.createElement('tr');
      tr.dataset.customerId = entry.customer_id;
      /** @type {[string, string][]} */
      const cells = [
        ['num', String(entry.rank)],
        ['', entry.name],
        ['muted', entry.email],
        ['num', view.currency ? formatMoney(entry.net_spend_cents, view.currency) : ''],
      ];
      for (const [className, text] of cells) {
        const td = document.createElement('td');
        if (className) td.className = className;
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    });
    boardBody.replaceChildren(...rows);
    el.boardEmpty.hidden = rows.length > 0;
    el.boardScope.textContent = view.month ? `· orders placed in ${view.month}` : '· all time';
  }

  /** @type {import('chart.js').Chart | null} */
  let chart = null;
  /** @type {string | null} */
  let chartCurrency = null;

  const BAR = 'rgba(37, 99, 235, 0.35)';
  const BAR_DAY = 'rgba(37, 99, 235, 0.9)';
  const LINE = 'rgb(234, 88, 12)';

  /** @param {View} view */
  function renderChart(view) {
    const currency = view.currency;
    chartCurrency = currency;
    const labels = view.series.map((row) => row.date);
    const revenue = view.series.map((row) => (currency ? toMajor(row.revenue_cents, currency) : 0));
    const orders = view.series.map((row) => row.order_count);
    const colours = labels.map((date) => (date === view.day ? BAR_DAY : BAR));
    if (chart) {
      const [bars, line] = chart.data.datasets;
      if (bars && line) {
        chart.data.labels = labels;
        bars.data = revenue;
        bars.backgroundColor = colours;
        line.data = orders;
        chart.update('none');
        return;
      }
      chart.destroy();
    }
    chart = new Chart(el.canvas, {
      data: {
        labels,
        datasets: [
          {
            type: 'bar',
            label: 'Revenue',
            data: revenue,
            yAxisID: 'revenue',
            backgroundColor: colours,
            borderRadius: 3,
            order: 2,
          },
          {
            type: 'line',
            label: 'Paid orders',
            data: orders,
            yAxisID: 'orders',
            borderColor: LINE,
            backgroundColor: LINE,
            pointRadius: 2,
            // Monotone: a smooth line that never dips below zero between two days.
            cubicInterpolationMode: 'monotone',
            order: 1,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: { duration: 300 },
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: {
            grid: { display: false },
            ticks: {
              maxRotation: 0,
              autoSkipPadding: 12,
              callback(value) {
                return String(this.getLabelForValue(Number(value))).slice(5);
              },
            },
          },
          revenue: {
            type: 'linear',
            position: 'left',
            beginAtZero: true,
            ticks: {
              callback: (value) =>
                chartCurrency ? moneyFormat(chartCurrency).format(Number(value)) : String(value),
            },
          },
          orders: {
            type: 'linear',
            position: 'right',
            beginAtZero: true,
            grid: { drawOnChartArea: false },
            ticks: { precision: 0 },
          },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: {
              label: (item) =>
                item.dataset.yAxisID === 'revenue' && chartCurrency
                  ? `Revenue: ${moneyFormat(chartCurrency).format(Number(item.raw))}`
                  : `Paid orders: ${countFormat.format(Number(item.raw))}`,
            },
          },
        },
      },
    });
  }

  /** @param {View} view */
  function render(view) {
    renderControls(view);
    el.kpiDay.textContent = view.day;
    el.trendRange.textContent = `${view.from} to ${view.day}`;
    const dayKpis = view.series.find((row) => row.date === view.day) ?? null;
    renderKpis(dayKpis, view.currency);
    renderChart(view);
    renderBoard(view);
    if (view.currency) setNotice(null);
    else setNotice('empty', `No orders recorded in the ${SERIES_DAYS} days up to ${view.day}.`);
    const now = new Date();
    el.updated.dateTime = now.toISOString();
    el.updated.textContent = now.toLocaleTimeString();
    setStatus('live', `Live · refreshes every ${refreshMs / 1000} s`);
  }

  /**
   * @param {unknown} error
   * @param {number} retryMs
   */
  function renderFailure(error, retryMs) {
    const retry = `Retrying in ${Math.round(retryMs / 1000)} s.`;
    const stale = el.updated.dateTime ? ` The figures below are from ${el.updated.textContent}.` : '';
    if (error instanceof NoDataYet) {
      setStatus('nodata', 'No data yet');
      setNotice(
        'nodata',
        `No data yet: the analytics service is building its numbers from Kafka. ${retry}${stale}`,
      );
      return;
    }
    const problem = error instanceof LoadError ? error.problem : null;
    const message = error instanceof Error ? error.message : String(error);
    const ids = [problem?.code, problem?.request_id && `request ${problem.request_id}`].filter(Boolean);
    setStatus('error', 'Error');
    setNotice(
      'error',
      `Could not load the numbers: ${message}${ids.length ? ` (${ids.join(', ')})` : ''} ${retry}${stale}`,
    );
  }

  // ---- refresh loop ----

  let run = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  async function refresh() {
    clearTimeout(timer);
    const mine = ++run;
    let delay = refreshMs;
    try {
      const view = await load();
      if (mine !== run) return;
      render(view);
    } catch (error) {
      if (mine !== run) return;
      if (error instanceof NoDataYet) delay = Math.max(delay, error.retryAfterS * 1000);
      renderFailure(error, delay);
    }
    // A hidden tab does not poll; becoming visible refreshes at once.
    if (!document.hidden) timer = setTimeout(refresh, delay);
  }

  function onControlsChanged() {
    state.day = isDay(el.day.value) ? el.day.value : null;
    state.currency = isCurrency(el.currency.value) ? el.currency.value : null;
    state.scope = el.scope.value === 'month' ? 'month' : 'all';
    syncUrl();
    setStatus('loading', 'Loading…');
    void refresh();
  }

  el.day.addEventListener('change', onControlsChanged);
  el.currency.addEventListener('change', onControlsChanged);
  el.scope.addEventListener('change', onControlsChanged);
  el.controls.addEventListener('submit', (event) => event.preventDefault());
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refresh();
  });

  void refresh();
})();
