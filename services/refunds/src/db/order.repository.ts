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

  /**
   * lockOrCreate for many orders, in two statements whatever their number: placeholders for the unknown
   * ones, then every row locked in order-id order (as lockMany), so two batches cannot deadlock.
   */
  async lockOrCreateMany(tx: PoolClient, orderIds: readonly string[]): Promise<Map<string, ProjectedOrder>> {
    const ids = [...new Set(orderIds)].sort();
    if (ids.length === 0) return new Map();
    await tx.query(
      `INSERT INTO ${this.table} (order_id)
       SELECT id FROM unnest($1::text[]) AS t(id) ORDER BY id
       ON CONFLICT (order_id) DO NOTHING`,
      [ids],
    );
    const locked = await this.lockMany(tx, ids);
    return new Map(locked.map((order) => [order.orderId, order]));
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

  /**
   * Fills in locked placeholders with their orders' outcomes, in one statement (one outcome per order).
   * Returns the orders whose outcome was recorded; one that already had an outcome is left alone and
   * missing from the result.
   */
  async recordOutcomes(
    tx: PoolClient,
    outcomes: readonly OrderOutcomeRecord[],
  ): Promise<Map<string, ProjectedOrder>> {
    if (outcomes.length === 0) return new Map();
    const { rows } = await tx.query<OrderRow>(
      `UPDATE ${this.table} AS o SET status = r.status, total_cents = r.total_cents, paid_cents = r.paid_cents,
         currency = r.currency, customer_id = r.customer_id, customer_email = r.customer_email,
         customer_name = r.customer_name, placed_at = r.placed_at, finished_at = r.finished_at,
         finished_event_id = r.finished_event_id, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[],
                   $8::text[], $9::timestamptz[], $10::timestamptz[], $11::text[])
         AS r(order_id, status, total_cents, paid_cents, currency, customer_id, customer_email, customer_name,
              placed_at, finished_at, finished_event_id)
       WHERE o.order_id = r.order_id AND o.status IS NULL
       RETURNING o.*`,
      [
        outcomes.map((o) => o.orderId),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.totalCents),
        outcomes.map((o) => (o.status === 'PAID' ? o.totalCents : 0)),
        outcomes.map((o) => o.currency),
        outcomes.map((o) => o.customer.customer_id),
        outcomes.map((o) => o.customer.email),
        outcomes.map((o) => o.customer.name),
        outcomes.map((o) => new Date(o.placedAt)),
        outcomes.map((o) => new Date(o.finishedAt)),
        outcomes.map((o) => o.finishedEventId),
      ],
    );
    return new Map(rows.map((row) => [row.order_id, toOrder(row)]));
  }

  async setRefunded(tx: PoolClient, orderId: string, refundedCents: number): Promise<void> {
    await tx.query(`UPDATE ${this.table} SET refunded_cents = $2, updated_at = now() WHERE order_id = $1`, [
      orderId,
      refundedCents,
    ]);
  }
}
