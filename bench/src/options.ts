import path from 'node:path';
import { parseArgs } from 'node:util';

export const BENCH_USAGE = `usage: npm run bench -- [--orders N] [--seed S] [--rate 500] [--rate-seconds 20]
                       [--importer-rows 1000000] [--skip-null] [--out bench/results] [--timeout 1800]
  --orders N          orders of the full-speed run, the importer run and the null pipeline (default 100000)
  --seed S            seed of the generated data (default "bench")
  --rate R            orders/s of the fixed-rate latency run (default 500); 0 skips that run
  --rate-seconds T    how long the fixed-rate run lasts: R x T orders (default 20)
  --importer-rows N   also measure the importer alone on a generated file of about N rows
  --skip-null         skip the null pipeline (and the ratio to it)
  --skip-system       skip the full system (importer and null pipeline only)
  --out DIR           where <timestamp>.json and latest.md go (default bench/results)
  --timeout SEC       how long a run may take to finish its orders (default 1800)`;

export class UsageError extends Error {}

export interface BenchOptions {
  orders: number;
  seed: string;
  rate: number;
  rateSeconds: number;
  importerRows?: number | undefined;
  skipNull: boolean;
  skipSystem: boolean;
  outDir: string;
  timeoutMs: number;
  help: boolean;
}

function whole(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

export function parseBenchArgs(argv: string[], defaults: { cwd: string; outDir: string }): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        orders: { type: 'string', default: '100000' },
        seed: { type: 'string', default: 'bench' },
        rate: { type: 'string', default: '500' },
        'rate-seconds': { type: 'string', default: '20' },
        'importer-rows': { type: 'string' },
        'skip-null': { type: 'boolean', default: false },
        'skip-system': { type: 'boolean', default: false },
        out: { type: 'string' },
        timeout: { type: 'string', default: '1800' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.seed.length === 0) throw new UsageError('--seed must not be empty');
  return {
    orders: whole('--orders', values.orders, 1, 5_000_000),
    seed: values.seed,
    rate: whole('--rate', values.rate, 0, 100_000),
    rateSeconds: whole('--rate-seconds', values['rate-seconds'], 1, 3600),
    importerRows:
      values['importer-rows'] === undefined
        ? undefined
        : whole('--importer-rows', values['importer-rows'], 1, 20_000_000),
    skipNull: values['skip-null'],
    skipSystem: values['skip-system'],
    outDir: values.out ? path.resolve(defaults.cwd, values.out) : defaults.outDir,
    timeoutMs: whole('--timeout', values.timeout, 1, 86_400) * 1000,
    help: values.help,
  };
}
