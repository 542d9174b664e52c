import path from 'node:path';
import { EventSerde } from '@orderflow/contracts';
import type { ServiceContext, ServiceDefinition } from '@orderflow/runtime';
import type { RefundsConfig } from './config';
import { OrderRepository } from './db/order.repository';
import { RefundRepository } from './db/refund.repository';
import { ordersFinishedHandler } from './handlers/orders-finished.handler';
import { refundsRequestedHandler } from './handlers/refunds-requested.handler';
import { refundsOpenApi } from './http/refunds.openapi';
import { refundsRoutes } from './http/refunds.routes';
import { graceExpiryWorker } from './workers/grace-expiry.worker';

type Context = ServiceContext<RefundsConfig>;

interface RefundsParts {
  refunds: RefundRepository;
  orders: OrderRepository;
  serde: EventSerde;
}

// Keyed by the context, so one definition can run several times in a process (tests) without sharing.
const instances = new WeakMap<Context, RefundsParts>();

function partsOf(ctx: Context): RefundsParts {
  let parts = instances.get(ctx);
  if (!parts) {
    parts = {
      refunds: new RefundRepository(ctx.schema),
      orders: new OrderRepository(ctx.schema),
      serde: new EventSerde({ registryUrl: ctx.config.SCHEMA_REGISTRY_URL }),
    };
    instances.set(ctx, parts);
  }
  return parts;
}

/**
 * The refunds service: an API that accepts refund requests once per idempotency key and announces them
 * on refunds.requested, and a worker (the consumer of the same service) that decides them one order at a
 * time against its projection of orders.finished, emitting refunds.processed or refunds.rejected.
 */
export function refundsService(options: { schema?: string } = {}): ServiceDefinition<RefundsConfig> {
  return {
    name: 'refunds',
    schema: options.schema,
    migrationsDir: path.join(__dirname, '..', 'migrations'),
    beforeStart: async (ctx) => {
      // A registry that refuses our schemas should stop start-up, not the first request.
      const { serde } = partsOf(ctx);
      await Promise.all([
        serde.schemaId('refunds.requested'),
        serde.schemaId('refunds.processed'),
        serde.schemaId('refunds.rejected'),
      ]);
    },
    handlers: (ctx) => {
      const parts = partsOf(ctx);
      return [refundsRequestedHandler(parts), ordersFinishedHandler(parts)];
    },
    workers: (ctx) => [
      graceExpiryWorker({
        ...partsOf(ctx),
        pool: ctx.pool,
        schema: ctx.schema,
        logger: ctx.logger,
        graceMs: ctx.config.REFUND_GRACE_MS,
        batchSize: ctx.config.REFUND_EXPIRY_BATCH,
      }),
    ],
    routes: (router, ctx) => {
      refundsRoutes(router, {
        ...partsOf(ctx),
        pool: ctx.pool,
        schema: ctx.schema,
        apiToken: ctx.config.API_TOKEN,
      });
    },
    openapi: refundsOpenApi,
    readiness: (ctx) => [
      {
        name: 'waiting_refunds',
        // A report: requests waiting for their order's outcome are normal, and expire on their own.
        check: async () => {
          const report = await partsOf(ctx).refunds.waitingReport(ctx.pool);
          return {
            ok: true,
            details: {
              waiting: report.waiting,
              oldest_waiting_since: report.oldestWaitingSince?.toISOString() ?? null,
              grace_ms: ctx.config.REFUND_GRACE_MS,
            },
          };
        },
      },
    ],
  };
}

export const definition = refundsService();
