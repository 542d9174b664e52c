import { z } from 'zod';
import type { ListPosition } from '../db/order.repository';

const cursorShape = z.object({ placed_at: z.iso.datetime(), order_id: z.string().min(1) });

/** Opaque to clients: where the next page of the newest-first listing starts. */
export function encodeCursor(position: ListPosition): string {
  const body = { placed_at: position.placedAt.toISOString(), order_id: position.orderId };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** The position a cursor stands for, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): ListPosition | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = cursorShape.safeParse(body);
  if (!parsed.success) return undefined;
  return { placedAt: new Date(parsed.data.placed_at), orderId: parsed.data.order_id };
}
