import type { Pool } from 'pg';
import type { EventSerde } from '@orderflow/contracts';
import { AppError, withTransaction, writeOutbox } from '@orderflow/runtime';
import type { Refund, RefundRepository } from '../db/refund.repository';
import { refundsRequestedEvent } from '../domain/refund-events';
import { refundIdFor, requestFingerprint, type RefundRequest } from '../domain/refund-request';

export interface RequestRefundDeps {
  pool: Pool;
  schema: string;
  refunds: RefundRepository;
  serde: EventSerde;
}

export type RequestRefundResult = { created: true; refund: Refund } | { created: false; refund: Refund };

/**
 * Accepts a refund request once per idempotency key: the refund row and its refunds.requested event are
 * written in one transaction (the relay publishes the event), so a request is never accepted without its
 * event nor the event sent for a request that rolled back. The same key again finds its refund: the same
 * request gets it back, another request under that key is refused.
 */
export async function requestRefund(
  deps: RequestRefundDeps,
  idempotencyKey: string,
  request: RefundRequest,
): Promise<RequestRefundResult> {
  const refundId = refundIdFor(idempotencyKey);
  const fingerprint = requestFingerprint(request);
  const requestedAt = Date.now();
  const event = refundsRequestedEvent({
    refundId,
    orderId: request.orderId,
    idempotencyKey,
    amountCents: request.amountCents,
    reason: request.reason,
    requestedAt,
  });
  // Encoded before the transaction: a slow registry must not hold a connection and row locks.
  const message = await deps.serde.message('refunds.requested', event);

  const result = await withTransaction(deps.pool, async (tx): Promise<RequestRefundResult | undefined> => {
    const created = await deps.refunds.insert(tx, {
      refund_id: refundId,
      idempotency_key: idempotencyKey,
      request_fingerprint: fingerprint,
      order_id: request.orderId,
      requested_amount_cents: request.amountCents,
      reason: request.reason,
      correlation_id: event.correlation_id,
      requested_event_id: event.event_id,
      requested_at: new Date(requestedAt),
    });
    if (created) {
      await writeOutbox(tx, deps.schema, [message]);
      return { created: true, refund: created };
    }
    // The conflicting insert waited for the first request's commit, so its row is visible now.
    const existing =
      (await deps.refunds.findByKey(tx, idempotencyKey)) ?? (await deps.refunds.find(tx, refundId));
    return existing && { created: false, refund: existing };
  });
  if (!result) {
    // Not expected: ON CONFLICT waited for the row it conflicted with to commit. Said plainly if it happens.
    throw new AppError({
      code: 'REFUNDS.BUSY',
      message: 'The same Idempotency-Key is being used by another request; try again.',
      httpStatus: 409,
      retryable: true,
    });
  }
  if (!result.created && result.refund.request_fingerprint !== fingerprint) {
    throw new AppError({
      code: 'REFUNDS.IDEMPOTENCY_CONFLICT',
      message:
        'This Idempotency-Key was already used for a different request (order, amount or reason differ); use a new key for a new refund.',
      httpStatus: 422,
    });
  }
  return result;
}
