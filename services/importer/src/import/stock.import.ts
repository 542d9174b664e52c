import { newEventId } from '@orderflow/contracts';
import { isCurrency } from '../domain/currencies';
import { IdRegistry } from '../domain/id-registry';
import { resolveColumns, STOCK_COLUMNS, STOCK_OPTIONAL_COLUMNS } from '../domain/layouts';
import { stockLevelsEvent, type ImportContext } from '../domain/order-event';
import { createStockRowValidator, type StockColumn } from '../domain/stock-row.schema';
import { formatCsvLine, type CsvWriter } from '../csv/csv-writer';
import { FatalError } from '../fatal-error';
import type { EventPublisher } from '../kafka/event-publisher';
import { Reporter } from '../output/reporter';
import type { ImportSummary } from '../output/summary';
import {
  connectPublisher,
  openCsv,
  openRejects,
  type ImportEnvironment,
  type OpenedCsv,
} from './import-context';

export interface StockImportOptions {
  file: string;
  /** Currency of the file's unit_price_cents; required when the file has that column. */
  currency?: string | undefined;
  rejects?: string | undefined;
  dryRun: boolean;
  batchSize?: number | undefined;
}

export const STOCK_REJECTS_HEADER = ['line', 'sku', 'column', 'reason', 'raw'] as const;

const PROGRESS_EVERY_ROWS = 2048;

/**
 * `import stock <file>`: one inventory.stock-levels event per row (`sku,product_name,on_hand[,unit_price_cents]`),
 * keyed by SKU. A SKU listed twice is refused the second time: which level was meant is unclear.
 */
export async function importStock(
  options: StockImportOptions,
  environment: ImportEnvironment,
): Promise<ImportSummary> {
  const now = environment.now ?? Date.now;
  const startedAt = now();
  const csv = await openCsv(options.file, 'stock file');
  try {
    return await run(options, environment, csv, startedAt);
  } finally {
    await csv.records.return(undefined);
  }
}

async function run(
  options: StockImportOptions,
  environment: ImportEnvironment,
  csv: OpenedCsv,
  startedAt: number,
): Promise<ImportSummary> {
  const now = environment.now ?? Date.now;
  const resolved = resolveColumns<StockColumn>(csv.header.fields, STOCK_COLUMNS, STOCK_OPTIONAL_COLUMNS);
  if (!resolved.ok) {
    throw new FatalError(
      `${options.file}: ${resolved.reason} (a stock file has the columns ${[...STOCK_COLUMNS, ...STOCK_OPTIONAL_COLUMNS].join(',')})`,
    );
  }
  if (options.currency !== undefined && !isCurrency(options.currency)) {
    throw new FatalError(`--currency ${options.currency} is not an ISO 4217 currency code (e.g. EUR)`);
  }
  const hasPrices = resolved.value.unit_price_cents !== -1;
  if (hasPrices && options.currency === undefined) {
    throw new FatalError(`${options.file} has unit prices: give their currency with --currency`);
  }
  const currency = options.currency ?? null;
  const validate = createStockRowValidator(resolved.value, csv.header.fields.length);
  const importId = newEventId();
  const context: ImportContext = { importId, fileName: csv.fileName };
  const topic = `${environment.config.TOPIC_PREFIX}inventory.stock-levels`;

  const reporter = new Reporter({
    stderr: environment.stderr,
    progressBar: environment.progressBar,
    totalBytes: csv.size,
    keyLabel: 'sku',
    rejectsPath: options.rejects,
  });
  let rejectsFile: CsvWriter | undefined;
  let publisher: EventPublisher<'inventory.stock-levels'> | undefined;
  const seen = new IdRegistry();
  const counts = { rows: 0, valid: 0, rejected: 0 };
  let interrupted = false;
  let completed = false;

  const reject = async (
    line: number,
    sku: string | undefined,
    column: string,
    reason: string,
    fields: readonly string[],
  ) => {
    counts.rejected += 1;
    reporter.rejected({ line, key: sku, column, reason });
    await rejectsFile?.write([line, sku ?? '', column, reason, formatCsvLine(fields)]);
  };

  try {
    rejectsFile = await openRejects(options.rejects, STOCK_REJECTS_HEADER);
    if (!options.dryRun)
      publisher = await connectPublisher('inventory.stock-levels', environment, options.batchSize);
    reporter.start();
    for await (const record of csv.records) {
      if (environment.signal?.aborted) {
        interrupted = true;
        break;
      }
      counts.rows += 1;
      const check = validate(record.fields, record.line);
      if (!check.ok) {
        await reject(record.line, check.sku, check.column, check.reason, record.fields);
        continue;
      }
      const earlier = seen.firstLineOrAdd(check.row.sku, record.line);
      if (earlier !== undefined) {
        const reason = `SKU appears again: first at line ${earlier}, again at line ${record.line}; a stock file sets each SKU once`;
        await reject(record.line, check.row.sku, 'sku', reason, record.fields);
        continue;
      }
      counts.valid += 1;
      const event = stockLevelsEvent(check.row, context, currency, now());
      if (publisher?.add(event)) await publisher.flush();
      if (counts.rows % PROGRESS_EVERY_ROWS === 0) {
        reporter.progress({
          rows: counts.rows,
          produced: publisher?.sent ?? counts.valid,
          rejectedRows: counts.rejected,
          bytes: csv.reader.bytesRead,
        });
      }
    }
    await publisher?.close();
    await rejectsFile?.close();
    completed = true;
  } finally {
    reporter.stop();
    if (!completed) {
      await publisher?.disconnect();
      await rejectsFile?.close().catch(() => undefined);
    }
  }
  const summary: ImportSummary = {
    kind: 'stock',
    file: options.file,
    layout: hasPrices ? 'stock with prices' : 'stock',
    importId,
    topic,
    dryRun: options.dryRun,
    interrupted,
    rowsRead: counts.rows,
    produced: publisher?.sent ?? 0,
    valid: counts.valid,
    rowsRejected: counts.rejected,
    rejected: counts.rejected,
    elapsedMs: now() - startedAt,
  };
  environment.logger.info(summary, 'stock import finished');
  return summary;
}
