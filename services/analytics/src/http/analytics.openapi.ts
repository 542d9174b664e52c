import path from 'node:path';
import { z } from 'zod';
import {
  jsonResponse,
  problemResponse,
  queryParameters,
  schemaRef,
  serviceOpenApi,
  type OpenApiOperation,
  type OpenApiResponse,
} from '@orderflow/runtime';
import { kpisQuery, leaderboardQuery, MAX_LEADERBOARD_LIMIT, MAX_SERIES_DAYS } from './analytics.routes';
import { DASHBOARD_PATHS } from './dashboard.routes';

const dailyKpis = z
  .object({
    date: z.string().meta({ format: 'date', description: 'The UTC day, YYYY-MM-DD.' }),
    currency: z.string(),
    revenue_cents: z.int().meta({ description: 'Total of the PAID orders placed that day.' }),
    order_count: z.int().min(0).meta({ description: 'PAID orders.' }),
    failed_order_count: z.int().min(0),
    avg_order_value_cents: z
      .int()
      .meta({ description: 'revenue_cents / order_count, rounded half up (0 without orders).' }),
    refund_count: z.int().min(0),
    refund_amount_cents: z.int().min(0),
  })
  .meta({ description: "One currency's KPIs of one UTC day (never a sum across currencies)." });

const leaderboardRow = z.object({
  rank: z.int().min(1),
  customer_id: z.string(),
  name: z.string(),
  email: z.string(),
  net_spend_cents: z.int().meta({ description: 'Paid minus refunded.' }),
});

const rebuilding: OpenApiResponse = problemResponse(
  'The data is being rebuilt from Kafka (ANALYTICS.REBUILDING); try again after Retry-After seconds.',
  { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'string' } } },
);

function dashboardFile(operationId: string, summary: string, mediaType: string): { get: OpenApiOperation } {
  return {
    get: {
      operationId,
      summary,
      tags: ['dashboard'],
      responses: {
        '200': { description: summary, content: { [mediaType]: { schema: { type: 'string' } } } },
        '304': { description: 'Not modified (ETag / Last-Modified revalidation).' },
      },
    },
  };
}

/** The analytics API and dashboard, served at GET /openapi.json. */
export const analyticsOpenApi = serviceOpenApi({
  service: 'analytics',
  packageDir: path.join(__dirname, '..', '..'),
  description:
    'Exact real-time KPIs per day and currency, and customer leaderboards by net spend, counted in Redis ' +
    'from orders.finished and refunds.processed; plus a dashboard page over them.',
  tags: [
    { name: 'kpis', description: 'Daily KPIs by currency.' },
    { name: 'leaderboard', description: 'Customers by net spend.' },
    { name: 'dashboard', description: 'The HTML dashboard and its static files.' },
  ],
  schemas: { DailyKpis: dailyKpis, LeaderboardRow: leaderboardRow },
  paths: {
    '/kpis': {
      get: {
        operationId: 'getKpis',
        summary: 'KPIs of one day or a daily series.',
        description:
          `One day (\`date\`, default today UTC) or a series (\`from\`..\`to\`, both included, at most ` +
          `${MAX_SERIES_DAYS} days). With \`currency\`: one object for a day, one per day for a series ` +
          '(zeros for a day without orders). Without: an array with one object per currency that has ' +
          'numbers that day (per day and currency for a series).',
        tags: ['kpis'],
        parameters: queryParameters(kpisQuery, {
          date: 'A UTC day, YYYY-MM-DD; default today. Not with from/to.',
          from: 'First day of a series, YYYY-MM-DD (with to).',
          to: `Last day of a series, YYYY-MM-DD (with from; at most ${MAX_SERIES_DAYS} days).`,
          currency: 'ISO 4217 code in capitals, e.g. EUR.',
        }),
        responses: {
          '200': jsonResponse('The KPIs.', {
            oneOf: [
              { ...schemaRef('DailyKpis'), description: 'One day of one currency.' },
              {
                type: 'array',
                items: schemaRef('DailyKpis'),
                description: 'Per currency of the day, or per day (and currency) of a series.',
              },
            ],
          }),
          '400': problemResponse('A query parameter is invalid (HTTP.VALIDATION names it).'),
          '503': rebuilding,
        },
      },
    },
    '/leaderboard': {
      get: {
        operationId: 'getLeaderboard',
        summary: 'Customers of one currency by net spend (paid minus refunded).',
        tags: ['leaderboard'],
        parameters: queryParameters(leaderboardQuery, {
          currency: 'ISO 4217 code in capitals, e.g. EUR.',
          limit: `How many customers (1..${MAX_LEADERBOARD_LIMIT}).`,
          month: 'YYYY-MM: only orders placed in that month; all-time without it.',
        }),
        responses: {
          '200': jsonResponse('The top customers, best first.', {
            type: 'array',
            items: schemaRef('LeaderboardRow'),
          }),
          '400': problemResponse('A query parameter is invalid (HTTP.VALIDATION names it).'),
          '503': rebuilding,
        },
      },
    },
    [DASHBOARD_PATHS.page]: dashboardFile('getDashboard', 'The dashboard page.', 'text/html'),
    [DASHBOARD_PATHS.script]: dashboardFile(
      'getDashboardScript',
      "The dashboard's script.",
      'text/javascript',
    ),
    [DASHBOARD_PATHS.styles]: dashboardFile('getDashboardStyles', "The dashboard's styles.", 'text/css'),
    [DASHBOARD_PATHS.chartJs]: dashboardFile(
      'getChartJs',
      'Chart.js (browser build), served locally.',
      'text/javascript',
    ),
  },
});
