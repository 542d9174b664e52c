import path from 'node:path';
import { Gauge } from 'prom-client';
import { EventSerde } from '@orderflow/contracts';
import type { ServiceContext, ServiceDefinition } from '@orderflow/runtime';
import type { OrdersConfig } from './config';
import { finalOrderChannel, OrderFinalListener } from './db/order-final.listener';
import { OrderRepository } from './db/order.repository';
import { inventoryRejectedHandler } from './handlers/inventory-rejected.handler';
import { inventoryReservedHandler } from './handlers/inventory-reserved.handler';
import { ordersPlacedHandler } from './handlers/orders-placed.handler';
import { paymentsFailedHandler } from './handlers/payments-failed.handler';
import { paymentsSucceededHandler } from './handlers/payments-succeeded.handler';
import type { OrderFactDeps } from './handlers/record-order-fact';
import { ordersOpenApi } from './http/orders.openapi';
import { ordersRoutes } from './http/orders.routes';
import { OrderWaiters } from './http/order-waiters';
import { StuckOrdersWorker } from './workers/stuck-orders.worker';

type Context = ServiceContext<OrdersConfig>;

/** What the handlers, routes and workers of one running instance share. */
interface OrdersParts extends OrderFactDeps {
  waiters: OrderWaiters;
  listener: OrderFinalListener;
  stuck: StuckOrdersWorker;
}

// Keyed by the context, so one definition can run several times in a process (tests) without sharing.
const instances = new WeakMap<Context, OrdersParts>();

function partsOf(ctx: Context): OrdersParts {
  let parts = instances.get(ctx);
  if (!parts) {
    const orders = new OrderRepository(ctx.schema);
    const waiters = new OrderWaiters();
    const finalChannel = finalOrderChannel(ctx.schema);
    new Gauge({
      name: 'orderflow_orders_final_waiters',
      help: 'Requests waiting (GET /orders/{id}?wait=final) for an order to become final',
      registers: [ctx.metrics.registry],
      collect() {
        this.set(waiters.size);
      },
    });
    parts = {
      orders,
      serde: new EventSerde({ registryUrl: ctx.config.SCHEMA_REGISTRY_URL }),
      finalChannel,
      waiters,
      listener: new OrderFinalListener({
        connectionString: ctx.config.DATABASE_URL,
        channel: finalChannel,
        logger: ctx.logger,
        onFinal: (orderId) => waiters.wake(orderId),
        onListening: () => waiters.wakeAll(),
      }),
      stuck: new StuckOrdersWorker({
        pool: ctx.pool,
        orders,
        registry: ctx.metrics.registry,
        logger: ctx.logger.child({ component: 'stuck-orders' }),
        afterMs: ctx.config.ORDER_STUCK_AFTER_MS,
        intervalMs: ctx.config.ORDER_STUCK_CHECK_INTERVAL_MS,
      }),
    };
    instances.set(ctx, parts);
  }
  return parts;
}

/**
 * The orders service: authority on each order's outcome. Records what every order-flow topic says about
 * an order, derives its state, emits orders.finished once per order, and answers queries about orders.
 */
export const ordersService: ServiceDefinition<OrdersConfig> = {
  name: 'orders',
  migrationsDir: path.join(__dirname, '..', 'migrations'),
  beforeStart: async (ctx) => {
    // A registry that refuses our orders.finished schema should stop start-up, not the first order.
    await partsOf(ctx).serde.schemaId('orders.finished');
  },
  handlers: (ctx) => {
    const deps = partsOf(ctx);
    return [
      ordersPlacedHandler(deps),
      inventoryReservedHandler(deps),
      inventoryRejectedHandler(deps),
      paymentsSucceededHandler(deps),
      paymentsFailedHandler(deps),
    ];
  },
  workers: (ctx) => [partsOf(ctx).listener, partsOf(ctx).stuck],
  routes: (router, ctx) => {
    const { orders, waiters } = partsOf(ctx);
    ordersRoutes(router, { pool: ctx.pool, orders, waiters });
  },
  openapi: ordersOpenApi,
  readiness: (ctx) => [
    {
      name: 'order_notifications',
      // Without them `?wait=final` only answers at its timeout.
      check: async () => ({ ok: partsOf(ctx).listener.listening }),
    },
    {
      name: 'stuck_orders',
      // A report, never a reason to take the instance out of service.
      check: async () => ({ ok: true, details: { ...partsOf(ctx).stuck.report() } }),
    },
  ],
};
