import { fileStamp, markdownReport, markdownTable, tableRows, type BenchResult } from './report';
import { parseImporterSummary } from './bench';
import { cpuSecondsOfStat, peakRssMbOfStatus } from './proc';

function result(overrides: Partial<BenchResult> = {}): BenchResult {
  return {
    schemaVersion: 1,
    startedAt: '2026-11-23T15:04:05.123Z',
    finishedAt: '2026-11-23T15:09:00.000Z',
    options: { orders: 100_000, seed: 'bench', rate: 500, skipNull: false },
    machine: {
      cores: 2,
      cpuModel: 'Test CPU',
      totalMemoryMb: 4096,
      nodeVersion: 'v20.19.0',
      platform: 'linux 6.1',
      loadAverageAtStart: [0.5, 0.25, 0.1],
    },
    settings: {},
    importer1M: {
      file: 'orders.csv',
      rows: 1_000_123,
      orders: 492_000,
      rowsPerSecond: 120_000,
      wallRowsPerSecond: 110_000,
      wallMs: 9_000,
      peakRssMb: 151.2,
      cpuSeconds: 9.5,
    },
    fullSpeed: {
      orders: 100_000,
      endToEndMs: 25_000,
      ordersPerSecond: 4_000,
      importMs: 5_000,
      importOrdersPerSecond: 20_000,
      latencyMs: { count: 100_000, p50: 900, p95: 1_800, p99: 2_100, max: 2_500, mean: 950 },
      unfinished: 0,
    },
    fixedRate: {
      orders: 10_000,
      endToEndMs: 20_300,
      ordersPerSecond: 493,
      importMs: 20_100,
      importOrdersPerSecond: 498,
      latencyMs: { count: 10_000, p50: 230, p95: 320, p99: 480, max: 700, mean: 240 },
      unfinished: 0,
      rate: 500,
    },
    services: [
      { service: 'orders', pid: 12, cpuSecondsFullSpeed: 10.25, cpuSecondsFixedRate: 3, peakRssMb: 120.5 },
    ],
    nullPipeline: { orders: 100_000, endToEndMs: 12_500, ordersPerSecond: 8_000 },
    ratioToNull: 0.5,
    errors: [],
    ...overrides,
  };
}

describe('tableRows', () => {
  it('judges every target the issue sets', () => {
    const rows = tableRows(result());
    const metOf = (start: string) => rows.find((r) => r.metric.startsWith(start))?.met;
    expect(metOf('importer rows/s')).toBe('yes');
    expect(metOf('importer peak RSS')).toBe('no');
    expect(metOf('end-to-end orders/s')).toBe('yes');
    expect(metOf('ours / null pipeline')).toBe('yes');
    expect(metOf('placed → finished p50 / p95 / p99 at 500')).toBe('yes');
    expect(rows.find((r) => r.metric.startsWith('orders:'))?.value).toBe('10.3 / 3.0 s, 120.5 MB');
    expect(rows.find((r) => r.metric.startsWith('fixed-rate run'))?.value).toBe('498 / 493 orders/s');
  });

  it('does not judge runs smaller than the targets speak of', () => {
    const small = result({
      fullSpeed: { ...result().fullSpeed!, orders: 2_000, ordersPerSecond: 10 },
      importer1M: undefined,
      importer: { ...result().importer1M!, rows: 4_000, rowsPerSecond: 5 },
      fixedRate: {
        ...result().fixedRate!,
        rate: 100,
        latencyMs: { ...result().fixedRate!.latencyMs, p99: 9_999 },
      },
      ratioToNull: 0.2,
    });
    const rows = tableRows(small);
    expect(rows.find((r) => r.metric.startsWith('end-to-end'))?.met).toBe('n/a');
    expect(rows.find((r) => r.metric.startsWith('importer rows/s'))?.met).toBe('n/a');
    expect(rows.find((r) => r.metric.includes('at 100 orders/s'))?.met).toBe('n/a');
    expect(rows.find((r) => r.metric === 'ours / null pipeline')?.met).toBe('no');
  });

  it('leaves out what was not measured', () => {
    const rows = tableRows(
      result({
        fullSpeed: undefined,
        fixedRate: undefined,
        nullPipeline: undefined,
        ratioToNull: undefined,
        services: [],
      }),
    );
    expect(rows.map((r) => r.metric)).toEqual([
      'importer rows/s (1,000,123 rows)',
      'importer peak RSS (1,000,123 rows)',
    ]);
  });
});

describe('markdown', () => {
  it('renders a table with escaped pipes', () => {
    expect(markdownTable([{ metric: 'a|b', value: '1', target: '≥ 2', met: 'no' }])).toBe(
      '| metric | value | target | met |\n| --- | --- | --- | --- |\n| a\\|b | 1 | ≥ 2 | no |',
    );
  });

  it('heads the report with the command, machine and load, and lists errors', () => {
    const text = markdownReport(result({ errors: ['null pipeline: boom'] }));
    expect(text).toContain('`npm run bench -- --orders 100000`');
    expect(text).toContain('2 cores (Test CPU)');
    expect(text).toContain('load average at start 0.50 / 0.25 / 0.10');
    expect(text).toContain(
      '| end-to-end orders/s (100,000 orders) | 4,000 | ≥ 3,000 for 100k orders | yes |',
    );
    expect(text).toContain('- null pipeline: boom');
  });

  it('names the settings a reader needs to compare runs', () => {
    const text = markdownReport(
      result({ settings: { PAYMENT_DELAY_MS: '200 (default)', POSTGRES_AUTOVACUUM: 'on' } }),
    );
    expect(text).toContain('Settings: PAYMENT_DELAY_MS 200 (default), POSTGRES_AUTOVACUUM on.');
    expect(markdownReport(result())).not.toContain('Settings:');
  });

  it('names result files by their start time', () => {
    expect(fileStamp('2026-11-23T15:04:05.123Z')).toBe('2026-11-23T15-04-05Z');
  });
});

describe('result JSON', () => {
  it('round-trips with the fields the README documents', () => {
    const parsed = JSON.parse(JSON.stringify(result())) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(
      [
        'errors',
        'finishedAt',
        'fixedRate',
        'fullSpeed',
        'importer1M',
        'machine',
        'nullPipeline',
        'options',
        'ratioToNull',
        'schemaVersion',
        'services',
        'settings',
        'startedAt',
      ].sort(),
    );
    expect(Object.keys(parsed.machine as object).sort()).toEqual(
      ['cores', 'cpuModel', 'loadAverageAtStart', 'nodeVersion', 'platform', 'totalMemoryMb'].sort(),
    );
  });
});

describe('parseImporterSummary', () => {
  it('reads the rows, produced events and rate of an orders or stock import', () => {
    const orders = [
      'imported /tmp/o.csv (line-items) to x.orders.placed',
      '  rows read        4106',
      '  orders produced  2000',
      '  rows rejected    0',
      '  orders rejected  0',
      '  elapsed          3.35 s',
      '  rows/s           1227',
      '  import id        abc',
    ].join('\n');
    expect(parseImporterSummary(orders)).toEqual({ rows: 4106, produced: 2000, rowsPerSecond: 1227 });
    const stock = '  rows read           57\n  stock levels produced  57\n  rows/s  10';
    expect(parseImporterSummary(stock)).toEqual({ rows: 57, produced: 57, rowsPerSecond: 10 });
    expect(parseImporterSummary('error: Kafka unreachable')).toBeUndefined();
  });
});

describe('/proc parsing', () => {
  it('adds utime and stime in clock ticks, whatever the command name holds', () => {
    const stat = '1234 (node) my) S 1 1234 1234 0 -1 4194304 500 0 0 0 250 75 0 0 20 0 11 0 100 1000 2000';
    expect(cpuSecondsOfStat(stat)).toBe(3.25);
  });

  it('reads VmHWM in MB', () => {
    expect(peakRssMbOfStatus('Name:\tnode\nVmHWM:\t  153600 kB\nVmRSS:\t 1000 kB\n')).toBe(150);
    expect(peakRssMbOfStatus('Name:\tnode\n')).toBeNaN();
  });
});
