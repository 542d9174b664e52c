#!/usr/bin/env node
// `import orders <file.csv>` / `import stock <file.csv>`: CSV files into Kafka. The summary goes to stdout;
// rejected rows, the progress bar and logs to stderr. Exit 0 = every row imported, 2 = some rows were
// rejected, 1 = the import could not run (one line saying why), 130 = interrupted.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, createLogger, type Logger } from './runtime-parts';
import { loadImporterConfig, type ImporterConfig } from './config';
import { DEFAULT_BATCH_SIZE } from './kafka/event-publisher';
import { ORDER_LAYOUT_NAMES, type OrderLayoutName } from './domain/layouts';
import { FatalError } from './fatal-error';
import type { ImportEnvironment } from './import/import-context';
import { importOrders } from './import/orders.import';
import { importStock } from './import/stock.import';
import {
  EXIT_FATAL,
  EXIT_INTERRUPTED,
  exitCodeOf,
  formatSummary,
  type ImportSummary,
} from './output/summary';

// An import allocates fast and keeps little (one order, one batch in flight, the ids seen), but V8 lets
// the old generation grow to about four times the live size between full collections, which made a 1M-row
// import peak near 300 MB. Growing by half instead keeps it near 150 MB at no measurable CPU cost. The
// setting only steers when V8 collects; it changes no program behaviour (an unknown flag is ignored).
setFlagsFromString('--heap-growing-percent=50');

/**
 * V8 doubles the young generation while a program allocates fast, up to 2 x 16 MB for Node's defaults:
 * a third of the importer's peak RSS. `--max-semi-space-size` cannot be changed once the heap exists, but
 * the growth factor is read each time it grows: once the young generation has reached `mb`, growing by a
 * factor of 1 keeps it there. Checked on a timer, so a late check only means a larger young generation.
 * Like the flag above this only steers the garbage collector (an unknown flag is ignored).
 */
function capYoungGeneration(mb: number): void {
  const timer = setInterval(() => {
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    if (young === undefined || young.space_size >= mb * 1024 * 1024) {
      setFlagsFromString('--semi-space-growth-factor=1');
      clearInterval(timer);
    }
  }, 20);
  timer.unref();
}

/** 2 x 8 MB: the peak RSS of a 1M-row import drops by ~20 MB for no measurable CPU time. */
const YOUNG_GENERATION_MB = 16;

interface OrdersFlags {
  batchSize: number;
  format?: OrderLayoutName;
  currency?: string;
  catalog?: string;
  rejects?: string;
  dryRun?: boolean;
  progress: boolean;
  rate?: number;
}

interface StockFlags {
  batchSize: number;
  currency?: string;
  rejects?: string;
  dryRun?: boolean;
  progress: boolean;
}

function environment(progress: boolean, signal: AbortSignal): ImportEnvironment {
  let config: ImporterConfig;
  try {
    config = loadImporterConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new FatalError(error.message);
    throw error;
  }
  // A CLI's stderr is for people: warnings and errors only, unless LOG_LEVEL asks for more.
  const logger: Logger = createLogger({
    service: 'importer',
    level: config.LOG_LEVEL ?? 'warn',
    destination: process.stderr,
  });
  return {
    config,
    logger,
    stderr: process.stderr,
    progressBar: progress && process.stderr.isTTY === true,
    signal,
  };
}

function finish(summary: ImportSummary): void {
  process.stdout.write(`${formatSummary(summary)}\n`);
  process.exitCode = exitCodeOf(summary);
}

/** First Ctrl-C: stop reading and report what was done; a second one ends the process at once. */
function interruptible(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('interrupted: finishing the orders already read (Ctrl-C again to quit at once)\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(EXIT_INTERRUPTED));
  });
  return controller.signal;
}

function batchSizeOption(): Option {
  return new Option('--batch-size <n>', 'events per produce request')
    .default(DEFAULT_BATCH_SIZE)
    .argParser((value) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 10_000) {
        throw new InvalidArgumentError('expected a whole number from 1 to 10000');
      }
      return n;
    });
}

export function buildProgram(): Command {
  const program = new Command('import')
    .description('Import orders or stock levels from CSV files into Kafka')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('orders')
    .description('produce one orders.placed event per order in the file')
    .argument('<file>', 'CSV file of orders')
    .addOption(
      new Option('--format <layout>', 'layout of the file (default: detected from the header)').choices(
        ORDER_LAYOUT_NAMES,
      ),
    )
    .option('--currency <code>', 'ISO 4217 currency of the orders (compact and customer-json layouts)')
    .option('--catalog <stock.csv>', 'stock CSV with product names and prices (customer-json layout)')
    .option('--rejects <file.csv>', 'write every rejected row to this CSV file')
    .option('--dry-run', 'validate the file without producing anything')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .addOption(batchSizeOption())
    .addOption(
      new Option('--rate <orders/s>', 'send at most this many orders per second (for benchmarks)').argParser(
        (value) => {
          const n = Number(value);
          if (!Number.isFinite(n) || n <= 0 || n > 1_000_000) {
            throw new InvalidArgumentError('expected a number of orders per second above 0');
          }
          return n;
        },
      ),
    )
    .action(async (file: string, flags: OrdersFlags) => {
      const summary = await importOrders(
        {
          file,
          format: flags.format,
          currency: flags.currency,
          catalog: flags.catalog,
          rejects: flags.rejects,
          dryRun: flags.dryRun === true,
          batchSize: flags.batchSize,
          rate: flags.rate,
        },
        environment(flags.progress, interruptible()),
      );
      finish(summary);
    });

  program
    .command('stock')
    .description('produce one inventory.stock-levels event per SKU in the file')
    .argument('<file>', 'CSV file: sku,product_name,on_hand[,unit_price_cents]')
    .option('--currency <code>', 'ISO 4217 currency of unit_price_cents (needed when the file has prices)')
    .option('--rejects <file.csv>', 'write every rejected row to this CSV file')
    .option('--dry-run', 'validate the file without producing anything')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .addOption(batchSizeOption())
    .action(async (file: string, flags: StockFlags) => {
      const summary = await importStock(
        {
          file,
          currency: flags.currency,
          rejects: flags.rejects,
          dryRun: flags.dryRun === true,
          batchSize: flags.batchSize,
        },
        environment(flags.progress, interruptible()),
      );
      finish(summary);
    });

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    // Operators need the reason, not a stack trace (LOG_LEVEL=debug shows it for a bug report).
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message.split('\n')[0]}\n`);
    if (!(error instanceof FatalError) && /^(debug|trace)$/.test(process.env['LOG_LEVEL'] ?? '')) {
      process.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
    }
    process.exitCode = EXIT_FATAL;
  }
  // kafkajs can leave timers behind after a failed connect; they must not keep a finished import alive.
  setTimeout(() => process.exit(), 2_000).unref();
}

if (require.main === module) {
  capYoungGeneration(YOUNG_GENERATION_MB);
  void main();
}
