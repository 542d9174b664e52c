import { hash } from 'node:crypto';
import type { InventoryStockLevels, OrdersPlaced } from '@orderflow/contracts';
import { eventIdOf } from './event-id';
import type { AssembledOrder } from './order-assembler';
import type { StockRow } from './stock-row.schema';

export interface ImportContext {
  /** Id of this import run: the correlation id of every event it produces. */
  importId: string;
  /** Base name of the imported file, recorded as the events' source. */
  fileName: string;
}

/**
 * Hex SHA-256 of the order as the file states it: id, placed time, currency, customer and lines in file
 * order, as a JSON array (fixed positions, so the text is the same on every run and machine).
 * `placedAtFromFile` is false for layouts whose placed time is the import time: that time is not part of
 * the file's content, and hashing it would turn every re-import into a "different" order.
 */
export function orderContentHash(order: AssembledOrder, placedAtFromFile: boolean): string {
  const canonical = JSON.stringify([
    'orders.placed/v1',
    order.orderId,
    placedAtFromFile ? order.placedAt : null,
    order.currency,
    [order.customer.customer_id, order.customer.email, order.customer.name],
    order.lines.map((line) => [line.sku, line.name, line.unit_price_cents, line.qty]),
  ]);
  return hash('sha256', canonical, 'hex');
}

/**
 * The orders.placed event of an imported order. Its event id depends only on the order id and content,
 * so importing the same file again yields the same ids (consumers drop them as duplicates) and a changed
 * order under a known id yields a new one (the orders service reports the conflict).
 */
export function ordersPlacedEvent(
  order: AssembledOrder,
  context: ImportContext,
  placedAtFromFile: boolean,
  occurredAt: number,
): OrdersPlaced {
  const contentHash = orderContentHash(order, placedAtFromFile);
  return {
    event_id: eventIdOf('orders.placed', order.orderId, contentHash),
    occurred_at: occurredAt,
    order_id: order.orderId,
    correlation_id: context.importId,
    causation_id: null,
    source: { file: context.fileName, line: order.firstLine },
    placed_at: order.placedAt,
    currency: order.currency,
    customer: order.customer,
    lines: order.lines,
    total_cents: order.totalCents,
    content_hash: contentHash,
  };
}

/**
 * The inventory.stock-levels event of one stock row. A stock level is a "set", so its id is per import run
 * and SKU rather than per content: importing a file again must set the levels again even when another
 * file changed them in between (a content-derived id would be dropped as a duplicate of the first import).
 */
export function stockLevelsEvent(
  row: StockRow,
  context: ImportContext,
  currency: string | null,
  occurredAt: number,
): InventoryStockLevels {
  return {
    event_id: eventIdOf('inventory.stock-levels', context.importId, row.sku),
    occurred_at: occurredAt,
    correlation_id: context.importId,
    causation_id: null,
    sku: row.sku,
    product_name: row.productName,
    on_hand: row.onHand,
    unit_price_cents: row.unitPriceCents,
    currency: row.unitPriceCents === null ? null : currency,
  };
}
