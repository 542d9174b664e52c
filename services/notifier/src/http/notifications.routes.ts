import type { Router } from 'express';
import { z } from 'zod';
import { AppError, parseParams, parseQuery, requireBearer, type Pool } from '@orderflow/runtime';
import type { NotificationRepository } from '../db/notification.repository';
import { CHANNEL_NAMES, NOTIFICATION_STATUSES } from '../domain/notification';
import { decodeCursor, encodeCursor } from './list-cursor';
import { notificationDetailView, notificationView } from './notification.view';

export interface NotificationsRoutesDeps {
  pool: Pool;
  repo: NotificationRepository;
  apiToken: string;
  /** Tells the delivery worker that something is due now. */
  wakeDelivery: () => void;
}

export const idParams = z.object({ id: z.string().min(1).max(200) });

export const listQuery = z.object({
  order_id: z.string().min(1).max(200).optional(),
  customer_id: z.string().min(1).max(200).optional(),
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  channel: z.enum(CHANNEL_NAMES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .transform((value, ctx) => {
      const seq = decodeCursor(value);
      if (seq !== undefined) return seq;
      ctx.issues.push({ code: 'custom', message: 'not a cursor this API returned', input: value });
      return z.NEVER;
    })
    .optional(),
});

function notFound(id: string): AppError {
  return new AppError({
    code: 'NOTIFIER.NOT_FOUND',
    httpStatus: 404,
    message: `No notification ${id} is known.`,
  });
}

export function notificationsRoutes(router: Router, deps: NotificationsRoutesDeps): void {
  /** Newest first, filtered, with keyset pagination (`next_cursor` is null on the last page). */
  router.get('/notifications', async (req, res) => {
    const query = parseQuery(listQuery, req);
    // One more than asked for tells whether there is a next page.
    const rows = await deps.repo.list(deps.pool, {
      orderId: query.order_id,
      customerId: query.customer_id,
      status: query.status,
      channel: query.channel,
      beforeSeq: query.cursor,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    res.json({
      items: page.map(notificationView),
      next_cursor: rows.length > query.limit && last ? encodeCursor(last.seq) : null,
    });
  });

  router.get('/notifications/:id', async (req, res) => {
    const { id } = parseParams(idParams, req);
    const notification = await deps.repo.find(deps.pool, id);
    if (!notification) throw notFound(id);
    res.json(notificationDetailView(notification, await deps.repo.attemptsOf(deps.pool, id)));
  });

  /** A FAILED notification goes back to PENDING with a fresh budget of attempts; 202, delivery follows. */
  router.post('/notifications/:id/retry', requireBearer(deps.apiToken), async (req, res) => {
    const { id } = parseParams(idParams, req);
    const result = await deps.repo.retry(deps.pool, id);
    if (result.outcome === 'not_found') throw notFound(id);
    if (result.outcome === 'not_failed') {
      throw new AppError({
        code: 'NOTIFIER.NOT_FAILED',
        httpStatus: 409,
        message: `Notification ${id} is ${result.status}; only a FAILED one can be retried.`,
        details: { status: result.status },
      });
    }
    deps.wakeDelivery();
    req.log.info({ notificationId: id, channel: result.notification.channel }, 'notification queued again');
    res.status(202).json(notificationView(result.notification));
  });
}
