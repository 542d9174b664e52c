import type { Pool, PoolClient } from 'pg';
import { quoteIdent } from '@orderflow/runtime';
import type { SkuQuantity, StockLevel } from '../domain/reservation';

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

/** Plain SQL over `<schema>.stock`. Writes expect the caller's transaction to hold `lockStockWrites`. */
export class StockRepository {
  private readonly table: string;

  constructor(schema: string) {
    this.table = `${quoteIdent(schema)}.stock`;
  }

  /**
   * Locks the rows of `skus` in one fixed order (SKU byte order: the column's collation is "C") and returns their levels; SKUs
   * without a row are simply absent.
   */
  async lockLevels(tx: PoolClient, skus: string[]): Promise<Map<string, StockLevel>> {
    const { rows } = await tx.query<{ sku: string; on_hand: number; reserved: number }>(
      `SELECT sku, on_hand, reserved FROM ${this.table}
       WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`,
      [skus],
    );
    return new Map(rows.map((row) => [row.sku, { on_hand: row.on_hand, reserved: row.reserved }]));
  }

  /** reserved += qty for every SKU, one statement. */
  async reserve(tx: PoolClient, quantities: SkuQuantity[]): Promise<void> {
    await this.apply(tx, quantities, 'reserved = s.reserved + q.qty');
  }

  /** The reserved units leave: reserved -= qty, on_hand -= qty, sold += qty. */
  async commit(tx: PoolClient, quantities: SkuQuantity[]): Promise<void> {
    await this.apply(
      tx,
      quantities,
      'reserved = s.reserved - q.qty, on_hand = s.on_hand - q.qty, sold = s.sold + q.qty',
    );
  }

  /** The reserved units become available again: reserved -= qty. */
  async release(tx: PoolClient, quantities: SkuQuantity[]): Promise<void> {
    await this.apply(tx, quantities, 'reserved = s.reserved - q.qty');
  }

  private async apply(tx: PoolClient, quantities: SkuQuantity[], set: string): Promise<void> {
    if (quantities.length === 0) return;
    const result = await tx.query(
      `UPDATE ${this.table} AS s SET ${set}, updated_at = now()
       FROM unnest($1::text[], $2::int[]) AS q(sku, qty)
       WHERE s.sku = q.sku`,
      [quantities.map((q) => q.sku), quantities.map((q) => q.qty)],
    );
    if (result.rowCount !== quantities.length) {
      // Rows are never deleted, and they were locked just before: this is a bug, not a bad message.
      throw new Error(`stock update touched ${result.rowCount} of ${quantities.length} SKUs`);
    }
  }

  /** Locks one SKU's row (if any) and returns how many units are reserved on it. */
  async lockReserved(tx: PoolClient, sku: string): Promise<number> {
    const { rows } = await tx.query<{ reserved: number }>(
      `SELECT reserved FROM ${this.table} WHERE sku = $1 FOR UPDATE`,
      [sku],
    );
    return rows[0]?.reserved ?? 0;
  }

  /**
   * Sets a SKU's on-hand count, name and (when given) price. A null price keeps the one already known:
   * a stock count without prices should not erase them.
   */
  async upsertLevel(
    tx: PoolClient,
    level: {
      sku: string;
      product_name: string;
      on_hand: number;
      unit_price_cents: number | null;
      currency: string | null;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.table} AS s (sku, product_name, on_hand, unit_price_cents, currency)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (sku) DO UPDATE SET
         product_name = EXCLUDED.product_name,
         on_hand = EXCLUDED.on_hand,
         unit_price_cents = COALESCE(EXCLUDED.unit_price_cents, s.unit_price_cents),
         currency = CASE WHEN EXCLUDED.unit_price_cents IS NULL THEN s.currency ELSE EXCLUDED.currency END,
         updated_at = now()`,
      [level.sku, level.product_name, level.on_hand, level.unit_price_cents, level.currency],
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
