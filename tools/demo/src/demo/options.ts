import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../generate/options';
import { checkIsolationName } from './isolation';

export const DEMO_USAGE = `usage: npm run demo [-- options]
  --orders FILE      import these orders (line-items or compact layout) instead of generated ones
  --stock FILE       import this stock file first (with --stock-currency, default EUR)
  --count N          orders to generate when no --orders is given (default 1000)
  --seed S           seed of the generated data (default "orderflow"); the same seed, count and day
                     give the same files, so a second run finds every order already there
  --detach           leave everything running and exit once the tables are printed
  --no-refunds       skip the refunds
  --timeout SEC      how long to wait for orders to finish (default 300)
  --isolate NAME     a private run: topics NAME.*, schemas NAME_<service>, analytics keys NAME:*, free
                     ports (or <SERVICE>_PORT), pid and log files in the temp folder
  --cleanup          with --isolate: stop that run's services and delete its topics, schemas and keys
Without --detach the demo stays in the foreground; Ctrl-C stops what it started (services, and Kafka
and the schema registry if they were not running before).`;

export interface DemoOptions {
  ordersFile?: string | undefined;
  stockFile?: string | undefined;
  stockCurrency: string;
  count: number;
  seed: string;
  detach: boolean;
  refunds: boolean;
  timeoutMs: number;
  isolate?: string | undefined;
  cleanup: boolean;
  help: boolean;
}

export function parseDemoArgs(argv: string[], cwd: string): DemoOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        orders: { type: 'string' },
        stock: { type: 'string' },
        'stock-currency': { type: 'string', default: 'EUR' },
        count: { type: 'string', default: '1000' },
        seed: { type: 'string', default: 'orderflow' },
        detach: { type: 'boolean', default: false },
        'no-refunds': { type: 'boolean', default: false },
        timeout: { type: 'string', default: '300' },
        isolate: { type: 'string' },
        cleanup: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const count = Number(values.count);
  if (!/^\d+$/.test(values.count) || count < 1 || count > 1_000_000)
    throw new UsageError(`--count must be a whole number from 1 to 1000000, got "${values.count}"`);
  const timeout = Number(values.timeout);
  if (!/^\d+$/.test(values.timeout) || timeout < 1)
    throw new UsageError(`--timeout must be a whole number of seconds, got "${values.timeout}"`);
  if (values.stock && !values.orders)
    throw new UsageError('--stock needs --orders (generated data comes with its own stock)');
  if (!/^[A-Z]{3}$/.test(values['stock-currency']))
    throw new UsageError(
      `--stock-currency must be a currency code like EUR, got "${values['stock-currency']}"`,
    );
  if (values.cleanup && !values.isolate) throw new UsageError('--cleanup needs --isolate NAME');
  if (values.isolate) {
    try {
      checkIsolationName(values.isolate);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (values.seed.length === 0) throw new UsageError('--seed must not be empty');
  return {
    ordersFile: values.orders ? path.resolve(cwd, values.orders) : undefined,
    stockFile: values.stock ? path.resolve(cwd, values.stock) : undefined,
    stockCurrency: values['stock-currency'],
    count,
    seed: values.seed,
    detach: values.detach,
    refunds: !values['no-refunds'],
    timeoutMs: timeout * 1000,
    isolate: values.isolate,
    cleanup: values.cleanup,
    help: values.help,
  };
}
