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

/** Plain SQL over `<schema>.reservations`. Writes expect the caller's transaction to hold `lockStockWrites`. */
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

  async findForUpdate(tx: PoolClient, orderId: string): Promise<ReservationRow | undefined> {
    const { rows } = await tx.query<RawReservationRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE order_id = $1 FOR UPDATE`,
      [orderId],
    );
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  async insert(tx: PoolClient, row: NewReservation): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.table} (order_id, reservation_id, status, currency, total_cents, lines, reason,
         rejected_lines, placed_event_id, content_hash, correlation_id, finished_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        row.order_id,
        row.reservation_id,
        row.status,
        row.currency,
        row.total_cents,
        JSON.stringify(row.lines),
        row.reason,
        row.rejected_lines === null ? null : JSON.stringify(row.rejected_lines),
        row.placed_event_id,
        row.content_hash,
        row.correlation_id,
        row.finished_event_id ?? null,
      ],
    );
  }

  /** Moves a RESERVED reservation to its final status. */
  async settle(
    tx: PoolClient,
    orderId: string,
    status: ReservationStatus,
    finishedEventId: string,
  ): Promise<void> {
    const result = await tx.query(
      `UPDATE ${this.table} SET status = $2, finished_event_id = $3, updated_at = now()
       WHERE order_id = $1 AND status = 'RESERVED'`,
      [orderId, status, finishedEventId],
    );
    if (result.rowCount !== 1) throw new Error(`reservation of ${orderId} was not RESERVED any more`);
  }
}
