import type { Pool, PoolClient } from 'pg';
import { quoteIdent } from '@orderflow/runtime';
import type { GatewayOutcome } from '../domain/outcome';
import type { Decision, PaymentFailureReason, PaymentStatus } from '../domain/payment';

type Queryable = Pool | PoolClient;

export interface Payment {
  payment_id: string;
  order_id: string;
  status: PaymentStatus;
  amount_cents: number;
  currency: string;
  reason: PaymentFailureReason | null;
  detail: string | null;
  gateway_reference: string | null;
  correlation_id: string;
  reserved_event_id: string;
  reservation_id: string;
  submit_attempts: number;
  first_attempt_at: Date | null;
  last_error: string | null;
  submitted_at: Date | null;
  created_at: Date;
  decided_at: Date | null;
  late_outcome: GatewayOutcome | null;
  late_outcome_at: Date | null;
}

type PaymentRow = Omit<Payment, 'amount_cents'> & { amount_cents: string };

function toPayment(row: PaymentRow): Payment {
  // bigint arrives as a string; amounts are far below 2^53.
  return { ...row, amount_cents: Number(row.amount_cents) };
}

const COLUMNS = `payment_id, order_id, status, amount_cents, currency, reason, detail, gateway_reference,
  correlation_id, reserved_event_id, reservation_id, submit_attempts, first_attempt_at, last_error, submitted_at, created_at,
  decided_at, late_outcome, late_outcome_at`;

export interface NewPayment {
  payment_id: string;
  order_id: string;
  amount_cents: number;
  currency: string;
  correlation_id: string;
  reserved_event_id: string;
  reservation_id: string;
}

export class PaymentRepository {
  private readonly payments: string;
  private readonly deliveries: string;

  constructor(schema: string) {
    this.payments = `${quoteIdent(schema)}.payments`;
    this.deliveries = `${quoteIdent(schema)}.webhook_deliveries`;
  }

  /** Records a PENDING payment unless the order already has one; returns the existing one in that case. */
  async insertPending(
    db: Queryable,
    payment: NewPayment,
  ): Promise<{ created: true } | { created: false; existing: Payment }> {
    const inserted = await db.query(
      `INSERT INTO ${this.payments}
         (payment_id, order_id, amount_cents, currency, correlation_id, reserved_event_id, reservation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT DO NOTHING`,
      [
        payment.payment_id,
        payment.order_id,
        payment.amount_cents,
        payment.currency,
        payment.correlation_id,
        payment.reserved_event_id,
        payment.reservation_id,
      ],
    );
    if (inserted.rowCount === 1) return { created: true };
    const existing = await this.findByOrderId(db, payment.order_id);
    if (!existing) throw new Error(`payment for order ${payment.order_id} conflicted but cannot be found`);
    return { created: false, existing };
  }

  async findByOrderId(db: Queryable, orderId: string): Promise<Payment | undefined> {
    const { rows } = await db.query<PaymentRow>(
      `SELECT ${COLUMNS} FROM ${this.payments} WHERE order_id = $1`,
      [orderId],
    );
    return rows[0] && toPayment(rows[0]);
  }

  /** The payment, row-locked until the transaction ends, so callbacks and timeouts decide it one at a time. */
  async lock(tx: PoolClient, paymentId: string): Promise<Payment | undefined> {
    const { rows } = await tx.query<PaymentRow>(
      `SELECT ${COLUMNS} FROM ${this.payments} WHERE payment_id = $1 FOR UPDATE`,
      [paymentId],
    );
    return rows[0] && toPayment(rows[0]);
  }

  /**
   * Takes up to `limit` payments due for a charge request and leases them for `leaseMs` (pushing
   * next_attempt_at), all in one statement; SKIP LOCKED lets several instances share the work.
   */
  async claimForSubmission(db: Queryable, limit: number, leaseMs: number): Promise<Payment[]> {
    const { rows } = await db.query<PaymentRow>(
      `UPDATE ${this.payments} p
         SET submit_attempts = p.submit_attempts + 1,
             first_attempt_at = COALESCE(p.first_attempt_at, now()),
             next_attempt_at = now() + $2 * interval '1 millisecond'
       WHERE p.payment_id IN (
         SELECT payment_id FROM ${this.payments}
         WHERE status = 'PENDING' AND submitted_at IS NULL AND next_attempt_at <= now()
         ORDER BY next_attempt_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [limit, leaseMs],
    );
    return rows.map(toPayment);
  }

  /** Records charges the gateway accepted, in one statement. */
  async markSubmitted(db: Queryable, accepted: { paymentId: string; chargeId: string }[]): Promise<void> {
    if (accepted.length === 0) return;
    await db.query(
      `UPDATE ${this.payments} p
         SET submitted_at = COALESCE(p.submitted_at, now()),
             gateway_reference = COALESCE(p.gateway_reference, a.charge_id), last_error = NULL
       FROM unnest($1::text[], $2::text[]) AS a(payment_id, charge_id)
       WHERE p.payment_id = a.payment_id`,
      [accepted.map((a) => a.paymentId), accepted.map((a) => a.chargeId)],
    );
  }

  async markSubmitFailed(db: Queryable, paymentId: string, retryInMs: number, error: string): Promise<void> {
    await db.query(
      `UPDATE ${this.payments}
         SET next_attempt_at = now() + $2 * interval '1 millisecond', last_error = $3
       WHERE payment_id = $1 AND submitted_at IS NULL`,
      [paymentId, retryInMs, error.slice(0, 500)],
    );
  }

  /**
   * Pending payments whose first charge request went out more than `timeoutMs` ago, locked; those another
   * transaction holds are skipped.
   */
  async lockTimedOut(tx: PoolClient, timeoutMs: number, limit: number): Promise<Payment[]> {
    const { rows } = await tx.query<PaymentRow>(
      `SELECT ${COLUMNS} FROM ${this.payments}
       WHERE status = 'PENDING' AND first_attempt_at <= now() - $1 * interval '1 millisecond'
       ORDER BY first_attempt_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED`,
      [timeoutMs, limit],
    );
    return rows.map(toPayment);
  }

  /** Sets the final result of locked PENDING payments, in one statement. */
  async decide(
    tx: PoolClient,
    decisions: { paymentId: string; decision: Decision; gatewayReference?: string | null }[],
  ): Promise<void> {
    if (decisions.length === 0) return;
    await tx.query(
      `UPDATE ${this.payments} p
         SET status = d.status, reason = d.reason, detail = d.detail, decided_at = now(),
             gateway_reference = COALESCE(d.reference, p.gateway_reference)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
         AS d(payment_id, status, reason, detail, reference)
       WHERE p.payment_id = d.payment_id AND p.status = 'PENDING'`,
      [
        decisions.map((d) => d.paymentId),
        decisions.map((d) => d.decision.status),
        decisions.map((d) => d.decision.reason),
        decisions.map((d) => d.decision.detail),
        decisions.map((d) => d.gatewayReference ?? null),
      ],
    );
  }

  async recordLateOutcome(tx: PoolClient, paymentId: string, outcome: GatewayOutcome): Promise<void> {
    await tx.query(
      `UPDATE ${this.payments} SET late_outcome = $2, late_outcome_at = now() WHERE payment_id = $1`,
      [paymentId, outcome],
    );
  }

  /** Records a callback once; false when the delivery id was seen before. */
  async insertDelivery(
    tx: PoolClient,
    delivery: {
      deliveryId: string;
      paymentId: string;
      outcome: GatewayOutcome;
      effect: 'APPLIED' | 'LATE';
      signedAt: number;
      payload: unknown;
    },
  ): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO ${this.deliveries} (delivery_id, payment_id, outcome, effect, signed_at, payload)
       VALUES ($1, $2, $3, $4, to_timestamp($5), $6)
       ON CONFLICT (delivery_id) DO NOTHING`,
      [
        delivery.deliveryId,
        delivery.paymentId,
        delivery.outcome,
        delivery.effect,
        delivery.signedAt,
        JSON.stringify(delivery.payload),
      ],
    );
    return result.rowCount === 1;
  }
}
