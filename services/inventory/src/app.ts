import path from 'node:path';
import { EventSerde } from '@orderflow/contracts';
import type { ServiceContext, ServiceDefinition } from '@orderflow/runtime';
import type { InventoryConfig } from './config';
import { ReservationRepository } from './db/reservation.repository';
import { StockRepository } from './db/stock.repository';
import type { HandlerDeps } from './handlers/handler-deps';
import { ordersFinishedHandler } from './handlers/orders-finished.handler';
import { ordersPlacedHandler } from './handlers/orders-placed.handler';
import { stockLevelsHandler } from './handlers/stock-levels.handler';
import { inventoryOpenApi } from './http/inventory.openapi';
import { inventoryRoutes } from './http/inventory.routes';

export const SERVICE_NAME = 'inventory';

async function handlerDeps(ctx: ServiceContext<InventoryConfig>): Promise<HandlerDeps> {
  const serde = new EventSerde({ registryUrl: ctx.config.SCHEMA_REGISTRY_URL });
  // Fail at start-up, not on the first order, when our output schemas cannot be registered.
  await Promise.all([serde.schemaId('inventory.reserved'), serde.schemaId('inventory.rejected')]);
  return {
    schema: ctx.schema,
    serde,
    stock: new StockRepository(ctx.schema),
    reservations: new ReservationRepository(ctx.schema),
  };
}

export const inventoryService: ServiceDefinition<InventoryConfig> = {
  name: SERVICE_NAME,
  migrationsDir: path.join(__dirname, '..', 'migrations'),
  handlers: async (ctx) => {
    const deps = await handlerDeps(ctx);
    return [stockLevelsHandler(deps), ordersPlacedHandler(deps), ordersFinishedHandler(deps)];
  },
  routes: (router, ctx) =>
    inventoryRoutes(router, {
      pool: ctx.pool,
      stock: new StockRepository(ctx.schema),
      reservations: new ReservationRepository(ctx.schema),
    }),
  openapi: inventoryOpenApi,
};
