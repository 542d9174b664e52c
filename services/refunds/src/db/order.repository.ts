import type { Customer } from '@orderflow/contracts';
import { quoteIdent, type PoolClient } from '@orderflow/runtime';
import type { OrderOutcome, OrderStanding } from '../domain/refund-decision';
import type { OrderFacts } from '../domain/refund-events';
import { toNumber, type Queryable } from './queryable';

/** The projection of one order; a placeholder (status null) until its orders.finished arrives. */
export interface ProjectedOrder extends OrderStanding {
  totalCents: number | null;
  currency: string | null;
  customer: Customer | null;
  placedAt: Date | null;
  finishedAt: Date | null;
  finishedEventId: string | null;
}

export interface OrderOutcomeRecord {
  orderId: string;
  status: OrderOutcome;
  totalCents: number;
  currency: string;
  customer: Customer;
  placedAt: number;
  finishedAt: number;
  finishedEventId: string;
}

interface OrderRow {
  order_id: string;
  status: OrderOutcome | null;
  total_cents: string | null;
  paid_cents: string;
  refunded_cents: string;
  currency: string | null;
  customer_id: string | null;
  customer_email: string | null;
  customer_name: string | null;
  placed_at: Date | null;
  finished_at: Date | null;
  finished_event_id: string | null;
}

const COLUMNS = `order_id, status, total_cents, paid_cents, refunded_cents, currency, customer_id, customer_email,
  customer_name, placed_at, finished_at, finished_event_id`;

function toOrder(row: OrderRow): ProjectedOrder {
  return {
    orderId: row.order_id,
    status: row.status,
    totalCents: toNumber(row.total_cents),
    paidCents: Number(row.paid_cents),
    refundedCents: Number(row.refunded_cents),
    currency: row.currency,
    customer:
      row.customer_id === null
        ? null
        : { customer_id: row.customer_id, email: row.customer_email ?? '', name: row.customer_name ?? '' },
    placedAt: row.placed_at,
    finishedAt: row.finished_at,
    finishedEventId: row.finished_event_id,
  };
}

/** What an outcome event says about the order, once its outcome is known. */
export function orderFacts(order: ProjectedOrder): OrderFacts | null {
  if (order.status === null || order.currency === null || order.customer === null || order.placedAt === null)
    return null;
  return { currency: order.currency, customer: order.customer, placedAt: order.placedAt.getTime() };
}

export class OrderRepository {
  private readonly table: string;

  constructor(schema: string) {
    this.table = `${quoteIdent(schema)}.orders`;
  }

  /**
   * Locks the order's row for the rest of the transaction, creating a placeholder when the order is not
   * known yet, so that there is always a row to serialise on.
   */
  async lockOrCreate(tx: PoolClient, orderId: string): Promise<ProjectedOrder> {
    await tx.query(`INSERT INTO ${this.table} (order_id) VALUES ($1) ON CONFLICT (order_id) DO NOTHING`, [
      orderId,
    ]);
    const { rows } = await tx.query<OrderRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE order_id = $1 FOR UPDATE`,
      [orderId],
    );
    return toOrder(rows[0]!);
  }

  /** Locks existing rows in order-id order, so two transactions locking overlapping sets cannot deadlock. */
  async lockMany(tx: PoolClient, orderIds: string[]): Promise<ProjectedOrder[]> {
    const { rows } = await tx.query<OrderRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE order_id = ANY($1::text[]) ORDER BY order_id FOR UPDATE`,
      [orderIds],
    );
    return rows.map(toOrder);
  }

  async find(db: Queryable, orderId: string): Promise<ProjectedOrder | undefined> {
    const { rows } = await db.query<OrderRow>(`SELECT ${COLUMNS} FROM ${this.table} WHERE order_id = $1`, [
      orderId,
    ]);
    return rows[0] && toOrder(rows[0]);
  }

  /** Fills in a locked placeholder with the order's outcome. */
  async recordOutcome(tx: PoolClient, outcome: OrderOutcomeRecord): Promise<ProjectedOrder> {
    const { rows } = await tx.query<OrderRow>(
      `UPDATE ${this.table} SET status = $2, total_cents = $3, paid_cents = $4, currency = $5, customer_id = $6,
         customer_email = $7, customer_name = $8, placed_at = $9, finished_at = $10, finished_event_id = $11,
         updated_at = now()
       WHERE order_id = $1 AND status IS NULL
       RETURNING ${COLUMNS}`,
      [
        outcome.orderId,
        outcome.status,
        outcome.totalCents,
        outcome.status === 'PAID' ? outcome.totalCents : 0,
        outcome.currency,
        outcome.customer.customer_id,
        outcome.customer.email,
        outcome.customer.name,
        new Date(outcome.placedAt),
        new Date(outcome.finishedAt),
        outcome.finishedEventId,
      ],
    );
    if (!rows[0]) throw new Error(`order ${outcome.orderId} has no placeholder to record its outcome in`);
    return toOrder(rows[0]);
  }

  async setRefunded(tx: PoolClient, orderId: string, refundedCents: number): Promise<void> {
    await tx.query(`UPDATE ${this.table} SET refunded_cents = $2, updated_at = now() WHERE order_id = $1`, [
      orderId,
      refundedCents,
    ]);
  }
}
