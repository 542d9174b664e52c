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

export interface OrderUpdate extends OrderChanges {
  orderId: string;
}

export interface ConflictRecord {
  orderId: string;
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
  /** A timestamp, an ISO string (json_agg) or epoch millis (see `appendFacts`). */
  occurred_at: Date | string | number;
  received_at: Date | string | number;
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
   * The orders, each created (PENDING) the first time any event names it, and locked for the rest of the
   * transaction so that events of one order arriving on several topics at once apply one after another.
   * Locked in order id order, so that transactions locking overlapping sets cannot deadlock.
   */
  async lockOrCreate(tx: PoolClient, orderIds: readonly string[]): Promise<Map<string, StoredOrder>> {
    const ids = [...new Set(orderIds)].sort();
    // Two statements rather than one upsert that "updates" every existing row to lock it: that wrote a new
    // version of the row, and an entry in each of its five indexes, for every event. The lock comes from a
    // second statement so that its snapshot sees rows another transaction created meanwhile.
    await tx.query(
      `INSERT INTO ${this.orders} (order_id)
       SELECT id FROM unnest($1::text[]) AS t(id) ORDER BY id
       ON CONFLICT (order_id) DO NOTHING`,
      [ids],
    );
    const { rows } = await tx.query<OrderRow>(
      `SELECT * FROM ${this.orders} WHERE order_id = ANY($1::text[]) ORDER BY order_id FOR UPDATE`,
      [ids],
    );
    return new Map(rows.map((row) => [row.order_id, toOrder(row)]));
  }

  /**
   * Records facts (in the given order, which becomes their receipt order) and returns all the facts of
   * each order they touch, in receipt order: the new ones last.
   */
  async appendFacts(
    tx: PoolClient,
    facts: readonly { orderId: string; fact: OrderFact }[],
  ): Promise<Map<string, RecordedFact[]>> {
    // Times as epoch millis: parsing timestamps was a good part of the batch's CPU.
    const columns = `order_id, id, event_id, kind,
      floor(extract(epoch FROM occurred_at) * 1000)::float8 AS occurred_at,
      floor(extract(epoch FROM received_at) * 1000)::float8 AS received_at, data`;
    const { rows } = await tx.query<FactRow & { order_id: string }>(
      `WITH recorded AS (
         INSERT INTO ${this.events} (order_id, event_id, topic, kind, occurred_at, data)
         SELECT order_id, event_id, topic, kind, occurred_at, data
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[])
           WITH ORDINALITY AS f(order_id, event_id, topic, kind, occurred_at, data, n)
         ORDER BY n
         RETURNING order_id, id, event_id, kind, occurred_at, received_at, data
       )
       SELECT ${columns} FROM ${this.events} WHERE order_id = ANY($7::text[])
       UNION ALL SELECT ${columns} FROM recorded
       ORDER BY order_id, id`,
      [
        facts.map((f) => f.orderId),
        facts.map((f) => f.fact.eventId),
        facts.map((f) => FACT_SOURCES[f.fact.kind].topic),
        facts.map((f) => f.fact.kind),
        facts.map((f) => new Date(f.fact.occurredAt).toISOString()),
        facts.map((f) => JSON.stringify(factData(f.fact))),
        [...new Set(facts.map((f) => f.orderId))],
      ],
    );
    const byOrder = new Map<string, RecordedFact[]>();
    for (const row of rows) {
      let recorded = byOrder.get(row.order_id);
      if (!recorded) byOrder.set(row.order_id, (recorded = []));
      recorded.push(toRecordedFact(row));
    }
    return byOrder;
  }

  async recordConflicts(tx: PoolClient, conflicts: readonly ConflictRecord[]): Promise<void> {
    if (conflicts.length === 0) return;
    await tx.query(
      `INSERT INTO ${this.conflicts} (order_id, event_id, topic, kind, detail)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        conflicts.map((c) => c.orderId),
        conflicts.map((c) => c.eventId),
        conflicts.map((c) => c.topic),
        conflicts.map((c) => c.kind),
        conflicts.map((c) => c.detail),
      ],
    );
  }

  /**
   * Saves derived states, one statement for all. The placed columns are only ever filled once (the first
   * version is kept), and an order that is already finished is never touched. Returns the orders updated.
   */
  async update(tx: PoolClient, updates: readonly OrderUpdate[]): Promise<Set<string>> {
    if (updates.length === 0) return new Set();
    const records = updates.map(({ orderId, state, placed, finished }) => ({
      order_id: orderId,
      status: state.status,
      reason: state.reason,
      reason_detail: state.reasonDetail,
      payment_id: state.paymentId,
      decided_by_event_id: state.decidedBy,
      placed_event_id: placed?.placedEventId ?? null,
      correlation_id: placed?.correlationId ?? null,
      content_hash: placed?.contentHash ?? null,
      customer_id: placed?.customer.customer_id ?? null,
      customer_email: placed?.customer.email ?? null,
      customer_name: placed?.customer.name ?? null,
      currency: placed?.currency ?? null,
      total_cents: placed?.totalCents ?? null,
      lines: placed?.lines ?? null,
      placed_at: placed ? new Date(placed.placedAt).toISOString() : null,
      source: placed?.source ?? null,
      finished_at: finished ? finished.at.toISOString() : null,
      finished_event_id: finished?.eventId ?? null,
    }));
    const { rows } = await tx.query<{ order_id: string }>(
      `UPDATE ${this.orders} AS o SET
         status = u.status, reason = u.reason, reason_detail = u.reason_detail, payment_id = u.payment_id,
         decided_by_event_id = u.decided_by_event_id,
         placed_event_id = COALESCE(o.placed_event_id, u.placed_event_id),
         correlation_id = COALESCE(o.correlation_id, u.correlation_id),
         content_hash = COALESCE(o.content_hash, u.content_hash),
         customer_id = COALESCE(o.customer_id, u.customer_id),
         customer_email = COALESCE(o.customer_email, u.customer_email),
         customer_name = COALESCE(o.customer_name, u.customer_name),
         currency = COALESCE(o.currency, u.currency),
         total_cents = COALESCE(o.total_cents, u.total_cents),
         lines = COALESCE(o.lines, u.lines),
         placed_at = COALESCE(o.placed_at, u.placed_at),
         source = COALESCE(o.source, u.source),
         finished_at = u.finished_at, finished_event_id = u.finished_event_id,
         updated_at = clock_timestamp()
       FROM jsonb_to_recordset($1::jsonb) AS u(
         order_id text, status text, reason text, reason_detail text, payment_id text,
         decided_by_event_id text, placed_event_id text, correlation_id text, content_hash text,
         customer_id text, customer_email text, customer_name text, currency text, total_cents bigint,
         lines jsonb, placed_at timestamptz, source jsonb, finished_at timestamptz, finished_event_id text)
       WHERE o.order_id = u.order_id AND o.finished_at IS NULL
       RETURNING o.order_id`,
      [JSON.stringify(records)],
    );
    return new Set(rows.map((row) => row.order_id));
  }

  /** Tells every instance's waiters, at commit, that the orders are final: one notification per order. */
  async notifyFinal(tx: PoolClient, channel: string, orderIds: readonly string[]): Promise<void> {
    if (orderIds.length === 0) return;
    await tx.query('SELECT pg_notify($1, id) FROM unnest($2::text[]) AS t(id)', [channel, orderIds]);
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
