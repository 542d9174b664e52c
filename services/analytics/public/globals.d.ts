// The browser build of Chart.js (dashboard/vendor/chart.umd.min.js) defines this global.
import type { Chart as ChartJs } from 'chart.js';

declare global {
  const Chart: typeof ChartJs;
}
