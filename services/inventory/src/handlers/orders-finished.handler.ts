import type { OrdersFinished } from '@orderflow/contracts';
import { eventHandler, type TopicHandler } from '@orderflow/runtime';
import { actionOnFinish, quantitiesBySku, statusAfter } from '../domain/reservation';
import { lockStockWrites } from '../db/stock-write-lock';
import type { HandlerDeps } from './handler-deps';
import { reservationIdFor } from './orders-placed.handler';

/** orders.finished -> PAID commits the order's reservation to sold, FAILED releases it. */
export function ordersFinishedHandler(deps: HandlerDeps): TopicHandler<OrdersFinished> {
  return eventHandler(
    'orders.finished',
    (buffer) => deps.serde.decode('orders.finished', buffer),
    async (ctx, { value: finished }) => {
      await lockStockWrites(ctx.tx, deps.schema);
      const reservation = await deps.reservations.findForUpdate(ctx.tx, finished.order_id);
      const { action, conflict } = actionOnFinish(reservation?.status, finished.status);

      if ((action === 'COMMIT' || action === 'RELEASE') && reservation) {
        const quantities = quantitiesBySku(reservation.lines);
        // Same fixed order as a reservation takes them in.
        await deps.stock.lockLevels(
          ctx.tx,
          quantities.map((q) => q.sku),
        );
        if (action === 'COMMIT') await deps.stock.commit(ctx.tx, quantities);
        else await deps.stock.release(ctx.tx, quantities);
        const status = statusAfter(action);
        await deps.reservations.settle(ctx.tx, finished.order_id, status, finished.event_id);
        ctx.log.info({ outcome: finished.status, status, units: quantities }, 'reservation settled');
        return;
      }

      if (action === 'RECORD_OUTCOME') {
        await deps.reservations.insert(ctx.tx, {
          order_id: finished.order_id,
          reservation_id: reservationIdFor(finished.order_id),
          status: finished.status === 'PAID' ? 'COMMITTED' : 'RELEASED',
          currency: finished.currency,
          total_cents: 0,
          lines: [],
          reason: 'FINISHED_BEFORE_PLACED',
          rejected_lines: null,
          placed_event_id: null,
          content_hash: null,
          correlation_id: finished.correlation_id,
          finished_event_id: finished.event_id,
        });
        ctx.log.warn(
          { outcome: finished.status },
          'order finished before its orders.placed reached the inventory; recorded so it is never reserved',
        );
        return;
      }

      const details = { outcome: finished.status, status: reservation?.status };
      if (conflict)
        ctx.log.warn(details, 'order outcome contradicts its settled reservation; left unchanged');
      else ctx.log.info(details, 'nothing to settle');
    },
  );
}
