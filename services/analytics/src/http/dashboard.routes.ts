import path from 'node:path';
import type { NextFunction, Response, Router } from 'express';

/**
 * The dashboard's static files live in the package (`public/dashboard`), outside `dist`: resolved from
 * this file, which sits at the same depth in `src/http` (tests) and `dist/http` (built).
 */
export const DASHBOARD_DIR = path.join(__dirname, '..', '..', 'public', 'dashboard');

/**
 * chart.js exports only its module entry points; its browser (UMD) build sits beside the CommonJS one,
 * and is served from node_modules rather than a CDN so the dashboard works offline.
 */
export function chartJsBrowserBuild(): string {
  return path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
}

/**
 * Only same-origin scripts, styles and API calls: the page renders API data with textContent, and this
 * keeps an injected script from running even if that slipped. `data:` images for the empty favicon.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths the dashboard serves (all GET), for the API description. */
export const DASHBOARD_PATHS = {
  page: '/dashboard',
  script: '/dashboard/dashboard.js',
  styles: '/dashboard/dashboard.css',
  chartJs: '/dashboard/vendor/chart.umd.min.js',
} as const;

function sendFile(res: Response, next: NextFunction, file: string, type: string): void {
  res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Unversioned file names: always revalidate (ETag/Last-Modified make that a cheap 304).
  res.setHeader('Cache-Control', 'no-cache');
  res.type(type);
  res.sendFile(file, { cacheControl: false }, (error?: Error) => {
    if (error) next(error);
  });
}

/** `GET /dashboard`: a static page over the KPI and leaderboard API, with its script, styles and Chart.js. */
export function dashboardRoutes(router: Router): void {
  const chartJs = chartJsBrowserBuild();
  const files: [string, string, string][] = [
    [DASHBOARD_PATHS.page, path.join(DASHBOARD_DIR, 'index.html'), 'html'],
    [DASHBOARD_PATHS.script, path.join(DASHBOARD_DIR, 'dashboard.js'), 'js'],
    [DASHBOARD_PATHS.styles, path.join(DASHBOARD_DIR, 'dashboard.css'), 'css'],
    [DASHBOARD_PATHS.chartJs, chartJs, 'js'],
  ];
  for (const [route, file, type] of files) {
    router.get(route, (_req, res, next) => sendFile(res, next, file, type));
  }
}
