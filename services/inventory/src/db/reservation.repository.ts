import type { Pool, PoolClient } from 'pg';
import { quoteIdent } from '@orderflow/runtime';
import type { PricedLine, RejectedLine, ReservationStatus } from '../domain/reservation';

type Queryable = Pool | PoolClient;

export interface ReservationRow {
  order_id: string;
  reservation_id: string;
  status: ReservationStatus;
  currency: string;
  total_cents: number;
  lines: PricedLine[];
  reason: string | null;
  rejected_lines: RejectedLine[] | null;
  placed_event_id: string | null;
  content_hash: string | null;
  correlation_id: string;
  finished_event_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export type NewReservation = Omit<ReservationRow, 'created_at' | 'updated_at' | 'finished_event_id'> & {
  finished_event_id?: string | null;
};

interface RawReservationRow extends Omit<ReservationRow, 'total_cents'> {
  total_cents: string;
}

const COLUMNS = `order_id, reservation_id, status, currency, total_cents, lines, reason, rejected_lines,
  placed_event_id, content_hash, correlation_id, finished_event_id, created_at, updated_at`;

function toRow(raw: RawReservationRow): ReservationRow {
  return { ...raw, total_cents: Number(raw.total_cents) };
}

/** Plain SQL over `<schema>.reservations`. */
export class ReservationRepository {
  private readonly table: string;

  constructor(schema: string) {
    this.table = `${quoteIdent(schema)}.reservations`;
  }

  async find(db: Queryable, orderId: string): Promise<ReservationRow | undefined> {
    const { rows } = await db.query<RawReservationRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE order_id = $1`,
      [orderId],
    );
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** The reservations of those of `orderIds` that have one, by order id. */
  async findMany(db: Queryable, orderIds: readonly string[]): Promise<Map<string, ReservationRow>> {
    if (orderIds.length === 0) return new Map();
    const { rows } = await db.query<RawReservationRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE order_id = ANY($1::text[])`,
      [orderIds],
    );
    return new Map(rows.map((raw) => [raw.order_id, toRow(raw)]));
  }

  /**
   * Inserts the rows in one statement, in order id order (so two batches inserting the same ids wait for
   * each other instead of deadlocking). An order that already has a row keeps it: the ids of the rows
   * actually inserted are returned, so the caller can tell that another transaction got there first.
   */
  async insertMany(tx: PoolClient, rows: readonly NewReservation[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const sorted = [...rows].sort((a, b) => (a.order_id < b.order_id ? -1 : a.order_id > b.order_id ? 1 : 0));
    const result = await tx.query<{ order_id: string }>(
      `INSERT INTO ${this.table} (order_id, reservation_id, status, currency, total_cents, lines, reason,
         rejected_lines, placed_event_id, content_hash, correlation_id, finished_event_id)
       SELECT order_id, reservation_id, status, currency, total_cents, lines, reason, rejected_lines,
         placed_event_id, content_hash, correlation_id, finished_event_id
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::jsonb[],
         $7::text[], $8::jsonb[], $9::text[], $10::text[], $11::text[], $12::text[])
         WITH ORDINALITY AS r(order_id, reservation_id, status, currency, total_cents, lines, reason,
           rejected_lines, placed_event_id, content_hash, correlation_id, finished_event_id, n)
       ORDER BY n
       ON CONFLICT (order_id) DO NOTHING
       RETURNING order_id`,
      [
        sorted.map((r) => r.order_id),
        sorted.map((r) => r.reservation_id),
        sorted.map((r) => r.status),
        sorted.map((r) => r.currency),
        sorted.map((r) => r.total_cents),
        sorted.map((r) => JSON.stringify(r.lines)),
        sorted.map((r) => r.reason),
        sorted.map((r) => (r.rejected_lines === null ? null : JSON.stringify(r.rejected_lines))),
        sorted.map((r) => r.placed_event_id),
        sorted.map((r) => r.content_hash),
        sorted.map((r) => r.correlation_id),
        sorted.map((r) => r.finished_event_id ?? null),
      ],
    );
    return new Set(result.rows.map((row) => row.order_id));
  }

  /**
   * Moves RESERVED reservations to their final status, one statement; at most one entry per order.
   * Returns the order ids actually moved: one that was not RESERVED any more is left out.
   */
  async settleMany(
    tx: PoolClient,
    settlements: readonly { order_id: string; status: ReservationStatus; finished_event_id: string }[],
  ): Promise<Set<string>> {
    if (settlements.length === 0) return new Set();
    const result = await tx.query<{ order_id: string }>(
      `UPDATE ${this.table} AS r SET status = u.status, finished_event_id = u.finished_event_id,
         updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u(order_id, status, finished_event_id)
       WHERE r.order_id = u.order_id AND r.status = 'RESERVED'
       RETURNING r.order_id`,
      [
        settlements.map((s) => s.order_id),
        settlements.map((s) => s.status),
        settlements.map((s) => s.finished_event_id),
      ],
    );
    return new Set(result.rows.map((row) => row.order_id));
  }
}
