import type { Pool } from 'pg';
import { withTransaction, type Logger, PollingLoop } from '@orderflow/runtime';
import { onTimeout, type Decision } from '../domain/payment';
import { decidePayments, type DecideDeps, type PaymentDecision } from '../use-cases/decide-payments';

export interface PaymentTimeoutsOptions extends DecideDeps {
  pool: Pool;
  logger: Logger;
  timeoutMs: number;
  batchSize: number;
}

/**
 * Fails payments still PENDING `timeoutMs` after their first charge request, with their payments.failed event, in
 * one transaction per batch. SKIP LOCKED leaves a payment whose callback is being applied right now to
 * that callback; a callback that comes after the timeout finds the payment decided and is only recorded.
 */
export function paymentTimeouts(options: PaymentTimeoutsOptions): PollingLoop {
  const log = options.logger.child({ component: 'payment-timeouts' });
  // Often enough that a timeout is noticed within a fraction of itself, but at most once every 50 ms.
  const intervalMs = Math.max(50, Math.min(1_000, Math.floor(options.timeoutMs / 4)));
  return new PollingLoop(
    'payment-timeouts',
    async () => {
      const decided = await withTransaction(options.pool, async (tx) => {
        const expired = await options.repo.lockTimedOut(tx, options.timeoutMs, options.batchSize);
        const items: PaymentDecision[] = [];
        for (const payment of expired) {
          const decision: Decision | undefined = onTimeout(
            payment.status,
            options.timeoutMs,
            payment.submitted_at === null,
          );
          if (decision) items.push({ payment, decision });
        }
        await decidePayments(tx, options, items);
        return items;
      });
      for (const { payment, decision } of decided) {
        log.warn(
          { paymentId: payment.payment_id, orderId: payment.order_id, detail: decision.detail },
          'payment timed out',
        );
      }
      return decided.length === options.batchSize;
    },
    { intervalMs, logger: log },
  );
}
