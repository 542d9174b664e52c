import type { FailureReason, OrderLine, Source } from '@orderflow/contracts';
import { quoteIdent, type Pool, type PoolClient } from '@orderflow/runtime';
import type { ConflictKind, OrderFact, OrderState, OrderStatus } from '../domain/order-state';
import { FACT_SOURCES, type RecordedFact } from '../domain/order-timeline';
import type { PlacedOrder } from '../domain/placed-order';

/** A pool for reads, the batch transaction for writes. */
export type Queryable = Pick<Pool | PoolClient, 'query'>;

export interface StoredOrder {
  orderId: string;
  status: OrderStatus;
  reason: FailureReason | null;
  reasonDetail: string | null;
  paymentId: string | null;
  decidedBy: string | null;
  /** Null until orders.placed has been seen. */
  placed: PlacedOrder | null;
  firstSeenAt: Date;
  finishedAt: Date | null;
  finishedEventId: string | null;
}

export interface OrderDetails extends StoredOrder {
  facts: RecordedFact[];
  conflicts: number;
}

export interface OrderSummary {
  orderId: string;
  status: OrderStatus;
  reason: FailureReason | null;
  customerId: string;
  currency: string;
  totalCents: number;
  placedAt: Date;
  finishedAt: Date | null;
}

export interface OrderChanges {
  state: Pick<OrderState, 'status' | 'reason' | 'reasonDetail' | 'paymentId' | 'decidedBy'>;
  /** The orders.placed the order was just built from. */
  placed?: PlacedOrder;
  finished?: { at: Date; eventId: string };
}

export interface ConflictRecord {
  eventId: string;
  topic: string;
  kind: ConflictKind;
  detail: string;
}

/** Position in the newest-first listing; the page starts after it. */
export interface ListPosition {
  placedAt: Date;
  orderId: string;
}

export interface ListFilter {
  status?: OrderStatus;
  customerId?: string;
  after?: ListPosition;
  limit: number;
}

interface OrderRow {
  order_id: string;
  status: OrderStatus;
  reason: FailureReason | null;
  reason_detail: string | null;
  payment_id: string | null;
  decided_by_event_id: string | null;
  placed_event_id: string | null;
  correlation_id: string | null;
  content_hash: string | null;
  customer_id: string | null;
  customer_email: string | null;
  customer_name: string | null;
  currency: string | null;
  total_cents: string | null;
  lines: OrderLine[] | null;
  placed_at: Date | null;
  source: Source | null;
  first_seen_at: Date;
  finished_at: Date | null;
  finished_event_id: string | null;
}

interface FactRow {
  id: string | number;
  event_id: string;
  kind: OrderFact['kind'];
  occurred_at: Date | string;
  received_at: Date | string;
  data: Record<string, unknown>;
}

function toOrder(row: OrderRow): StoredOrder {
  const placed: PlacedOrder | null =
    row.placed_event_id === null
      ? null
      : {
          orderId: row.order_id,
          placedEventId: row.placed_event_id,
          correlationId: row.correlation_id!,
          contentHash: row.content_hash!,
          customer: { customer_id: row.customer_id!, email: row.customer_email!, name: row.customer_name! },
          currency: row.currency!,
          // bigint arrives as text; money in cents is far inside the safe-integer range.
          totalCents: Number(row.total_cents),
          lines: row.lines!,
          placedAt: row.placed_at!.getTime(),
          source: row.source,
        };
  return {
    orderId: row.order_id,
    status: row.status,
    reason: row.reason,
    reasonDetail: row.reason_detail,
    paymentId: row.payment_id,
    decidedBy: row.decided_by_event_id,
    placed,
    firstSeenAt: row.first_seen_at,
    finishedAt: row.finished_at,
    finishedEventId: row.finished_event_id,
  };
}

/** Everything of a fact but its identity goes into `data`. */
function factData(fact: OrderFact): Record<string, unknown> {
  const { kind: _kind, eventId: _eventId, occurredAt: _occurredAt, ...data } = fact;
  return data;
}

function toRecordedFact(row: FactRow): RecordedFact {
  const fact = {
    ...row.data,
    kind: row.kind,
    eventId: row.event_id,
    occurredAt: new Date(row.occurred_at).getTime(),
  } as OrderFact;
  return { fact, seq: Number(row.id), receivedAt: new Date(row.received_at).getTime() };
}

/** The service's tables, with plain SQL. Every statement names the schema the service owns. */
export class OrderRepository {
  private readonly orders: string;
  private readonly events: string;
  private readonly conflicts: string;

  constructor(schema: string) {
    const s = quoteIdent(schema);
    this.orders = `${s}.orders`;
    this.events = `${s}.order_events`;
    this.conflicts = `${s}.order_conflicts`;
  }

  /**
   * The order, created (PENDING) the first time any event names it, and locked for the rest of the
   * transaction so that events of one order arriving on several topics at once apply one after another.
   */
  async lockOrCreate(tx: PoolClient, orderId: string): Promise<StoredOrder> {
    const { rows } = await tx.query<OrderRow>(
      `INSERT INTO ${this.orders} (order_id) VALUES ($1)
       ON CONFLICT (order_id) DO UPDATE SET updated_at = clock_timestamp()
       RETURNING *`,
      [orderId],
    );
    return toOrder(rows[0]!);
  }

  /** Records a fact and returns all of the order's facts in receipt order, the new one last. */
  async appendFact(tx: PoolClient, orderId: string, fact: OrderFact): Promise<RecordedFact[]> {
    const columns = 'id, event_id, kind, occurred_at, received_at, data';
    const { rows } = await tx.query<FactRow>(
      `WITH recorded AS (
         INSERT INTO ${this.events} (order_id, event_id, topic, kind, occurred_at, data)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}
       )
       SELECT ${columns} FROM ${this.events} WHERE order_id = $1
       UNION ALL SELECT ${columns} FROM recorded
       ORDER BY id`,
      [
        orderId,
        fact.eventId,
        FACT_SOURCES[fact.kind].topic,
        fact.kind,
        new Date(fact.occurredAt),
        JSON.stringify(factData(fact)),
      ],
    );
    return rows.map(toRecordedFact);
  }

  async recordConflicts(tx: PoolClient, orderId: string, conflicts: ConflictRecord[]): Promise<void> {
    if (conflicts.length === 0) return;
    await tx.query(
      `INSERT INTO ${this.conflicts} (order_id, event_id, topic, kind, detail)
       SELECT $1::text, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        orderId,
        conflicts.map((c) => c.eventId),
        conflicts.map((c) => c.topic),
        conflicts.map((c) => c.kind),
        conflicts.map((c) => c.detail),
      ],
    );
  }

  /**
   * Saves the derived state. The placed columns are only ever filled once (the first version is kept),
   * and an order that is already finished is never touched: returns false then.
   */
  async update(tx: PoolClient, orderId: string, changes: OrderChanges): Promise<boolean> {
    const { state, placed, finished } = changes;
    const { rowCount } = await tx.query(
      `UPDATE ${this.orders} SET
         status = $2, reason = $3, reason_detail = $4, payment_id = $5, decided_by_event_id = $6,
         placed_event_id = COALESCE(placed_event_id, $7),
         correlation_id = COALESCE(correlation_id, $8),
         content_hash = COALESCE(content_hash, $9),
         customer_id = COALESCE(customer_id, $10),
         customer_email = COALESCE(customer_email, $11),
         customer_name = COALESCE(customer_name, $12),
         currency = COALESCE(currency, $13),
         total_cents = COALESCE(total_cents, $14),
         lines = COALESCE(lines, $15),
         placed_at = COALESCE(placed_at, $16),
         source = COALESCE(source, $17),
         finished_at = $18, finished_event_id = $19,
         updated_at = clock_timestamp()
       WHERE order_id = $1 AND finished_at IS NULL`,
      [
        orderId,
        state.status,
        state.reason,
        state.reasonDetail,
        state.paymentId,
        state.decidedBy,
        placed?.placedEventId ?? null,
        placed?.correlationId ?? null,
        placed?.contentHash ?? null,
        placed?.customer.customer_id ?? null,
        placed?.customer.email ?? null,
        placed?.customer.name ?? null,
        placed?.currency ?? null,
        placed?.totalCents ?? null,
        placed ? JSON.stringify(placed.lines) : null,
        placed ? new Date(placed.placedAt) : null,
        placed?.source ? JSON.stringify(placed.source) : null,
        finished?.at ?? null,
        finished?.eventId ?? null,
      ],
    );
    return rowCount === 1;
  }

  /** Tells every instance's waiters, at commit, that the order is final. */
  async notifyFinal(tx: PoolClient, channel: string, orderId: string): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [channel, orderId]);
  }

  /** The order with its facts and conflict count, read in one statement so they agree. */
  async find(db: Queryable, orderId: string): Promise<OrderDetails | undefined> {
    const { rows } = await db.query<OrderRow & { facts: FactRow[]; conflicts: number }>(
      `SELECT o.*,
         (SELECT count(*)::int FROM ${this.conflicts} c WHERE c.order_id = o.order_id) AS conflicts,
         (SELECT coalesce(json_agg(e ORDER BY e.id), '[]'::json)
            FROM (SELECT id, event_id, kind, occurred_at, received_at, data
                    FROM ${this.events} WHERE order_id = o.order_id) e) AS facts
       FROM ${this.orders} o WHERE o.order_id = $1`,
      [orderId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { ...toOrder(row), facts: row.facts.map(toRecordedFact), conflicts: row.conflicts };
  }

  /** Placed orders, newest first, `limit` of them after `after`. */
  async list(db: Queryable, filter: ListFilter): Promise<OrderSummary[]> {
    const values: unknown[] = [];
    const where = ['placed_at IS NOT NULL'];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.status) where.push(`status = ${param(filter.status)}`);
    if (filter.customerId) where.push(`customer_id = ${param(filter.customerId)}`);
    if (filter.after) {
      where.push(`(placed_at, order_id) < (${param(filter.after.placedAt)}, ${param(filter.after.orderId)})`);
    }
    const { rows } = await db.query<OrderRow>(
      `SELECT order_id, status, reason, customer_id, currency, total_cents, placed_at, finished_at
       FROM ${this.orders} WHERE ${where.join(' AND ')}
       ORDER BY placed_at DESC, order_id DESC LIMIT ${param(filter.limit)}`,
      values,
    );
    return rows.map((row) => ({
      orderId: row.order_id,
      status: row.status,
      reason: row.reason,
      customerId: row.customer_id!,
      currency: row.currency!,
      totalCents: Number(row.total_cents),
      placedAt: row.placed_at!,
      finishedAt: row.finished_at,
    }));
  }

  /** Orders not final `olderThanMs` after the service first heard of them: how many, and the oldest. */
  async stuck(
    db: Queryable,
    olderThanMs: number,
    sample: number,
  ): Promise<{ count: number; oldest: string[] }> {
    const { rows } = await db.query<{ count: number; oldest: string[] }>(
      `WITH open AS (
         SELECT order_id, first_seen_at FROM ${this.orders}
         WHERE finished_at IS NULL AND first_seen_at < now() - $1 * interval '1 millisecond'
       )
       SELECT (SELECT count(*)::int FROM open) AS count,
              ARRAY(SELECT order_id FROM open ORDER BY first_seen_at, order_id LIMIT $2) AS oldest`,
      [olderThanMs, sample],
    );
    return rows[0] ?? { count: 0, oldest: [] };
  }
}
