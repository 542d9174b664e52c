import { AppError, withTransaction, type Logger } from '@orderflow/runtime';
import { gatewayCallbackBatchSchema } from '../domain/gateway-contract';
import type { GatewayOutcome } from '../domain/outcome';
import { onGatewayCallback, type PaymentStatus } from '../domain/payment';
import { decidePayments, type PaymentDecision } from './decide-payments';
import { readSignedBody, type CallbackDeps, type IncomingCallback } from './receive-callback';

/** What became of one callback of a batch. */
export type BatchItemResult =
  | { delivery_id: string; payment_id: string; result: 'APPLIED' | 'LATE'; status: PaymentStatus }
  /** Seen before (in an earlier request, or earlier in this batch): nothing changed. */
  | { delivery_id: string; payment_id: string; result: 'DUPLICATE' }
  /** Not recorded: no such payment, or the callback disagrees with it (order, amount or currency). */
  | { delivery_id: string; payment_id: string; result: 'NOT_FOUND' | 'MISMATCH' };

export interface BatchCallbackResult {
  batch_id: string;
  results: BatchItemResult[];
}

interface Delivery {
  deliveryId: string;
  paymentId: string;
  outcome: GatewayOutcome;
  effect: 'APPLIED' | 'LATE';
  signedAt: number;
  payload: unknown;
}

/**
 * A batch of gateway callbacks under one signature: authenticated over the raw bytes first (nothing is
 * stored for a request that fails), then, in one transaction for the whole batch, every payment named is
 * locked (in payment id order), each callback decided in memory in body order exactly as a single callback
 * would be (a delivery id seen before changes nothing; a callback after the decision is recorded as LATE
 * and changes nothing else), and the results written with one statement per table. A callback for an
 * unknown payment, or one that disagrees with its payment, is answered per item and not recorded; the
 * others still apply.
 */
export async function receiveCallbackBatch(
  deps: CallbackDeps,
  input: IncomingCallback,
  log: Logger,
): Promise<BatchCallbackResult> {
  const { body: batch, signedAt } = readSignedBody(deps, input, log, {
    schema: gatewayCallbackBatchSchema,
    what: 'callback batch',
    idField: 'batch_id',
    idOf: (body) => body.batch_id,
  });
  const bLog = log.child({ batchId: batch.batch_id });

  return withTransaction(deps.pool, async (tx): Promise<BatchCallbackResult> => {
    const payments = await deps.repo.lockMany(
      tx,
      batch.callbacks.map((c) => c.payment_id),
    );
    // After the locks: a concurrent request carrying the same delivery has committed by now.
    const known = await deps.repo.knownDeliveries(
      tx,
      batch.callbacks.map((c) => c.delivery_id),
    );
    const status = new Map([...payments].map(([id, payment]) => [id, payment.status]));
    const seen = new Set<string>();
    const deliveries: Delivery[] = [];
    const decisions: PaymentDecision[] = [];
    const late: { paymentId: string; outcome: GatewayOutcome }[] = [];
    const results = batch.callbacks.map((callback): BatchItemResult => {
      const ids = { delivery_id: callback.delivery_id, payment_id: callback.payment_id };
      if (known.has(callback.delivery_id) || seen.has(callback.delivery_id))
        return { ...ids, result: 'DUPLICATE' };
      seen.add(callback.delivery_id);
      const payment = payments.get(callback.payment_id);
      if (!payment) {
        bLog.error(ids, 'gateway callback for an unknown payment; not recorded');
        return { ...ids, result: 'NOT_FOUND' };
      }
      if (
        payment.order_id !== callback.order_id ||
        payment.amount_cents !== callback.amount_cents ||
        payment.currency !== callback.currency
      ) {
        bLog.error(
          { ...ids, amountCents: callback.amount_cents, currency: callback.currency },
          'gateway callback does not match the payment; not recorded',
        );
        return { ...ids, result: 'MISMATCH' };
      }
      const current = status.get(payment.payment_id)!;
      const effect = onGatewayCallback(current, callback.outcome, callback.detail);
      deliveries.push({
        deliveryId: callback.delivery_id,
        paymentId: payment.payment_id,
        outcome: callback.outcome,
        effect: effect.kind === 'decide' ? 'APPLIED' : 'LATE',
        signedAt,
        payload: callback,
      });
      if (effect.kind === 'late') {
        late.push({ paymentId: payment.payment_id, outcome: effect.outcome });
        bLog.warn(
          { ...ids, status: current, lateOutcome: effect.outcome },
          'gateway callback after the payment was decided; recorded, result unchanged',
        );
        return { ...ids, result: 'LATE', status: current };
      }
      status.set(payment.payment_id, effect.decision.status);
      decisions.push({
        payment,
        decision: effect.decision,
        gatewayReference: callback.charge_id,
        decidedAt: callback.decided_at,
      });
      return { ...ids, result: 'APPLIED', status: effect.decision.status };
    });
    const inserted = await deps.repo.insertDeliveries(tx, deliveries);
    if (inserted !== deliveries.length) {
      // Cannot happen while the payments are locked; rolled back so a retry sees the committed state.
      throw new AppError({
        code: 'PAYMENTS.WEBHOOK_CONFLICT',
        message: 'Some deliveries of the batch were recorded concurrently; send the batch again.',
        httpStatus: 409,
      });
    }
    await decidePayments(tx, deps, decisions);
    await deps.repo.recordLateOutcomes(tx, late);
    bLog.info(
      {
        callbacks: batch.callbacks.length,
        applied: decisions.length,
        late: late.length,
        duplicates: results.filter((r) => r.result === 'DUPLICATE').length,
      },
      'gateway callback batch received',
    );
    return { batch_id: batch.batch_id, results };
  });
}
