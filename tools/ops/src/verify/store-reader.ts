import type { Pool } from 'pg';
import type { StoreService } from './verify-config';

// What verify reads from each service's own schema: only the columns the checks use, in one query per
// table (aggregated in SQL where a per-row answer is not needed), so 100k orders are a few seconds.

export interface OrderRow {
  orderId: string;
  status: string;
  finishedEventId: string | null;
  currency: string | null;
  totalCents: number;
  customerId: string | null;
  placedAtMs: number | null;
}

export interface StockRow {
  sku: string;
  onHand: number;
  reserved: number;
  sold: number;
}

export interface PaymentRow {
  orderId: string;
  paymentId: string;
  status: string;
  amountCents: number;
}

export interface RefundRow {
  refundId: string;
  idempotencyKey: string;
  orderId: string;
  status: string;
  amountCents: number | null;
  currency: string | null;
  decidedAtMs: number | null;
  outcomeEventId: string | null;
}

export interface RefundOrderRow {
  orderId: string;
  status: string | null;
  paidCents: number;
  refundedCents: number;
  currency: string | null;
  customerId: string | null;
  placedAtMs: number | null;
}

export interface Stores {
  orders: OrderRow[];
  stock: StockRow[];
  /** Units per SKU in the inventory's COMMITTED reservations. */
  committedBySku: Map<string, number>;
  /** Units per SKU in the lines of PAID orders (orders' own record). */
  paidUnitsBySku: Map<string, number>;
  /** Reservations still RESERVED (units held). */
  openReservations: string[];
  payments: PaymentRow[];
  refunds: RefundRow[];
  refundOrders: RefundOrderRow[];
  /** Notifications per (event id, channel). */
  notifications: { eventId: string; channel: string; count: number }[];
}

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;
const num = (value: string | number | null): number => (value === null ? 0 : Number(value));
const numOrNull = (value: string | number | null): number | null => (value === null ? null : Number(value));
const epochMs = (column: string): string => `floor(extract(epoch FROM ${column}) * 1000)::float8`;

export async function readStores(pool: Pool, schemas: Record<StoreService, string>): Promise<Stores> {
  const t = (service: StoreService, table: string): string => `${quote(schemas[service])}.${quote(table)}`;

  const [orders, paidUnits, stock, committed, open, payments, refunds, refundOrders, notifications] =
    await Promise.all([
      pool.query<{
        order_id: string;
        status: string;
        finished_event_id: string | null;
        currency: string | null;
        total_cents: string | null;
        customer_id: string | null;
        placed_ms: number | null;
      }>(
        `SELECT order_id, status, finished_event_id, currency, total_cents, customer_id,
              ${epochMs('placed_at')} AS placed_ms
         FROM ${t('orders', 'orders')} WHERE placed_event_id IS NOT NULL`,
      ),
      pool.query<{ sku: string; units: string }>(
        `SELECT l->>'sku' AS sku, sum((l->>'qty')::bigint) AS units
         FROM ${t('orders', 'orders')} o, jsonb_array_elements(o.lines) l
        WHERE o.status = 'PAID' GROUP BY 1`,
      ),
      pool.query<{ sku: string; on_hand: number; reserved: number; sold: number }>(
        `SELECT sku, on_hand, reserved, sold FROM ${t('inventory', 'stock')}`,
      ),
      pool.query<{ sku: string; units: string }>(
        `SELECT l->>'sku' AS sku, sum((l->>'qty')::bigint) AS units
         FROM ${t('inventory', 'reservations')} r, jsonb_array_elements(r.lines) l
        WHERE r.status = 'COMMITTED' GROUP BY 1`,
      ),
      pool.query<{ order_id: string }>(
        `SELECT order_id FROM ${t('inventory', 'reservations')} WHERE status = 'RESERVED' ORDER BY order_id`,
      ),
      pool.query<{ order_id: string; payment_id: string; status: string; amount_cents: string }>(
        `SELECT order_id, payment_id, status, amount_cents FROM ${t('payments', 'payments')}`,
      ),
      pool.query<{
        refund_id: string;
        idempotency_key: string;
        order_id: string;
        status: string;
        amount_cents: string | null;
        currency: string | null;
        decided_ms: number | null;
        outcome_event_id: string | null;
      }>(
        `SELECT refund_id, idempotency_key, order_id, status, amount_cents, currency,
              ${epochMs('decided_at')} AS decided_ms, outcome_event_id
         FROM ${t('refunds', 'refunds')}`,
      ),
      pool.query<{
        order_id: string;
        status: string | null;
        paid_cents: string;
        refunded_cents: string;
        currency: string | null;
        customer_id: string | null;
        placed_ms: number | null;
      }>(
        `SELECT order_id, status, paid_cents, refunded_cents, currency, customer_id,
              ${epochMs('placed_at')} AS placed_ms
         FROM ${t('refunds', 'orders')}`,
      ),
      pool.query<{ event_id: string; channel: string; n: string }>(
        `SELECT event_id, channel, count(*) AS n FROM ${t('notifier', 'notifications')} GROUP BY 1, 2`,
      ),
    ]);

  const unitsBySku = (rows: { sku: string; units: string }[]): Map<string, number> =>
    new Map(rows.map((r) => [r.sku, Number(r.units)]));

  return {
    orders: orders.rows.map((r) => ({
      orderId: r.order_id,
      status: r.status,
      finishedEventId: r.finished_event_id,
      currency: r.currency,
      totalCents: num(r.total_cents),
      customerId: r.customer_id,
      placedAtMs: numOrNull(r.placed_ms),
    })),
    paidUnitsBySku: unitsBySku(paidUnits.rows),
    stock: stock.rows.map((r) => ({ sku: r.sku, onHand: r.on_hand, reserved: r.reserved, sold: r.sold })),
    committedBySku: unitsBySku(committed.rows),
    openReservations: open.rows.map((r) => r.order_id),
    payments: payments.rows.map((r) => ({
      orderId: r.order_id,
      paymentId: r.payment_id,
      status: r.status,
      amountCents: num(r.amount_cents),
    })),
    refunds: refunds.rows.map((r) => ({
      refundId: r.refund_id,
      idempotencyKey: r.idempotency_key,
      orderId: r.order_id,
      status: r.status,
      amountCents: numOrNull(r.amount_cents),
      currency: r.currency,
      decidedAtMs: numOrNull(r.decided_ms),
      outcomeEventId: r.outcome_event_id,
    })),
    refundOrders: refundOrders.rows.map((r) => ({
      orderId: r.order_id,
      status: r.status,
      paidCents: num(r.paid_cents),
      refundedCents: num(r.refunded_cents),
      currency: r.currency,
      customerId: r.customer_id,
      placedAtMs: numOrNull(r.placed_ms),
    })),
    notifications: notifications.rows.map((r) => ({
      eventId: r.event_id,
      channel: r.channel,
      count: Number(r.n),
    })),
  };
}
