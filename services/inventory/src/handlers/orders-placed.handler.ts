import { eventIdFrom, type OrdersPlaced } from '@orderflow/contracts';
import { eventHandler, poison, type TopicHandler } from '@orderflow/runtime';
import { decideReservation, orderProblems, priceOrder, quantitiesBySku } from '../domain/reservation';
import { lockStockWrites } from '../db/stock-write-lock';
import type { HandlerDeps } from './handler-deps';

/** Stable per order, so a replay (or GET /reservations) names the same reservation. */
export function reservationIdFor(orderId: string): string {
  return eventIdFrom('inventory.reservation', orderId);
}

/**
 * orders.placed -> reserve every line or none, then emit inventory.reserved or inventory.rejected.
 * Event ids depend only on the order id: an order gets one answer, whichever instance computes it.
 */
export function ordersPlacedHandler(deps: HandlerDeps): TopicHandler<OrdersPlaced> {
  return eventHandler(
    'orders.placed',
    (buffer) => deps.serde.decode('orders.placed', buffer),
    async (ctx, { value: order }) => {
      const problems = orderProblems(order.lines);
      if (problems.length > 0) {
        throw poison('INVENTORY.INVALID_ORDER', `order ${order.order_id}: ${problems.join('; ')}`, {
          problems,
        });
      }
      await lockStockWrites(ctx.tx, deps.schema);
      const existing = await deps.reservations.find(ctx.tx, order.order_id);
      if (existing) {
        // A re-import under a known order id (new event id): the first version stands, as in the orders service.
        ctx.log.warn(
          {
            status: existing.status,
            firstEventId: existing.placed_event_id,
            sameContent: existing.content_hash === order.content_hash,
          },
          'order already reached the inventory; keeping the first version',
        );
        return;
      }

      const quantities = quantitiesBySku(order.lines);
      const levels = await deps.stock.lockLevels(
        ctx.tx,
        quantities.map((q) => q.sku),
      );
      const decision = decideReservation(order.lines, levels);
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
        await deps.stock.reserve(ctx.tx, decision.quantities);
        await deps.reservations.insert(ctx.tx, {
          ...record,
          status: 'RESERVED',
          total_cents: decision.total_cents,
          lines: decision.lines,
          reason: null,
          rejected_lines: null,
        });
        ctx.publish(
          await deps.serde.message('inventory.reserved', {
            ...envelope,
            event_id: eventIdFrom('inventory.reserved', order.order_id),
            reservation_id: reservationId,
            currency: order.currency,
            lines: decision.lines,
            total_cents: decision.total_cents,
          }),
        );
        ctx.log.info(
          { reservationId, units: decision.quantities, totalCents: decision.total_cents },
          'order reserved',
        );
        return;
      }

      const priced = priceOrder(order.lines);
      await deps.reservations.insert(ctx.tx, {
        ...record,
        status: 'REJECTED',
        total_cents: priced.total_cents,
        lines: priced.lines,
        reason: decision.reason,
        rejected_lines: decision.lines,
      });
      ctx.publish(
        await deps.serde.message('inventory.rejected', {
          ...envelope,
          event_id: eventIdFrom('inventory.rejected', order.order_id),
          reason: decision.reason,
          lines: decision.lines,
        }),
      );
      ctx.log.info({ reason: decision.reason, lines: decision.lines }, 'order rejected');
    },
  );
}
