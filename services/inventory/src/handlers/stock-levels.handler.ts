import type { InventoryStockLevels } from '@orderflow/contracts';
import { poison, type TopicHandler, batchEventHandler } from '@orderflow/runtime';
import { onHandAfterLevel, stockLevelProblems } from '../domain/stock-level';
import type { HandlerDeps } from './handler-deps';

interface LevelWrite {
  sku: string;
  product_name: string;
  on_hand: number;
  unit_price_cents: number | null;
  currency: string | null;
}

/**
 * inventory.stock-levels (keyed by SKU, no order) -> set the SKU's on-hand count, name and price.
 * Per batch: the SKUs' rows are locked once in SKU order (as the order handlers lock them), several levels
 * of one SKU are folded in offset order, and one statement writes them all.
 */
export function stockLevelsHandler(deps: HandlerDeps): TopicHandler<InventoryStockLevels> {
  return batchEventHandler<InventoryStockLevels>(
    'inventory.stock-levels',
    (buffer) => deps.serde.decode('inventory.stock-levels', buffer),
    async (ctx, events, logFor) => {
      for (const { value: level } of events) {
        const problems = stockLevelProblems(level);
        if (problems.length > 0) {
          throw poison(
            'INVENTORY.INVALID_STOCK_LEVEL',
            `stock level of ${level.sku}: ${problems.join('; ')}`,
            { problems },
          );
        }
      }
      const reserved = await deps.stock.lockReserved(ctx.tx, [...new Set(events.map((e) => e.value.sku))]);
      const writes = new Map<string, LevelWrite>();
      for (const event of events) {
        const level = event.value;
        const log = logFor(event).child({ sku: level.sku });
        const unitsReserved = reserved.get(level.sku) ?? 0;
        const { on_hand, clamped } = onHandAfterLevel(level.on_hand, unitsReserved);
        // A later level of the same SKU wins; without a price it keeps the price known so far.
        const earlier = writes.get(level.sku);
        const keepPrice = level.unit_price_cents === null && earlier !== undefined;
        writes.set(level.sku, {
          sku: level.sku,
          product_name: level.product_name,
          on_hand,
          unit_price_cents: keepPrice ? earlier.unit_price_cents : level.unit_price_cents,
          currency: keepPrice ? earlier.currency : level.currency,
        });
        if (clamped) {
          log.warn(
            { requestedOnHand: level.on_hand, reserved: unitsReserved, onHand: on_hand },
            'stock level is below the units already reserved; on hand kept at the reserved amount',
          );
        } else {
          log.debug({ onHand: on_hand }, 'stock level set');
        }
      }
      await deps.stock.upsertLevels(ctx.tx, [...writes.values()]);
    },
  );
}
