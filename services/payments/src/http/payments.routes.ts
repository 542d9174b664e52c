import type { Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { AppError, parseParams } from '@orderflow/runtime';
import type { Payment, PaymentRepository } from '../db/payment.repository';

export const paymentParams = z.object({ order_id: z.string().min(1).max(200) });

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/** The public view of a payment (snake_case, money in cents, timestamps ISO 8601). */
export function paymentView(payment: Payment) {
  return {
    payment_id: payment.payment_id,
    order_id: payment.order_id,
    status: payment.status,
    amount_cents: payment.amount_cents,
    currency: payment.currency,
    reason: payment.reason,
    detail: payment.detail,
    gateway_reference: payment.gateway_reference,
    attempts: payment.submit_attempts,
    submitted_at: iso(payment.submitted_at),
    created_at: iso(payment.created_at),
    decided_at: iso(payment.decided_at),
    late_outcome: payment.late_outcome,
    late_outcome_at: iso(payment.late_outcome_at),
  };
}

export function paymentsRoutes(router: Router, deps: { pool: Pool; repo: PaymentRepository }): void {
  router.get('/payments/:order_id', async (req, res) => {
    const { order_id } = parseParams(paymentParams, req);
    const payment = await deps.repo.findByOrderId(deps.pool, order_id);
    if (!payment) {
      throw new AppError({
        code: 'PAYMENTS.NOT_FOUND',
        message: `No payment for order ${order_id}.`,
        httpStatus: 404,
      });
    }
    res.json(paymentView(payment));
  });
}
