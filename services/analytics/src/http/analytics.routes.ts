import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { parseQuery, problem, sendProblem } from '@orderflow/runtime';
import { isCalendarDay, isCalendarMonth, rangeLength, daysBetween, utcDay } from '../domain/dates';
import { dailyKpis, zeroCounters, type DailyKpis } from '../domain/kpi';
import type { AnalyticsStore } from '../redis/analytics.store';
import { isNoGeneration } from '../redis/lua-script';
import type { DayKpis, KpiReader } from '../snapshot/kpi-reader';

export interface AnalyticsRoutesDeps {
  store: AnalyticsStore;
  kpis: KpiReader;
  /** Clock for the default date, for tests. */
  now?: () => number;
}

export const MAX_SERIES_DAYS = 366;
export const MAX_LEADERBOARD_LIMIT = 100;

const day = z.string().refine(isCalendarDay, 'expected a date YYYY-MM-DD');
const currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code in capitals, e.g. EUR');

export const kpisQuery = z
  .object({
    date: day.optional(),
    from: day.optional(),
    to: day.optional(),
    currency: currency.optional(),
  })
  .superRefine((query, ctx) => {
    if (query.date !== undefined && (query.from !== undefined || query.to !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['date'], message: 'give either date or from and to, not both' });
    }
    if (query.from !== undefined && query.to === undefined) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'required with from' });
    }
    if (query.to !== undefined && query.from === undefined) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'required with to' });
    }
    if (query.from !== undefined && query.to !== undefined) {
      if (query.to < query.from) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
      } else if (rangeLength(query.from, query.to) > MAX_SERIES_DAYS) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_SERIES_DAYS} days from from` });
      }
    }
  });

export const leaderboardQuery = z.object({
  currency,
  limit: z.coerce.number().int().min(1).max(MAX_LEADERBOARD_LIMIT).default(10),
  month: z.string().refine(isCalendarMonth, 'expected a month YYYY-MM').optional(),
});

/** Seconds a client is asked to wait while the data is being rebuilt. */
const REBUILDING_RETRY_AFTER_S = 5;

/**
 * Runs a read; when Redis has no active generation (the service lost its data and is rebuilding) the
 * answer is a 503 with Retry-After instead: an expected state, not an error worth a stack in the logs.
 */
async function whenBuilt<T>(req: Request, res: Response, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (!isNoGeneration(error)) throw error;
    res.setHeader('Retry-After', String(REBUILDING_RETRY_AFTER_S));
    sendProblem(
      res,
      problem(503, 'ANALYTICS.REBUILDING', 'The analytics are being rebuilt from Kafka; try again shortly.', {
        instance: req.path,
        requestId: req.requestId,
      }),
    );
    return undefined;
  }
}

function byCurrency(found: DayKpis): DailyKpis[] {
  return [...found.byCurrency]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, counters]) => dailyKpis(found.day, code, counters));
}

function ofCurrency(found: DayKpis, code: string): DailyKpis {
  return dailyKpis(found.day, code, found.byCurrency.get(code) ?? zeroCounters());
}

export function analyticsRoutes(router: Router, deps: AnalyticsRoutesDeps): void {
  /**
   * One day (`date`, default today UTC) or a daily series (`from`..`to`, both included, at most 366
   * days). With `currency`: one object per day, zeros for a day without orders. Without: one object per
   * currency that has numbers that day, never a sum across currencies.
   */
  router.get('/kpis', async (req, res) => {
    const query = parseQuery(kpisQuery, req);
    const series = query.from !== undefined && query.to !== undefined;
    const days = series
      ? daysBetween(query.from!, query.to!)
      : [query.date ?? utcDay(deps.now?.() ?? Date.now())];
    const found = await whenBuilt(req, res, () => deps.kpis.read(days));
    if (!found) return;
    const code = query.currency;
    if (!series) {
      const [only] = found;
      res.json(code ? ofCurrency(only!, code) : byCurrency(only!));
      return;
    }
    res.json(code ? found.map((d) => ofCurrency(d, code)) : found.flatMap(byCurrency));
  });

  /** Customers of one currency by net spend (paid minus refunded), all-time or for orders placed in `month`. */
  router.get('/leaderboard', async (req, res) => {
    const query = parseQuery(leaderboardQuery, req);
    const board = await whenBuilt(req, res, () =>
      deps.store.readLeaderboard(query.currency, query.month, query.limit),
    );
    if (!board) return;
    res.json(
      board.rows.map((row, index) => ({
        rank: index + 1,
        customer_id: row.customerId,
        name: row.name,
        email: row.email,
        net_spend_cents: row.netSpendCents,
      })),
    );
  });
}
