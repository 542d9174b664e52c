import type { RefundRejectReason } from '@orderflow/contracts';
import { quoteIdent, type PoolClient } from '@orderflow/runtime';
import { toNumber, type Queryable } from './queryable';

export type RefundStatus = 'REQUESTED' | 'WAITING' | 'REFUNDED' | 'REJECTED';

export interface Refund {
  refund_id: string;
  idempotency_key: string;
  request_fingerprint: string;
  order_id: string;
  requested_amount_cents: number | null;
  reason: string;
  status: RefundStatus;
  amount_cents: number | null;
  currency: string | null;
  rejection_reason: RefundRejectReason | null;
  rejection_detail: string | null;
  refunded_total_cents: number | null;
  remaining_refundable_cents: number | null;
  correlation_id: string;
  requested_event_id: string;
  outcome_event_id: string | null;
  requested_at: Date;
  waiting_since: Date | null;
  decided_at: Date | null;
}

type RefundRow = Omit<
  Refund,
  'requested_amount_cents' | 'amount_cents' | 'refunded_total_cents' | 'remaining_refundable_cents'
> & {
  requested_amount_cents: string | null;
  amount_cents: string | null;
  refunded_total_cents: string | null;
  remaining_refundable_cents: string | null;
};

function toRefund(row: RefundRow): Refund {
  return {
    ...row,
    requested_amount_cents: toNumber(row.requested_amount_cents),
    amount_cents: toNumber(row.amount_cents),
    refunded_total_cents: toNumber(row.refunded_total_cents),
    remaining_refundable_cents: toNumber(row.remaining_refundable_cents),
  };
}

const COLUMNS = `refund_id, idempotency_key, request_fingerprint, order_id, requested_amount_cents, reason, status,
  amount_cents, currency, rejection_reason, rejection_detail, refunded_total_cents, remaining_refundable_cents,
  correlation_id, requested_event_id, outcome_event_id, requested_at, waiting_since, decided_at`;

export interface NewRefund {
  refund_id: string;
  idempotency_key: string;
  request_fingerprint: string;
  order_id: string;
  requested_amount_cents: number | null;
  reason: string;
  correlation_id: string;
  requested_event_id: string;
  requested_at: Date;
}

export interface RefundOutcome {
  refundId: string;
  status: 'REFUNDED' | 'REJECTED';
  amountCents: number | null;
  currency: string | null;
  rejectionReason: RefundRejectReason | null;
  rejectionDetail: string | null;
  refundedTotalCents: number | null;
  remainingCents: number | null;
  outcomeEventId: string;
  decidedAt: Date;
}

export class RefundRepository {
  private readonly table: string;
  private readonly waitingSeq: string;

  constructor(schema: string) {
    this.table = `${quoteIdent(schema)}.refunds`;
    this.waitingSeq = `${quoteIdent(schema)}.refund_waiting_seq`;
  }

  /** Records a request unless its key (or refund id) is known; undefined when it was. */
  async insert(tx: PoolClient, refund: NewRefund): Promise<Refund | undefined> {
    const { rows } = await tx.query<RefundRow>(
      `INSERT INTO ${this.table} (refund_id, idempotency_key, request_fingerprint, order_id, requested_amount_cents,
         reason, correlation_id, requested_event_id, requested_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        refund.refund_id,
        refund.idempotency_key,
        refund.request_fingerprint,
        refund.order_id,
        refund.requested_amount_cents,
        refund.reason,
        refund.correlation_id,
        refund.requested_event_id,
        refund.requested_at,
      ],
    );
    return rows[0] && toRefund(rows[0]);
  }

  async find(db: Queryable, refundId: string): Promise<Refund | undefined> {
    const { rows } = await db.query<RefundRow>(`SELECT ${COLUMNS} FROM ${this.table} WHERE refund_id = $1`, [
      refundId,
    ]);
    return rows[0] && toRefund(rows[0]);
  }

  async findByKey(db: Queryable, idempotencyKey: string): Promise<Refund | undefined> {
    const { rows } = await db.query<RefundRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE idempotency_key = $1`,
      [idempotencyKey],
    );
    return rows[0] && toRefund(rows[0]);
  }

  async lock(tx: PoolClient, refundId: string): Promise<Refund | undefined> {
    const { rows } = await tx.query<RefundRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE refund_id = $1 FOR UPDATE`,
      [refundId],
    );
    return rows[0] && toRefund(rows[0]);
  }

  /** The refunds of an order in the order they were requested. */
  async listByOrder(db: Queryable, orderId: string): Promise<Refund[]> {
    const { rows } = await db.query<RefundRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE order_id = $1 ORDER BY requested_at, refund_id`,
      [orderId],
    );
    return rows.map(toRefund);
  }

  /** Parks a request until its order's outcome arrives; the sequence keeps the order of arrival. */
  async markWaiting(tx: PoolClient, refundId: string): Promise<void> {
    await tx.query(
      `UPDATE ${this.table} SET status = 'WAITING', waiting_since = clock_timestamp(),
         waiting_seq = nextval($2::regclass)
       WHERE refund_id = $1`,
      [refundId, this.waitingSeq],
    );
  }

  /**
   * The waiting requests of these orders (whose rows the caller has locked), in one statement: each
   * order's in the order they arrived. Orders without any are missing from the result.
   */
  async lockWaitingMany(tx: PoolClient, orderIds: readonly string[]): Promise<Map<string, Refund[]>> {
    const byOrder = new Map<string, Refund[]>();
    if (orderIds.length === 0) return byOrder;
    const { rows } = await tx.query<RefundRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE order_id = ANY($1::text[]) AND status = 'WAITING'
       ORDER BY order_id, waiting_seq FOR UPDATE`,
      [[...new Set(orderIds)].sort()],
    );
    for (const row of rows) {
      const refund = toRefund(row);
      const list = byOrder.get(refund.order_id);
      if (list) list.push(refund);
      else byOrder.set(refund.order_id, [refund]);
    }
    return byOrder;
  }

  /** Orders with a request that has waited longer than `graceMs`, without locking anything. */
  async ordersWithExpiredWaits(db: Queryable, graceMs: number, limit: number): Promise<string[]> {
    const { rows } = await db.query<{ order_id: string }>(
      `SELECT DISTINCT order_id FROM ${this.table}
       WHERE status = 'WAITING' AND waiting_since < now() - $1 * interval '1 millisecond'
       ORDER BY order_id LIMIT $2`,
      [graceMs, limit],
    );
    return rows.map((r) => r.order_id);
  }

  /** The expired waiting requests of these orders (whose rows the caller has locked), in arrival order. */
  async lockExpiredWaiting(tx: PoolClient, orderIds: string[], graceMs: number): Promise<Refund[]> {
    if (orderIds.length === 0) return [];
    const { rows } = await tx.query<RefundRow>(
      `SELECT ${COLUMNS} FROM ${this.table}
       WHERE order_id = ANY($1::text[]) AND status = 'WAITING'
         AND waiting_since < now() - $2 * interval '1 millisecond'
       ORDER BY order_id, waiting_seq FOR UPDATE`,
      [orderIds, graceMs],
    );
    return rows.map(toRefund);
  }

  /** Records final decisions in one statement. */
  async decide(tx: PoolClient, outcomes: RefundOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await tx.query(
      `UPDATE ${this.table} AS r SET status = d.status, amount_cents = d.amount_cents, currency = d.currency,
         rejection_reason = d.rejection_reason, rejection_detail = d.rejection_detail,
         refunded_total_cents = d.refunded_total_cents, remaining_refundable_cents = d.remaining_cents,
         outcome_event_id = d.outcome_event_id, decided_at = d.decided_at
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[],
                   $8::bigint[], $9::text[], $10::timestamptz[])
         AS d(refund_id, status, amount_cents, currency, rejection_reason, rejection_detail, refunded_total_cents,
              remaining_cents, outcome_event_id, decided_at)
       WHERE r.refund_id = d.refund_id AND r.status IN ('REQUESTED', 'WAITING')`,
      [
        outcomes.map((o) => o.refundId),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.amountCents),
        outcomes.map((o) => o.currency),
        outcomes.map((o) => o.rejectionReason),
        outcomes.map((o) => o.rejectionDetail),
        outcomes.map((o) => o.refundedTotalCents),
        outcomes.map((o) => o.remainingCents),
        outcomes.map((o) => o.outcomeEventId),
        outcomes.map((o) => o.decidedAt),
      ],
    );
  }

  /** How many requests wait for their order's outcome, and since when the oldest. */
  async waitingReport(db: Queryable): Promise<{ waiting: number; oldestWaitingSince: Date | null }> {
    const { rows } = await db.query<{ waiting: string; oldest: Date | null }>(
      `SELECT count(*) AS waiting, min(waiting_since) AS oldest FROM ${this.table} WHERE status = 'WAITING'`,
    );
    return { waiting: Number(rows[0]?.waiting ?? 0), oldestWaitingSince: rows[0]?.oldest ?? null };
  }
}
