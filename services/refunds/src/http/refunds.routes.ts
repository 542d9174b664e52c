import type { Request, Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import {
  AppError,
  parseBody,
  parseParams,
  requireBearer,
  VALIDATION_ERROR_CODE,
  type FieldError,
} from '@orderflow/runtime';
import type { OrderRepository } from '../db/order.repository';
import type { RefundRepository } from '../db/refund.repository';
import { idempotencyKeyProblem, MAX_REASON_LENGTH, orderIdProblem } from '../domain/refund-request';
import { requestRefund, type RequestRefundDeps } from '../use-cases/request-refund';
import { orderRefundsView, refundView } from './refund.view';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

const orderId = z
  .string('must be a string')
  .superRefine((value, ctx) => {
    const problem = orderIdProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: 'The order id: 1..256 characters, no surrounding whitespace or control characters.' });

export const refundRequestBody = z.object(
  {
    order_id: orderId,
    amount_cents: z
      .number('must be a number of cents')
      .int('must be a whole number of cents')
      .positive('must be greater than 0')
      .max(Number.MAX_SAFE_INTEGER, 'is too large')
      .nullable()
      .optional()
      .meta({ description: 'Cents to refund; omitted or null: everything still refundable.' }),
    reason: z
      .string('must be a string')
      .refine((value) => value.trim() !== '', 'must not be empty')
      .refine((value) => value.length <= MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`)
      .meta({ description: `Why: not blank, at most ${MAX_REASON_LENGTH} characters.` }),
  },
  'must be a JSON object',
);

export const refundParams = z.object({ refund_id: z.string().min(1).max(200) });
export const orderParams = z.object({ order_id: orderId });

export interface RefundsRoutesDeps extends RequestRefundDeps {
  orders: OrderRepository;
  refunds: RefundRepository;
  pool: Pool;
  apiToken: string;
}

/** The header and the body checked together, so one 400 names every field that is wrong. */
function parseRefundRequest(req: Request): { key: string; body: z.output<typeof refundRequestBody> } {
  const errors: FieldError[] = [];
  const key = req.get(IDEMPOTENCY_KEY_HEADER);
  const keyProblem = idempotencyKeyProblem(key);
  if (keyProblem) errors.push({ field: `headers.${IDEMPOTENCY_KEY_HEADER}`, message: keyProblem });
  let body: z.output<typeof refundRequestBody> | undefined;
  try {
    body = parseBody(refundRequestBody, req);
  } catch (error) {
    const fieldErrors = error instanceof AppError ? error.details?.errors : undefined;
    if (!Array.isArray(fieldErrors)) throw error;
    errors.push(...(fieldErrors as FieldError[]));
  }
  if (errors.length > 0 || !body || key === undefined) {
    throw new AppError({
      code: VALIDATION_ERROR_CODE,
      message: `The request is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}.`,
      httpStatus: 400,
      details: { errors },
    });
  }
  return { key, body };
}

export function refundsRoutes(router: Router, deps: RefundsRoutesDeps): void {
  /**
   * Asks for a refund. 202 when the request is new (decided asynchronously: follow it with GET
   * /refunds/{refund_id}); 200 with the refund as it stands when the same key and request come again.
   */
  router.post('/refunds', requireBearer(deps.apiToken), async (req, res) => {
    const { key, body } = parseRefundRequest(req);
    const result = await requestRefund(deps, key, {
      orderId: body.order_id,
      amountCents: body.amount_cents ?? null,
      reason: body.reason,
    });
    const { refund } = result;
    res.setHeader('Location', `/refunds/${encodeURIComponent(refund.refund_id)}`);
    if (result.created) {
      req.log.info({ refundId: refund.refund_id, orderId: refund.order_id }, 'refund requested');
      res.status(202).json({ refund_id: refund.refund_id, status: 'REQUESTED' });
      return;
    }
    res.setHeader('Idempotent-Replayed', 'true');
    res.status(200).json({ refund_id: refund.refund_id, status: refund.status });
  });

  router.get('/refunds/:refund_id', async (req, res) => {
    const { refund_id } = parseParams(refundParams, req);
    const refund = await deps.refunds.find(deps.pool, refund_id);
    if (!refund) {
      throw new AppError({ code: 'REFUNDS.NOT_FOUND', message: `No refund ${refund_id}.`, httpStatus: 404 });
    }
    res.json(refundView(refund));
  });

  router.get('/orders/:order_id/refunds', async (req, res) => {
    const { order_id } = parseParams(orderParams, req);
    const [order, refunds] = await Promise.all([
      deps.orders.find(deps.pool, order_id),
      deps.refunds.listByOrder(deps.pool, order_id),
    ]);
    if ((!order || order.status === null) && refunds.length === 0) {
      throw new AppError({
        code: 'REFUNDS.ORDER_NOT_FOUND',
        message: `Neither an outcome nor a refund request of order ${order_id} is known.`,
        httpStatus: 404,
      });
    }
    res.json(orderRefundsView(order_id, order, refunds));
  });
}
