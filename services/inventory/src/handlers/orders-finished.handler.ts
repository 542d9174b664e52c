import type { OrdersFinished } from '@orderflow/contracts';
import { batchEventHandler, type TopicHandler } from '@orderflow/runtime';
import {
  actionOnFinish,
  quantitiesBySku,
  settlementDeltas,
  statusAfter,
  type PricedLine,
  type ReservationStatus,
  type SkuQuantity,
} from '../domain/reservation';
import type { NewReservation } from '../db/reservation.repository';
import { reservationRace } from './batch-handler';
import type { HandlerDeps } from './handler-deps';
import { reservationIdFor } from './orders-placed.handler';

/**
 * orders.finished -> PAID commits the order's reservation to sold, FAILED releases it.
 *
 * Per batch: the reservations are read, the outcomes decided in memory in offset order, every stock row
 * they touch locked once in SKU order (as orders.placed does, so batches never deadlock), then one
 * statement each writes the recorded outcomes, the settled reservations and the stock. A reservation that
 * changed meanwhile (inserted or settled by another transaction) rolls the batch back for a retry.
 */
export function ordersFinishedHandler(deps: HandlerDeps): TopicHandler<OrdersFinished> {
  return batchEventHandler<OrdersFinished>(
    'orders.finished',
    (buffer) => deps.serde.decode('orders.finished', buffer),
    async (ctx, events, logFor) => {
      const stored = await deps.reservations.findMany(ctx.tx, [
        ...new Set(events.map((e) => e.value.order_id)),
      ]);
      // The status each order has after the events before it in this batch.
      const current = new Map<string, { status: ReservationStatus; lines: PricedLine[] }>(
        [...stored].map(([orderId, row]) => [orderId, { status: row.status, lines: row.lines }]),
      );
      const settlements: {
        order_id: string;
        finished_event_id: string;
        action: 'COMMIT' | 'RELEASE';
        status: ReservationStatus;
        quantities: SkuQuantity[];
      }[] = [];
      const recorded: NewReservation[] = [];
      const notes: (() => void)[] = [];

      for (const event of events) {
        const finished = event.value;
        const log = logFor(event);
        const reservation = current.get(finished.order_id);
        const { action, conflict } = actionOnFinish(reservation?.status, finished.status);

        if ((action === 'COMMIT' || action === 'RELEASE') && reservation) {
          const quantities = quantitiesBySku(reservation.lines);
          const status = statusAfter(action);
          settlements.push({
            order_id: finished.order_id,
            finished_event_id: finished.event_id,
            action,
            status,
            quantities,
          });
          current.set(finished.order_id, { ...reservation, status });
          notes.push(() =>
            log.info({ outcome: finished.status, status, units: quantities }, 'reservation settled'),
          );
          continue;
        }

        if (action === 'RECORD_OUTCOME') {
          const status = finished.status === 'PAID' ? 'COMMITTED' : 'RELEASED';
          recorded.push({
            order_id: finished.order_id,
            reservation_id: reservationIdFor(finished.order_id),
            status,
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
          current.set(finished.order_id, { status, lines: [] });
          notes.push(() =>
            log.warn(
              { outcome: finished.status },
              'order finished before its orders.placed reached the inventory; recorded so it is never reserved',
            ),
          );
          continue;
        }

        const details = { outcome: finished.status, status: reservation?.status };
        notes.push(() => {
          if (conflict)
            log.warn(details, 'order outcome contradicts its settled reservation; left unchanged');
          else log.info(details, 'nothing to settle');
        });
      }

      const deltas = settlementDeltas(settlements);
      // Lock order: stock rows (all at once, sorted), then new reservation rows (sorted by order id), then
      // updates of existing ones - after which this transaction waits for nothing, so it closes no cycle.
      await deps.stock.lockLevels(
        ctx.tx,
        deltas.map((d) => d.sku),
      );
      const inserted = await deps.reservations.insertMany(ctx.tx, recorded);
      if (inserted.size !== recorded.length) {
        throw reservationRace(recorded.map((r) => r.order_id).filter((id) => !inserted.has(id)));
      }
      const settled = await deps.reservations.settleMany(ctx.tx, settlements);
      if (settled.size !== settlements.length) {
        throw reservationRace(settlements.map((s) => s.order_id).filter((id) => !settled.has(id)));
      }
      await deps.stock.applyDeltas(ctx.tx, deltas);

      for (const note of notes) note();
    },
  );
}
