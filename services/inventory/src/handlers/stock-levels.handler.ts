import type { InventoryStockLevels } from '@orderflow/contracts';
import { poison, type TopicHandler } from '@orderflow/runtime';
import { onHandAfterLevel, stockLevelProblems } from '../domain/stock-level';
import { lockStockWrites } from '../db/stock-write-lock';
import type { HandlerDeps } from './handler-deps';

/** inventory.stock-levels (keyed by SKU, no order) -> set the SKU's on-hand count, name and price. */
export function stockLevelsHandler(deps: HandlerDeps): TopicHandler<InventoryStockLevels> {
  return {
    topic: 'inventory.stock-levels',
    decode: (buffer) => deps.serde.decode('inventory.stock-levels', buffer),
    eventId: (event) => event.event_id,
    // Keyed by SKU: without this the runtime would log the SKU as the order id.
    orderId: () => null,
    handle: async (ctx, { value: level }) => {
      const log = ctx.log.child({ sku: level.sku });
      const problems = stockLevelProblems(level);
      if (problems.length > 0) {
        throw poison('INVENTORY.INVALID_STOCK_LEVEL', `stock level of ${level.sku}: ${problems.join('; ')}`, {
          problems,
        });
      }
      await lockStockWrites(ctx.tx, deps.schema);
      const reserved = await deps.stock.lockReserved(ctx.tx, level.sku);
      const { on_hand, clamped } = onHandAfterLevel(level.on_hand, reserved);
      await deps.stock.upsertLevel(ctx.tx, { ...level, on_hand });
      if (clamped) {
        log.warn(
          { requestedOnHand: level.on_hand, reserved, onHand: on_hand },
          'stock level is below the units already reserved; on hand kept at the reserved amount',
        );
      } else {
        log.debug({ onHand: on_hand }, 'stock level set');
      }
    },
  };
}
