import path from 'node:path';
import type { GenerateResult } from './generator';
import { STOCK_CURRENCY } from './generator';

const number = new Intl.NumberFormat('en-US');

/** What `npm run generate` prints: where the files are and what is in them. */
export function describeResult(result: GenerateResult, notAfter: number | undefined, cwd: string): string[] {
  const shown = (file: string): string => {
    const relative = path.relative(cwd, file);
    return relative.startsWith('..') ? file : relative;
  };
  const kinds = Object.entries(result.badRowsByKind)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  const currencies = Object.entries(result.ordersByCurrency)
    .map(([currency, count]) => `${currency} ${number.format(count)}`)
    .join(', ');
  const seconds = result.elapsedMs / 1000;
  return [
    `wrote ${shown(result.ordersFile)} (${number.format(result.orders)} orders, ${number.format(result.rows)} rows, ${(result.bytes / 1024 / 1024).toFixed(1)} MB)`,
    `  and ${shown(result.stockFile)} (${result.products} products, prices in ${STOCK_CURRENCY})`,
    `  orders by currency  ${currencies} (orders without a bad row)`,
    `  multi-line orders   ${number.format(result.multiLineOrders)} of ${number.format(result.orders)} (1-5 lines)`,
    `  customers           ${number.format(result.customers)} in the pool, some of them regulars`,
    `  bad rows            ${number.format(result.badRows.length)}${kinds ? ` (${kinds})` : ''}: the importer rejects their ${number.format(result.spoiledOrders)} orders`,
    `  unknown SKUs        ${number.format(result.unknownSkuOrders)} orders ask for a discontinued product (UNKNOWN_SKU)`,
    `  scarce SKUs         ${result.scarceSkus.join(', ')} (stock for half the demand: OUT_OF_STOCK)`,
    `  placed              ${result.firstDay} .. ${result.lastDay}${notAfter === undefined ? '' : `, none after ${new Date(notAfter).toISOString()}`}`,
    `  order ids           ${result.firstOrderId} .. ${result.lastOrderId}`,
    `  took                ${seconds.toFixed(2)} s (${number.format(Math.round(result.rows / Math.max(seconds, 0.001)))} rows/s)`,
    `import with: npm run import -- stock ${shown(result.stockFile)} --currency ${STOCK_CURRENCY}`,
    `             npm run import -- orders ${shown(result.ordersFile)}`,
  ];
}
