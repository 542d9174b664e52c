import { resolveColumns, STOCK_COLUMNS, STOCK_OPTIONAL_COLUMNS } from '../domain/layouts';
import type { Catalog } from '../domain/row.schema';
import { createStockRowValidator, type StockColumn } from '../domain/stock-row.schema';
import { FatalError } from '../fatal-error';
import { formatRejectLine } from '../output/reporter';
import { openCsv } from './import-context';

/**
 * Reads the price list for customer-json orders from a stock CSV (`sku,product_name,on_hand,unit_price_cents`,
 * prices in the --currency of the import). It prices every order, so any bad row in it is fatal rather
 * than a guess; a SKU without a price only fails the orders that ask for it.
 */
export async function loadCatalog(file: string): Promise<Catalog> {
  const { records, header } = await openCsv(file, 'catalog');
  const resolved = resolveColumns<StockColumn>(header.fields, STOCK_COLUMNS, STOCK_OPTIONAL_COLUMNS);
  if (!resolved.ok) throw new FatalError(`catalog ${file}: ${resolved.reason}`);
  if (resolved.value.unit_price_cents === -1) {
    throw new FatalError(`catalog ${file}: header lacks column unit_price_cents, so it prices nothing`);
  }
  const validate = createStockRowValidator(resolved.value, header.fields.length);
  const catalog = new Map<string, { name: string; unit_price_cents: number | null; line: number }>();
  for await (const record of records) {
    const check = validate(record.fields, record.line);
    if (!check.ok) {
      const detail = formatRejectLine(
        { line: record.line, key: check.sku, column: check.column, reason: check.reason },
        'sku',
      );
      throw new FatalError(`catalog ${file}: ${detail}`);
    }
    const earlier = catalog.get(check.row.sku);
    if (earlier) {
      throw new FatalError(
        `catalog ${file}: SKU ${check.row.sku} is listed at line ${earlier.line} and again at line ${record.line}`,
      );
    }
    catalog.set(check.row.sku, {
      name: check.row.productName,
      unit_price_cents: check.row.unitPriceCents,
      line: record.line,
    });
  }
  return catalog;
}
