import type { Pool } from 'pg';
import type { z } from 'zod';
import {
  AppError,
  fieldErrors,
  withTransaction,
  type Logger,
  verifyWebhook,
  type SignatureFailure,
} from '@orderflow/runtime';
import { gatewayCallbackSchema } from '../domain/gateway-contract';
import { onGatewayCallback, type PaymentStatus } from '../domain/payment';
import { decidePayments, type DecideDeps } from './decide-payments';

export interface CallbackDeps extends DecideDeps {
  pool: Pool;
  secret: string;
}

export interface IncomingCallback {
  /** The body exactly as received: the signature covers these bytes. */
  raw: Buffer;
  signature: string | undefined;
  deliveryId: string | undefined;
  nowSeconds: number;
}

export type CallbackResult =
  | { duplicate: true; delivery_id: string }
  | {
      duplicate: false;
      delivery_id: string;
      payment_id: string;
      /** Whether this callback decided the payment (false: it came after the decision and was only recorded). */
      applied: boolean;
      status: PaymentStatus;
    };

const SIGNATURE_DETAIL: Record<SignatureFailure, string> = {
  MISSING: 'The X-Signature header is missing.',
  MALFORMED: 'The X-Signature header is not t=<unix seconds>,v1=<hex HMAC-SHA256>.',
  MISMATCH: 'The signature does not match the body.',
  STALE: 'The signature timestamp is more than 5 minutes old.',
  FUTURE: 'The signature timestamp is more than 5 minutes in the future.',
};

export function unauthenticated(failure: SignatureFailure): AppError {
  return new AppError({
    code:
      failure === 'STALE' || failure === 'FUTURE'
        ? 'PAYMENTS.WEBHOOK_EXPIRED'
        : 'PAYMENTS.WEBHOOK_UNAUTHENTICATED',
    message: SIGNATURE_DETAIL[failure],
    httpStatus: 401,
  });
}

/** Parses a verified callback body against `schema`; `what` names it in the 400 ("callback", "callback batch"). */
export function parseGatewayBody<T>(raw: Buffer, schema: z.ZodType<T>, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError({
      code: 'PAYMENTS.WEBHOOK_INVALID',
      message: `The ${what} body is not JSON.`,
      httpStatus: 400,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new AppError({
      code: 'PAYMENTS.WEBHOOK_INVALID',
      message: `The callback body is not a gateway ${what}.`,
      httpStatus: 400,
      details: { errors: fieldErrors('body', parsed.error.issues) },
    });
  }
  return parsed.data;
}

/**
 * A callback request's body once it is known to be the gateway's: the signature is checked against the
 * raw bytes first (nothing is stored for a request that fails), then the body is parsed against `schema`
 * and X-Delivery-Id must equal the id the signed body carries (`idField`): the header is what a receiver
 * dedupes on, the signed copy keeps it from being swapped. Returns the body and the signature's time.
 */
export function readSignedBody<T>(
  deps: CallbackDeps,
  input: IncomingCallback,
  log: Logger,
  body: { schema: z.ZodType<T>; what: string; idField: string; idOf: (parsed: T) => string },
): { body: T; signedAt: number } {
  const check = verifyWebhook({
    secret: deps.secret,
    header: input.signature,
    body: input.raw,
    nowSeconds: input.nowSeconds,
  });
  if (!check.ok) {
    log.warn({ failure: check.failure, deliveryId: input.deliveryId }, `gateway ${body.what} refused`);
    throw unauthenticated(check.failure);
  }
  const parsed = parseGatewayBody(input.raw, body.schema, body.what);
  if (input.deliveryId !== body.idOf(parsed)) {
    throw new AppError({
      code: 'PAYMENTS.WEBHOOK_INVALID',
      message: `The X-Delivery-Id header is missing or differs from the ${body.idField} of the body.`,
      httpStatus: 400,
    });
  }
  return { body: parsed, signedAt: check.timestamp };
}

/**
 * A gateway callback: authenticated against the raw bytes first (nothing is stored for a request that
 * fails), then in one transaction the delivery is recorded once and, if the payment is still PENDING,
 * the payment decided and its outcome event written to the outbox. A callback for a payment that is
 * already decided (timed out, or a second callback) is recorded and changes nothing else.
 */
export async function receiveCallback(
  deps: CallbackDeps,
  input: IncomingCallback,
  log: Logger,
): Promise<CallbackResult> {
  const { body: callback, signedAt } = readSignedBody(deps, input, log, {
    schema: gatewayCallbackSchema,
    what: 'callback',
    idField: 'delivery_id',
    idOf: (body) => body.delivery_id,
  });
  const cbLog = log.child({
    deliveryId: callback.delivery_id,
    paymentId: callback.payment_id,
    orderId: callback.order_id,
  });

  return withTransaction(deps.pool, async (tx): Promise<CallbackResult> => {
    const payment = await deps.repo.lock(tx, callback.payment_id);
    if (!payment) {
      throw new AppError({
        code: 'PAYMENTS.NOT_FOUND',
        message: `No payment ${callback.payment_id}.`,
        httpStatus: 404,
      });
    }
    const effect = onGatewayCallback(payment.status, callback.outcome, callback.detail);
    const recorded = await deps.repo.insertDelivery(tx, {
      deliveryId: callback.delivery_id,
      paymentId: payment.payment_id,
      outcome: callback.outcome,
      effect: effect.kind === 'decide' ? 'APPLIED' : 'LATE',
      signedAt,
      payload: callback,
    });
    if (!recorded) {
      cbLog.info('gateway callback already received; ignored');
      return { duplicate: true, delivery_id: callback.delivery_id };
    }
    // After the duplicate check: a replayed delivery id is a no-op whatever its body says.
    if (
      payment.order_id !== callback.order_id ||
      payment.amount_cents !== callback.amount_cents ||
      payment.currency !== callback.currency
    ) {
      cbLog.error(
        { amountCents: callback.amount_cents, currency: callback.currency },
        'gateway callback does not match the payment',
      );
      throw new AppError({
        code: 'PAYMENTS.WEBHOOK_MISMATCH',
        message: 'The callback does not match the payment (order, amount or currency).',
        httpStatus: 422,
      });
    }
    if (effect.kind === 'late') {
      await deps.repo.recordLateOutcome(tx, payment.payment_id, effect.outcome);
      cbLog.warn(
        { status: payment.status, reason: payment.reason, lateOutcome: effect.outcome },
        'gateway callback after the payment was decided; recorded, result unchanged',
      );
      return {
        duplicate: false,
        delivery_id: callback.delivery_id,
        payment_id: payment.payment_id,
        applied: false,
        status: payment.status,
      };
    }
    await decidePayments(tx, deps, [
      {
        payment,
        decision: effect.decision,
        gatewayReference: callback.charge_id,
        decidedAt: callback.decided_at,
      },
    ]);
    cbLog.info(
      { status: effect.decision.status, reason: effect.decision.reason },
      'payment decided by the gateway',
    );
    return {
      duplicate: false,
      delivery_id: callback.delivery_id,
      payment_id: payment.payment_id,
      applied: true,
      status: effect.decision.status,
    };
  });
}
