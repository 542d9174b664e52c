import type { Pool, PoolClient } from 'pg';
import { quoteIdent } from '@orderflow/runtime';
import type { StockDelta, StockLevel } from '../domain/reservation';

type Queryable = Pool | PoolClient;

export interface StockRow {
  sku: string;
  product_name: string;
  on_hand: number;
  reserved: number;
  sold: number;
  unit_price_cents: number | null;
  currency: string | null;
}

interface RawStockRow extends Omit<StockRow, 'unit_price_cents'> {
  unit_price_cents: string | null;
}

const COLUMNS = 'sku, product_name, on_hand, reserved, sold, unit_price_cents, currency';

function toRow(raw: RawStockRow): StockRow {
  // bigint comes back as text; stock prices are validated as safe integers on the way in.
  return { ...raw, unit_price_cents: raw.unit_price_cents === null ? null : Number(raw.unit_price_cents) };
}

/** Plain SQL over `<schema>.stock`. Writes expect the caller's transaction to hold the rows' locks (`lockLevels`). */
export class StockRepository {
  private readonly table: string;

  constructor(schema: string) {
    this.table = `${quoteIdent(schema)}.stock`;
  }

  /**
   * Locks the rows of `skus` in one fixed order (SKU byte order: the column's collation is "C") and returns
   * their levels; SKUs without a row are simply absent.
   *
   * This is what keeps two batches (on two instances, or two partitions of one) from deadlocking: each
   * batch locks every stock row it will touch in this one statement, before it writes anything, so no
   * batch ever waits for a row while holding one that sorts after it.
   */
  async lockLevels(tx: PoolClient, skus: readonly string[]): Promise<Map<string, StockLevel>> {
    if (skus.length === 0) return new Map();
    const { rows } = await tx.query<{ sku: string; on_hand: number; reserved: number }>(
      `SELECT sku, on_hand, reserved FROM ${this.table}
       WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`,
      [skus],
    );
    return new Map(rows.map((row) => [row.sku, { on_hand: row.on_hand, reserved: row.reserved }]));
  }

  /** Adds each delta to its SKU's row, one statement for the batch; at most one delta per SKU. */
  async applyDeltas(tx: PoolClient, deltas: readonly StockDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    const result = await tx.query(
      `UPDATE ${this.table} AS s
       SET on_hand = s.on_hand + d.on_hand, reserved = s.reserved + d.reserved, sold = s.sold + d.sold,
           updated_at = now()
       FROM unnest($1::text[], $2::int[], $3::int[], $4::int[]) AS d(sku, on_hand, reserved, sold)
       WHERE s.sku = d.sku`,
      [
        deltas.map((d) => d.sku),
        deltas.map((d) => d.on_hand),
        deltas.map((d) => d.reserved),
        deltas.map((d) => d.sold),
      ],
    );
    if (result.rowCount !== deltas.length) {
      // Rows are never deleted, and they were locked just before: this is a bug, not a bad message.
      throw new Error(`stock update touched ${result.rowCount} of ${deltas.length} SKUs`);
    }
  }

  /**
   * Locks the existing rows of `skus` in SKU order, as `lockLevels`, and returns how many units are
   * reserved on each; SKUs without a row are absent.
   */
  async lockReserved(tx: PoolClient, skus: readonly string[]): Promise<Map<string, number>> {
    const levels = await this.lockLevels(tx, skus);
    return new Map([...levels].map(([sku, level]) => [sku, level.reserved]));
  }

  /**
   * Sets each SKU's on-hand count, name and (when given) price, one statement for the batch; at most one
   * entry per SKU. A null price keeps the one already known: a stock count without prices should not
   * erase them.
   */
  async upsertLevels(
    tx: PoolClient,
    levels: readonly {
      sku: string;
      product_name: string;
      on_hand: number;
      unit_price_cents: number | null;
      currency: string | null;
    }[],
  ): Promise<void> {
    if (levels.length === 0) return;
    const sorted = [...levels].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
    await tx.query(
      `INSERT INTO ${this.table} AS s (sku, product_name, on_hand, unit_price_cents, currency)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::text[])
       ON CONFLICT (sku) DO UPDATE SET
         product_name = EXCLUDED.product_name,
         on_hand = EXCLUDED.on_hand,
         unit_price_cents = COALESCE(EXCLUDED.unit_price_cents, s.unit_price_cents),
         currency = CASE WHEN EXCLUDED.unit_price_cents IS NULL THEN s.currency ELSE EXCLUDED.currency END,
         updated_at = now()`,
      [
        sorted.map((l) => l.sku),
        sorted.map((l) => l.product_name),
        sorted.map((l) => l.on_hand),
        sorted.map((l) => l.unit_price_cents),
        sorted.map((l) => l.currency),
      ],
    );
  }

  async find(db: Queryable, sku: string): Promise<StockRow | undefined> {
    const { rows } = await db.query<RawStockRow>(`SELECT ${COLUMNS} FROM ${this.table} WHERE sku = $1`, [
      sku,
    ]);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** Keyset page in SKU (byte) order, optionally only SKUs with fewer than `below` units available. */
  async list(
    db: Queryable,
    options: { below?: number | undefined; after?: string | undefined; limit: number },
  ): Promise<StockRow[]> {
    const { rows } = await db.query<RawStockRow>(
      `SELECT ${COLUMNS} FROM ${this.table}
       WHERE ($1::int IS NULL OR on_hand - reserved < $1::int)
         AND ($2::text IS NULL OR sku > $2::text)
       ORDER BY sku
       LIMIT $3`,
      [options.below ?? null, options.after ?? null, options.limit],
    );
    return rows.map(toRow);
  }
}
