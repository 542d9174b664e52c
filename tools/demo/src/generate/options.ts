import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseBadRows } from './bad-rows';
import type { GenerateOptions } from './generator';

export const GENERATE_USAGE = `usage: npm run generate -- [--orders N] [--seed S] [--bad-rows R] [--out-dir D]
                          [--until YYYY-MM-DD] [--days 14] [--prefix DEMO] [--not-after ISO-TIME]
  --orders     orders to write (default 1000); each has 1-5 rows
  --seed       any text (default "orderflow"); the same arguments give the same bytes
  --bad-rows   a count (25), a share of rows (0.01) or a percentage (1%) of rows the importer rejects
               (bad qty, price, date, email, currency, an empty required field); default 1%
  --out-dir    where orders.csv and stock.csv go (default .stack/generated)
  --until      last day orders are placed on, UTC (default today)
  --days       how many days up to --until the orders spread over (default 14)
  --prefix     starts every SKU, order id and customer id (default DEMO)
  --not-after  no order placed after this instant; without --until it is the current hour, so
               nothing is in the future (pass --until for files that never change)`;

export class UsageError extends Error {}

/** Today (UTC) as YYYY-MM-DD. */
export function todayUtc(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** The start of the current UTC hour. */
export function currentHour(now = Date.now()): number {
  return Math.floor(now / 3_600_000) * 3_600_000;
}

export function parseGenerateArgs(
  argv: string[],
  defaults: { outDir: string; cwd: string; now?: number },
): GenerateOptions & { help: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        orders: { type: 'string', default: '1000' },
        seed: { type: 'string', default: 'orderflow' },
        'bad-rows': { type: 'string', default: '1%' },
        'out-dir': { type: 'string' },
        until: { type: 'string' },
        days: { type: 'string', default: '14' },
        prefix: { type: 'string', default: 'DEMO' },
        'not-after': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const now = defaults.now ?? Date.now();
  let notAfter: number | undefined;
  if (values['not-after'] !== undefined) {
    notAfter = Date.parse(values['not-after']);
    if (Number.isNaN(notAfter))
      throw new UsageError(`--not-after must be an ISO 8601 time, got "${values['not-after']}"`);
  } else if (values.until === undefined) {
    notAfter = currentHour(now);
  }
  let badRows;
  try {
    badRows = parseBadRows(values['bad-rows']);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    help: values.help,
    orders: wholeNumber('--orders', values.orders),
    seed: values.seed,
    badRows,
    outDir: values['out-dir'] ? path.resolve(defaults.cwd, values['out-dir']) : defaults.outDir,
    until: values.until ?? todayUtc(now),
    days: wholeNumber('--days', values.days),
    prefix: values.prefix,
    notAfter,
  };
}

function wholeNumber(name: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${name} must be a whole number, got "${text}"`);
  return Number(text);
}
