import { newEventId } from '@orderflow/contracts';
import { isCurrency } from '../domain/currencies';
import { detectOrderLayout, type OrderLayoutName } from '../domain/layouts';
import { OrderAssembler, type RejectedRow } from '../domain/order-assembler';
import { ordersPlacedEvent, type ImportContext } from '../domain/order-event';
import { createRowValidator, ORDER_FIELD_COLUMNS, type Catalog } from '../domain/row.schema';
import { formatCsvLine, type CsvWriter } from '../csv/csv-writer';
import { FatalError } from '../fatal-error';
import type { EventPublisher } from '../kafka/event-publisher';
import { Reporter } from '../output/reporter';
import type { ImportSummary } from '../output/summary';
import { loadCatalog } from './catalog';
import { Pacer, sleep } from './pacer';
import {
  connectPublisher,
  openCsv,
  openRejects,
  type ImportEnvironment,
  type OpenedCsv,
} from './import-context';

export interface OrdersImportOptions {
  file: string;
  format?: OrderLayoutName | undefined;
  currency?: string | undefined;
  catalog?: string | undefined;
  rejects?: string | undefined;
  dryRun: boolean;
  /** Events per produce request. */
  batchSize?: number | undefined;
  /** At most this many orders per second (for latency benchmarks); unlimited when unset. */
  rate?: number | undefined;
}

export const ORDER_REJECTS_HEADER = ['line', 'order_id', 'column', 'reason', 'raw'] as const;

const PROGRESS_EVERY_ROWS = 2048;

function checkOptions(options: OrdersImportOptions, layout: OrderLayoutName): void {
  if (options.currency !== undefined && !isCurrency(options.currency)) {
    throw new FatalError(`--currency ${options.currency} is not an ISO 4217 currency code (e.g. EUR)`);
  }
  if (layout === 'line-items' && options.currency !== undefined) {
    throw new FatalError('--currency does not apply to the line-items layout: its rows carry their currency');
  }
  if (layout !== 'line-items' && options.currency === undefined) {
    throw new FatalError(
      `the ${layout} layout has no currency column: give the orders' currency with --currency`,
    );
  }
  if (layout === 'customer-json' && options.catalog === undefined) {
    throw new FatalError(
      'the customer-json layout is priced from a stock file: give it with --catalog <stock.csv>',
    );
  }
  if (layout !== 'customer-json' && options.catalog !== undefined) {
    throw new FatalError(`--catalog does not apply to the ${layout} layout: its rows carry their prices`);
  }
}

/**
 * `import orders <file>`: streams the file, validates each row, assembles orders from consecutive rows and
 * produces one orders.placed per order, keyed by order id. Bad rows are reported and never stop the run;
 * what cannot be worked around (no file, unknown header, Kafka down) throws a FatalError.
 */
export async function importOrders(
  options: OrdersImportOptions,
  environment: ImportEnvironment,
): Promise<ImportSummary> {
  const now = environment.now ?? Date.now;
  const startedAt = now();
  const csv = await openCsv(options.file, 'orders file');
  try {
    return await run(options, environment, csv, startedAt);
  } finally {
    // Closes the file whatever happened; a no-op when it was read to the end.
    await csv.records.return(undefined);
  }
}

async function run(
  options: OrdersImportOptions,
  environment: ImportEnvironment,
  csv: OpenedCsv,
  startedAt: number,
): Promise<ImportSummary> {
  const now = environment.now ?? Date.now;
  const detected = detectOrderLayout(csv.header.fields, options.format);
  if (!detected.ok) throw new FatalError(`${options.file}: ${detected.reason}`);
  const layout = detected.value.layout;
  checkOptions(options, layout);
  const catalog: Catalog | undefined = options.catalog ? await loadCatalog(options.catalog) : undefined;

  const importId = newEventId();
  const context: ImportContext = { importId, fileName: csv.fileName };
  const validate = createRowValidator(detected.value, {
    currency: options.currency,
    importTime: startedAt,
    fileName: csv.fileName,
    catalog,
  });
  const placedAtFromFile = layout === 'line-items';
  const topic = `${environment.config.TOPIC_PREFIX}orders.placed`;
  environment.logger.info(
    { importId, file: options.file, layout, topic, dryRun: options.dryRun },
    'import started',
  );

  let rejectsFile: CsvWriter | undefined;
  let publisher: EventPublisher<'orders.placed'> | undefined;
  const reporter = new Reporter({
    stderr: environment.stderr,
    progressBar: environment.progressBar,
    totalBytes: csv.size,
    keyLabel: 'order',
    rejectsPath: options.rejects,
  });
  const counts = { rows: 0, valid: 0, rejectedRows: 0, rejectedOrders: 0 };
  const rejectedQueue: RejectedRow[] = [];
  let batchFull = false;
  let interrupted = false;
  let completed = false;

  const assembler = new OrderAssembler(
    {
      order(order) {
        counts.valid += 1;
        const event = ordersPlacedEvent(order, context, placedAtFromFile, now());
        if (publisher?.add(event)) batchFull = true;
      },
      rejected(rows, orderId) {
        if (orderId !== undefined) counts.rejectedOrders += 1;
        counts.rejectedRows += rows.length;
        for (const row of rows) rejectedQueue.push(row);
      },
    },
    { columns: ORDER_FIELD_COLUMNS[layout], detectReappearing: layout !== 'customer-json' },
  );

  const drainRejected = async () => {
    for (const row of rejectedQueue.splice(0)) {
      reporter.rejected({ line: row.line, key: row.orderId, column: row.column, reason: row.reason });
      await rejectsFile?.write([
        row.line,
        row.orderId ?? '',
        row.column,
        row.reason,
        formatCsvLine(row.fields),
      ]);
    }
  };
  const progress = () =>
    reporter.progress({
      rows: counts.rows,
      produced: publisher ? publisher.sent : counts.valid,
      rejectedRows: counts.rejectedRows,
      bytes: csv.reader.bytesRead,
    });

  try {
    rejectsFile = await openRejects(options.rejects, ORDER_REJECTS_HEADER);
    if (!options.dryRun) publisher = await connectPublisher('orders.placed', environment, options.batchSize);
    reporter.start();
    const pacer = options.rate !== undefined && publisher ? new Pacer(options.rate, now) : undefined;
    let paced = 0;
    for await (const record of csv.records) {
      if (environment.signal?.aborted) {
        interrupted = true;
        break;
      }
      counts.rows += 1;
      assembler.push({
        line: record.line,
        fields: record.fields,
        check: validate(record.fields, record.line),
      });
      if (rejectedQueue.length > 0) await drainRejected();
      if (batchFull) {
        batchFull = false;
        await publisher!.flush();
      }
      if (pacer && counts.valid > paced) {
        // An order was just queued: send it now, then wait until the next one is due.
        paced = counts.valid;
        const wait = pacer.delayMs(paced);
        if (wait > 0) {
          await publisher!.flush();
          await sleep(wait);
        }
      }
      if (counts.rows % PROGRESS_EVERY_ROWS === 0) progress();
    }
    // On an interrupt the order being assembled may be missing rows: it is dropped, never sent partial.
    if (!interrupted) assembler.end();
    await drainRejected();
    await publisher?.close();
    await rejectsFile?.close();
    progress();
    completed = true;
  } finally {
    reporter.stop();
    if (!completed) {
      await publisher?.disconnect();
      await rejectsFile?.close().catch(() => undefined);
    }
  }
  const summary: ImportSummary = {
    kind: 'orders',
    file: options.file,
    layout,
    importId,
    topic,
    dryRun: options.dryRun,
    interrupted,
    rowsRead: counts.rows,
    produced: publisher?.sent ?? 0,
    valid: counts.valid,
    rowsRejected: counts.rejectedRows,
    rejected: counts.rejectedOrders,
    elapsedMs: now() - startedAt,
  };
  environment.logger.info(summary, 'import finished');
  return summary;
}
