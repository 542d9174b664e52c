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

  /**
   * Records a PENDING payment per entry unless its order already has one, in one statement; in list order,
   * so of two entries for one order the first is recorded. Returns, per entry, whether it was recorded or
   * the payment its order already had.
   */
  async insertPendingMany(
    db: Queryable,
    payments: readonly NewPayment[],
  ): Promise<({ created: true } | { created: false; existing: Payment })[]> {
    if (payments.length === 0) return [];
    const column = <K extends keyof NewPayment>(key: K): NewPayment[K][] => payments.map((p) => p[key]);
    const { rows: inserted } = await db.query<{ payment_id: string }>(
      `INSERT INTO ${this.payments}
         (payment_id, order_id, amount_cents, currency, correlation_id, reserved_event_id, reservation_id)
       SELECT payment_id, order_id, amount_cents, currency, correlation_id, reserved_event_id, reservation_id
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
         WITH ORDINALITY AS n(payment_id, order_id, amount_cents, currency, correlation_id, reserved_event_id,
                              reservation_id, position)
       ORDER BY position
       ON CONFLICT DO NOTHING
       RETURNING payment_id`,
      [
        column('payment_id'),
        column('order_id'),
        column('amount_cents'),
        column('currency'),
        column('correlation_id'),
        column('reserved_event_id'),
        column('reservation_id'),
      ],
    );
    // Each order's payment id is derived from the order, so one inserted id is one recorded order; a
    // second entry of that order in the list is not it.
    const created = new Set(inserted.map((r) => r.payment_id));
    const missing = payments.filter((p) => !created.has(p.payment_id)).map((p) => p.order_id);
    const existing = await this.findManyByOrderId(db, missing);
    const seen = new Set<string>();
    return payments.map((payment) => {
      if (created.has(payment.payment_id) && !seen.has(payment.payment_id)) {
        seen.add(payment.payment_id);
        return { created: true };
      }
      const found = existing.get(payment.order_id);
      if (!found) throw new Error(`payment for order ${payment.order_id} conflicted but cannot be found`);
      return { created: false, existing: found };
    });
  }

  async findManyByOrderId(db: Queryable, orderIds: readonly string[]): Promise<Map<string, Payment>> {
    if (orderIds.length === 0) return new Map();
    const { rows } = await db.query<PaymentRow>(
      `SELECT ${COLUMNS} FROM ${this.payments} WHERE order_id = ANY($1::text[])`,
      [[...new Set(orderIds)]],
    );
    return new Map(rows.map((row) => [row.order_id, toPayment(row)]));
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
   * The payments with these ids, row-locked until the transaction ends, locked in payment id order so two
   * transactions locking overlapping sets cannot deadlock. Ids with no payment are simply absent.
   */
  async lockMany(tx: PoolClient, paymentIds: readonly string[]): Promise<Map<string, Payment>> {
    const found = new Map<string, Payment>();
    if (paymentIds.length === 0) return found;
    const { rows } = await tx.query<PaymentRow>(
      `SELECT ${COLUMNS} FROM ${this.payments} WHERE payment_id = ANY($1::text[])
       ORDER BY payment_id FOR UPDATE`,
      [[...new Set(paymentIds)]],
    );
    for (const row of rows) found.set(row.payment_id, toPayment(row));
    return found;
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

  /** `markSubmitFailed` for many payments, in one statement. */
  async markSubmitFailedMany(
    db: Queryable,
    failures: { paymentId: string; retryInMs: number }[],
    error: string,
  ): Promise<void> {
    if (failures.length === 0) return;
    await db.query(
      `UPDATE ${this.payments} p
         SET next_attempt_at = now() + f.retry_ms * interval '1 millisecond', last_error = $3
       FROM unnest($1::text[], $2::int[]) AS f(payment_id, retry_ms)
       WHERE p.payment_id = f.payment_id AND p.submitted_at IS NULL`,
      [failures.map((f) => f.paymentId), failures.map((f) => f.retryInMs), error.slice(0, 500)],
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

  /** `recordLateOutcome` for many payments, in one statement (a payment listed twice keeps the last). */
  async recordLateOutcomes(
    tx: PoolClient,
    late: { paymentId: string; outcome: GatewayOutcome }[],
  ): Promise<void> {
    if (late.length === 0) return;
    const last = new Map(late.map((l) => [l.paymentId, l.outcome]));
    await tx.query(
      `UPDATE ${this.payments} p SET late_outcome = l.outcome, late_outcome_at = now()
       FROM unnest($1::text[], $2::text[]) AS l(payment_id, outcome)
       WHERE p.payment_id = l.payment_id`,
      [[...last.keys()], [...last.values()]],
    );
  }

  /** Which of these delivery ids were recorded before. */
  async knownDeliveries(tx: PoolClient, deliveryIds: readonly string[]): Promise<Set<string>> {
    if (deliveryIds.length === 0) return new Set();
    const { rows } = await tx.query<{ delivery_id: string }>(
      `SELECT delivery_id FROM ${this.deliveries} WHERE delivery_id = ANY($1::text[])`,
      [deliveryIds],
    );
    return new Set(rows.map((r) => r.delivery_id));
  }

  /** Records many callbacks in one statement; returns how many were new (the others were seen before). */
  async insertDeliveries(
    tx: PoolClient,
    deliveries: {
      deliveryId: string;
      paymentId: string;
      outcome: GatewayOutcome;
      effect: 'APPLIED' | 'LATE';
      signedAt: number;
      payload: unknown;
    }[],
  ): Promise<number> {
    if (deliveries.length === 0) return 0;
    const result = await tx.query(
      `INSERT INTO ${this.deliveries} (delivery_id, payment_id, outcome, effect, signed_at, payload)
       SELECT d.delivery_id, d.payment_id, d.outcome, d.effect, to_timestamp(d.signed_at), d.payload
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::jsonb[])
         AS d(delivery_id, payment_id, outcome, effect, signed_at, payload)
       ON CONFLICT (delivery_id) DO NOTHING`,
      [
        deliveries.map((d) => d.deliveryId),
        deliveries.map((d) => d.paymentId),
        deliveries.map((d) => d.outcome),
        deliveries.map((d) => d.effect),
        deliveries.map((d) => d.signedAt),
        deliveries.map((d) => JSON.stringify(d.payload)),
      ],
    );
    return result.rowCount ?? 0;
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
