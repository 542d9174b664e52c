import type { Pool } from 'pg';
import { withTransaction, writeOutbox, type Logger, PollingLoop } from '@orderflow/runtime';
import { graceExpired } from '../domain/refund-decision';
import { decideRefunds, type DecideDeps } from '../use-cases/decide-refunds';

export interface GraceExpiryOptions extends DecideDeps {
  pool: Pool;
  schema: string;
  logger: Logger;
  graceMs: number;
  batchSize: number;
}

/**
 * Rejects requests that waited longer than the grace period for their order's outcome, as ORDER_UNKNOWN,
 * with their refunds.rejected events, one transaction per batch of orders. It locks the orders' rows
 * first (in order-id order) like the consumer does, so an orders.finished being applied right now either
 * decides the requests before this sees them or finds them already rejected.
 */
export function graceExpiryWorker(options: GraceExpiryOptions): PollingLoop {
  const log = options.logger.child({ component: 'refund-grace-expiry' });
  // A request is rejected within a small fraction of the grace period after it ends.
  const intervalMs = Math.max(50, Math.min(1_000, Math.floor(options.graceMs / 10)));
  return new PollingLoop(
    'refund-grace-expiry',
    async () => {
      const orderIds = await options.refunds.ordersWithExpiredWaits(
        options.pool,
        options.graceMs,
        options.batchSize,
      );
      if (orderIds.length === 0) return false;
      const rejected = await withTransaction(options.pool, async (tx) => {
        const orders = await options.orders.lockMany(tx, orderIds);
        // An order whose outcome arrived meanwhile has had its waiting requests decided by that outcome.
        const unknown = orders.filter((order) => order.status === null);
        const expired = await options.refunds.lockExpiredWaiting(
          tx,
          unknown.map((order) => order.orderId),
          options.graceMs,
        );
        const messages = [];
        for (const order of unknown) {
          const items = expired
            .filter((refund) => refund.order_id === order.orderId)
            .map((refund) => ({ refund, decision: graceExpired(order.orderId, options.graceMs) }));
          messages.push(...(await decideRefunds(tx, options, order, items)));
        }
        await writeOutbox(tx, options.schema, messages);
        return expired;
      });
      for (const refund of rejected) {
        log.warn(
          { refundId: refund.refund_id, orderId: refund.order_id, graceMs: options.graceMs },
          'order outcome did not arrive in time; refund rejected',
        );
      }
      return orderIds.length === options.batchSize;
    },
    { intervalMs, logger: log },
  );
}
