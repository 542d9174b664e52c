import type { Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { AppError, parseParams, parseQuery } from '@orderflow/runtime';
import type { ReservationRepository, ReservationRow } from '../db/reservation.repository';
import type { StockRepository, StockRow } from '../db/stock.repository';
import { available, MAX_UNITS } from '../domain/reservation';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** Cursors are opaque to clients: the last SKU of a page, base64url-encoded. */
export function encodeCursor(sku: string): string {
  return Buffer.from(sku, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string | undefined {
  const sku = Buffer.from(cursor, 'base64url').toString('utf8');
  // Buffer decoding never throws; a cursor we did not make does not survive the round trip.
  return sku !== '' && encodeCursor(sku) === cursor ? sku : undefined;
}

export const skuParams = z.object({ sku: z.string().min(1).max(200) });
export const orderParams = z.object({ order_id: z.string().min(1).max(200) });

export const stockQuery = z.strictObject({
  below: z.coerce.number().int().min(0).max(MAX_UNITS).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z
    .string()
    .transform((cursor, ctx) => {
      const sku = decodeCursor(cursor);
      if (sku === undefined) {
        ctx.issues.push({ code: 'custom', message: 'not a cursor from a previous page', input: cursor });
        return z.NEVER;
      }
      return sku;
    })
    .optional(),
});

export function stockView(row: StockRow) {
  return {
    sku: row.sku,
    product_name: row.product_name,
    on_hand: row.on_hand,
    reserved: row.reserved,
    available: available(row),
    sold: row.sold,
    unit_price_cents: row.unit_price_cents,
    currency: row.currency,
  };
}

export function reservationView(row: ReservationRow) {
  return {
    order_id: row.order_id,
    reservation_id: row.reservation_id,
    status: row.status,
    currency: row.currency,
    total_cents: row.total_cents,
    lines: row.lines,
    reason: row.reason,
    rejected_lines: row.rejected_lines,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function inventoryRoutes(
  router: Router,
  deps: { pool: Pool; stock: StockRepository; reservations: ReservationRepository },
): void {
  router.get('/stock', async (req, res) => {
    const query = parseQuery(stockQuery, req);
    const rows = await deps.stock.list(deps.pool, {
      below: query.below,
      after: query.cursor,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    res.json({
      items: page.map(stockView),
      next_cursor: rows.length > query.limit && last ? encodeCursor(last.sku) : null,
    });
  });

  router.get('/stock/:sku', async (req, res) => {
    const { sku } = parseParams(skuParams, req);
    const row = await deps.stock.find(deps.pool, sku);
    if (!row) {
      throw new AppError({
        code: 'INVENTORY.SKU_NOT_FOUND',
        httpStatus: 404,
        message: `No stock for SKU ${sku}.`,
      });
    }
    res.json(stockView(row));
  });

  router.get('/reservations/:order_id', async (req, res) => {
    const { order_id: orderId } = parseParams(orderParams, req);
    const row = await deps.reservations.find(deps.pool, orderId);
    if (!row) {
      throw new AppError({
        code: 'INVENTORY.RESERVATION_NOT_FOUND',
        httpStatus: 404,
        message: `No reservation for order ${orderId}.`,
      });
    }
    res.json(reservationView(row));
  });
}
