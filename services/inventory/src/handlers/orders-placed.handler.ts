import { eventIdFrom, type OrdersPlaced } from '@orderflow/contracts';
import { poison, type ConsumedEvent, type TopicHandler, batchEventHandler } from '@orderflow/runtime';
import type { OutboxMessage } from '@orderflow/runtime';
import { decideInSequence, orderProblems, priceOrder } from '../domain/reservation';
import type { NewReservation } from '../db/reservation.repository';
import { reservationRace, type EventLog } from './batch-handler';
import type { HandlerDeps } from './handler-deps';

/** Stable per order, so a replay (or GET /reservations) names the same reservation. */
export function reservationIdFor(orderId: string): string {
  return eventIdFrom('inventory.reservation', orderId);
}

/**
 * orders.placed -> reserve every line or none, then emit inventory.reserved or inventory.rejected.
 * Event ids depend only on the order id: an order gets one answer, whichever instance computes it.
 *
 * A batch is decided as a whole: every stock row it touches is locked once, in SKU order (the same order
 * every other batch, on any instance, locks in: no deadlock, no global lock), the orders are decided in
 * memory in offset order (each sees what the earlier ones reserved), and the results are written with one
 * statement per table.
 */
export function ordersPlacedHandler(deps: HandlerDeps): TopicHandler<OrdersPlaced> {
  return batchEventHandler<OrdersPlaced>(
    'orders.placed',
    (buffer) => deps.serde.decode('orders.placed', buffer),
    async (ctx, events, logFor) => {
      for (const { value: order } of events) {
        const problems = orderProblems(order.lines);
        if (problems.length > 0) {
          throw poison('INVENTORY.INVALID_ORDER', `order ${order.order_id}: ${problems.join('; ')}`, {
            problems,
          });
        }
      }

      // A re-import under a known order id (new event id): the first version stands, as in the orders
      // service - whether the first is already stored or earlier in this batch.
      const stored = await deps.reservations.findMany(ctx.tx, [
        ...new Set(events.map((e) => e.value.order_id)),
      ]);
      const fresh: ConsumedEvent<OrdersPlaced>[] = [];
      const firstInBatch = new Map<string, OrdersPlaced>();
      const repeats: {
        event: ConsumedEvent<OrdersPlaced>;
        first: { eventId: string | null; hash: string | null };
      }[] = [];
      for (const event of events) {
        const order = event.value;
        const known = stored.get(order.order_id);
        const earlier = firstInBatch.get(order.order_id);
        if (known || earlier) {
          const first = known
            ? { eventId: known.placed_event_id, hash: known.content_hash }
            : { eventId: earlier!.event_id, hash: earlier!.content_hash };
          repeats.push({ event, first });
          continue;
        }
        firstInBatch.set(order.order_id, order);
        fresh.push(event);
      }

      const skus = new Set(fresh.flatMap((e) => e.value.lines.map((line) => line.sku)));
      const levels = await deps.stock.lockLevels(ctx.tx, [...skus]);
      const { decisions, reserved } = decideInSequence(
        fresh.map((e) => e.value.lines),
        levels,
      );

      const rows: NewReservation[] = [];
      const outgoing: Promise<OutboxMessage>[] = [];
      const notes: (() => void)[] = [];
      fresh.forEach((event, index) => {
        const order = event.value;
        const decision = decisions[index]!;
        const log = logFor(event);
        const reservationId = reservationIdFor(order.order_id);
        const envelope = {
          occurred_at: Date.now(),
          order_id: order.order_id,
          correlation_id: order.correlation_id,
          causation_id: order.event_id,
        };
        const record = {
          order_id: order.order_id,
          reservation_id: reservationId,
          currency: order.currency,
          placed_event_id: order.event_id,
          content_hash: order.content_hash,
          correlation_id: order.correlation_id,
        };
        if (decision.outcome === 'RESERVED') {
          rows.push({
            ...record,
            status: 'RESERVED',
            total_cents: decision.total_cents,
            lines: decision.lines,
            reason: null,
            rejected_lines: null,
          });
          outgoing.push(
            deps.serde.message('inventory.reserved', {
              ...envelope,
              event_id: eventIdFrom('inventory.reserved', order.order_id),
              reservation_id: reservationId,
              currency: order.currency,
              lines: decision.lines,
              total_cents: decision.total_cents,
            }),
          );
          notes.push(() =>
            log.info(
              { reservationId, units: decision.quantities, totalCents: decision.total_cents },
              'order reserved',
            ),
          );
          return;
        }
        const priced = priceOrder(order.lines);
        rows.push({
          ...record,
          status: 'REJECTED',
          total_cents: priced.total_cents,
          lines: priced.lines,
          reason: decision.reason,
          rejected_lines: decision.lines,
        });
        outgoing.push(
          deps.serde.message('inventory.rejected', {
            ...envelope,
            event_id: eventIdFrom('inventory.rejected', order.order_id),
            reason: decision.reason,
            lines: decision.lines,
          }),
        );
        notes.push(() => log.info({ reason: decision.reason, lines: decision.lines }, 'order rejected'));
      });

      const inserted = await deps.reservations.insertMany(ctx.tx, rows);
      if (inserted.size !== rows.length) {
        throw reservationRace(rows.map((r) => r.order_id).filter((id) => !inserted.has(id)));
      }
      await deps.stock.applyDeltas(
        ctx.tx,
        reserved.map(({ sku, qty }) => ({ sku, on_hand: 0, reserved: qty, sold: 0 })),
      );
      for (const message of await Promise.all(outgoing)) ctx.publish(message);

      for (const note of notes) note();
      for (const { event, first } of repeats) logRepeat(logFor(event), event.value, first, stored);
    },
  );
}

function logRepeat(
  log: EventLog,
  order: OrdersPlaced,
  first: { eventId: string | null; hash: string | null },
  stored: ReadonlyMap<string, { status: string }>,
): void {
  log.warn(
    {
      status: stored.get(order.order_id)?.status ?? 'decided earlier in this batch',
      firstEventId: first.eventId,
      sameContent: first.hash === order.content_hash,
    },
    'order already reached the inventory; keeping the first version',
  );
}
