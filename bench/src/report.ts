// The result of one benchmark run (the JSON written to bench/results/<timestamp>.json) and its
// markdown table of metric, value, target and whether the target is met.
import type { LatencySummary } from './stats';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  totalMemoryMb: number;
  nodeVersion: string;
  platform: string;
  /** os.loadavg() when the run started: 1, 5 and 15 minutes. */
  loadAverageAtStart: [number, number, number];
}

export interface ImporterMeasurement {
  file: string;
  rows: number;
  orders: number;
  /** As the importer reports it (its own elapsed time, without Node's start-up). */
  rowsPerSecond: number;
  /** Rows over the process' whole life, start-up included. */
  wallRowsPerSecond: number;
  wallMs: number;
  peakRssMb: number;
  cpuSeconds: number;
}

export interface RunMeasurement {
  orders: number;
  /** Import start to the last order finished and counted by analytics. */
  endToEndMs: number;
  ordersPerSecond: number;
  importMs: number;
  /** Orders over the import's duration: the rate the system was fed at. */
  importOrdersPerSecond: number;
  /** orders.placed message time to orders.finished message time, per order, in ms. */
  latencyMs: LatencySummary;
  /** Orders placed in this run without an orders.finished (should be 0). */
  unfinished: number;
  /** Asked rate in orders/s (fixed-rate run only). */
  rate?: number;
}

export interface ServiceUsage {
  service: string;
  pid: number;
  /** CPU seconds used during the full-speed run and during the fixed-rate run. */
  cpuSecondsFullSpeed: number;
  cpuSecondsFixedRate: number;
  /** Peak RSS over the service's life (VmHWM), read before stopping it. */
  peakRssMb: number;
}

export interface NullMeasurement {
  orders: number;
  endToEndMs: number;
  ordersPerSecond: number;
}

export interface BenchResult {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  options: { orders: number; seed: string; rate: number; importerRows?: number; skipNull: boolean };
  machine: MachineInfo;
  settings: Record<string, string>;
  importer?: ImporterMeasurement;
  importer1M?: ImporterMeasurement;
  fullSpeed?: RunMeasurement;
  fixedRate?: RunMeasurement;
  services: ServiceUsage[];
  nullPipeline?: NullMeasurement;
  /** fullSpeed.ordersPerSecond / nullPipeline.ordersPerSecond */
  ratioToNull?: number;
  errors: string[];
}

export interface TableRow {
  metric: string;
  value: string;
  target: string;
  met: 'yes' | 'no' | 'n/a';
}

const IMPORTER_TARGET_ROWS = 1_000_000;

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || Number.isNaN(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function met(ok: boolean | undefined): TableRow['met'] {
  return ok === undefined ? 'n/a' : ok ? 'yes' : 'no';
}

/** Every measured number, with the issue's target where it sets one. */
export function tableRows(result: BenchResult): TableRow[] {
  const rows: TableRow[] = [];
  const full = result.fullSpeed;
  const fixed = result.fixedRate;
  const importers = [result.importer, result.importer1M].filter(
    (m): m is ImporterMeasurement => m !== undefined,
  );
  for (const m of importers) {
    const big = m.rows >= IMPORTER_TARGET_ROWS * 0.98;
    const label = `${fmt(m.rows)} rows`;
    rows.push({
      metric: `importer rows/s (${label})`,
      value: fmt(m.rowsPerSecond),
      target: big ? '≥ 100,000 on 1M rows' : '(target is on 1M rows)',
      met: big ? met(m.rowsPerSecond >= 100_000) : 'n/a',
    });
    rows.push({
      metric: `importer peak RSS (${label})`,
      value: `${fmt(m.peakRssMb, 1)} MB`,
      target: big ? '< 150 MB on 1M rows' : '(target is on 1M rows)',
      met: big ? met(m.peakRssMb < 150) : 'n/a',
    });
  }
  if (full) {
    const big = full.orders >= 100_000;
    rows.push({
      metric: `end-to-end orders/s (${fmt(full.orders)} orders)`,
      value: fmt(full.ordersPerSecond),
      target: big ? '≥ 3,000 for 100k orders' : '(target is for 100k orders)',
      met: big ? met(full.ordersPerSecond >= 3_000) : 'n/a',
    });
    rows.push({
      metric: 'placed → finished p50 / p95 / p99, full speed',
      value: `${fmt(full.latencyMs.p50)} / ${fmt(full.latencyMs.p95)} / ${fmt(full.latencyMs.p99)} ms`,
      target: '',
      met: 'n/a',
    });
  }
  if (result.nullPipeline) {
    rows.push({
      metric: `null pipeline orders/s (${fmt(result.nullPipeline.orders)} orders)`,
      value: fmt(result.nullPipeline.ordersPerSecond),
      target: '',
      met: 'n/a',
    });
  }
  if (result.ratioToNull !== undefined) {
    rows.push({
      metric: 'ours / null pipeline',
      value: fmt(result.ratioToNull, 2),
      target: '≥ 0.5',
      met: met(result.ratioToNull >= 0.5),
    });
  }
  if (fixed) {
    rows.push({
      metric: `placed → finished p50 / p95 / p99 at ${fmt(fixed.rate)} orders/s`,
      value: `${fmt(fixed.latencyMs.p50)} / ${fmt(fixed.latencyMs.p95)} / ${fmt(fixed.latencyMs.p99)} ms`,
      target: 'p99 < 500 ms at 500/s',
      met: fixed.rate === 500 ? met(fixed.latencyMs.p99 < 500) : 'n/a',
    });
    rows.push({
      metric: 'fixed-rate run: fed at / finished at',
      value: `${fmt(fixed.importOrdersPerSecond)} / ${fmt(fixed.ordersPerSecond)} orders/s`,
      target: '',
      met: 'n/a',
    });
  }
  for (const s of result.services) {
    rows.push({
      metric: `${s.service}: CPU s (full speed / fixed rate), peak RSS`,
      value: `${fmt(s.cpuSecondsFullSpeed, 1)} / ${fmt(s.cpuSecondsFixedRate, 1)} s, ${fmt(s.peakRssMb, 1)} MB`,
      target: '',
      met: 'n/a',
    });
  }
  return rows;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function markdownTable(rows: readonly TableRow[]): string {
  const lines = ['| metric | value | target | met |', '| --- | --- | --- | --- |'];
  for (const row of rows)
    lines.push(`| ${cell(row.metric)} | ${cell(row.value)} | ${cell(row.target)} | ${row.met} |`);
  return lines.join('\n');
}

/** bench/results/latest.md: a heading with when and where, the table, and any errors. */
export function markdownReport(result: BenchResult): string {
  const m = result.machine;
  const lines = [
    `# Benchmark ${result.startedAt}`,
    '',
    `\`npm run bench -- --orders ${result.options.orders}\` (seed "${result.options.seed}", rate ${result.options.rate}/s${result.options.importerRows ? `, importer rows ${result.options.importerRows}` : ''}${result.options.skipNull ? ', null pipeline skipped' : ''}) ` +
      `on ${m.cores} cores (${m.cpuModel}), ${fmt(m.totalMemoryMb)} MB, Node ${m.nodeVersion}, ` +
      `load average at start ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' / ')}.`,
    ...(Object.keys(result.settings).length > 0
      ? [
          '',
          `Settings: ${Object.entries(result.settings)
            .map(([name, value]) => `${name} ${value}`)
            .join(', ')}.`,
        ]
      : []),
    '',
    markdownTable(tableRows(result)),
  ];
  if (result.errors.length > 0) {
    lines.push('', '**Errors:**', '', ...result.errors.map((e) => `- ${e}`));
  }
  return `${lines.join('\n')}\n`;
}

/** For the file name: 2026-11-23T15-04-05Z. */
export function fileStamp(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}
