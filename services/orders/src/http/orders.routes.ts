import type { Response, Router } from 'express';
import { z } from 'zod';
import { AppError, parseParams, parseQuery, type Pool } from '@orderflow/runtime';
import type { OrderDetails, OrderRepository } from '../db/order.repository';
import { decodeCursor, encodeCursor } from './list-cursor';
import { orderSummaryView, orderView } from './order.view';
import type { OrderWaiters } from './order-waiters';

export interface OrdersRoutesDeps {
  pool: Pool;
  orders: OrderRepository;
  waiters: OrderWaiters;
}

export const MAX_WAIT_MS = 30_000;
export const DEFAULT_WAIT_MS = 10_000;

export const orderParams = z.object({ id: z.string().min(1).max(200) });

export const orderQuery = z.object({
  wait: z.literal('final').optional(),
  timeout_ms: z.coerce.number().int().min(0).max(MAX_WAIT_MS).default(DEFAULT_WAIT_MS),
});

export const listQuery = z.object({
  // PENDING orders (not placed yet) are not listed, so they are not a filter either.
  status: z.enum(['PLACED', 'RESERVED', 'PAID', 'FAILED']).optional(),
  customer_id: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .transform((value, ctx) => {
      const position = decodeCursor(value);
      if (position) return position;
      ctx.issues.push({ code: 'custom', message: 'not a cursor this API returned', input: value });
      return z.NEVER;
    })
    .optional(),
});

function notFound(orderId: string): AppError {
  return new AppError({
    code: 'ORDERS.NOT_FOUND',
    httpStatus: 404,
    message: `No order ${orderId} is known.`,
  });
}

/**
 * Reads the order until it is final, the time is up or the client hangs up. The waiter is registered
 * before each read, so an announcement landing between the read and the wait is not missed.
 */
async function readWhenFinal(
  deps: OrdersRoutesDeps,
  orderId: string,
  timeoutMs: number,
  res: Response,
): Promise<{ order: OrderDetails | undefined; clientGone: boolean }> {
  const deadline = Date.now() + timeoutMs;
  const clientGone = new AbortController();
  const onClose = () => clientGone.abort();
  res.once('close', onClose);
  try {
    for (;;) {
      const wait = deps.waiters.wait(orderId, deadline - Date.now(), clientGone.signal);
      const order = await deps.orders.find(deps.pool, orderId);
      if (order?.finishedAt || Date.now() >= deadline || clientGone.signal.aborted) {
        wait.cancel();
        return { order, clientGone: clientGone.signal.aborted };
      }
      const outcome = await wait.done;
      if (outcome === 'aborted') return { order: undefined, clientGone: true };
      if (outcome === 'timeout')
        return { order: await deps.orders.find(deps.pool, orderId), clientGone: false };
    }
  } finally {
    res.off('close', onClose);
  }
}

export function ordersRoutes(router: Router, deps: OrdersRoutesDeps): void {
  /**
   * One order with its timeline. `?wait=final&timeout_ms=N` holds the request until the order is PAID
   * or FAILED (an order not known yet may still arrive meanwhile), for at most N ms (default 10 s,
   * max 30 s); when time runs out the current state is returned with 200 and the client looks at
   * `status`.
   */
  router.get('/orders/:id', async (req, res) => {
    const { id } = parseParams(orderParams, req);
    const query = parseQuery(orderQuery, req);
    let order: OrderDetails | undefined;
    if (query.wait === 'final') {
      const result = await readWhenFinal(deps, id, query.timeout_ms, res);
      if (result.clientGone) return;
      order = result.order;
    } else {
      order = await deps.orders.find(deps.pool, id);
    }
    // An order only heard of through other topics so far is not known as an order yet.
    if (!order?.placed) throw notFound(id);
    res.json(orderView(order, order.placed));
  });

  /** Placed orders, newest first (placed_at, then order id), filtered, with keyset pagination. */
  router.get('/orders', async (req, res) => {
    const query = parseQuery(listQuery, req);
    // One more than asked for tells whether there is a next page.
    const rows = await deps.orders.list(deps.pool, {
      status: query.status,
      customerId: query.customer_id,
      after: query.cursor,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    res.json({
      items: page.map(orderSummaryView),
      next_cursor:
        rows.length > query.limit && last
          ? encodeCursor({ placedAt: last.placedAt, orderId: last.orderId })
          : null,
    });
  });
}
