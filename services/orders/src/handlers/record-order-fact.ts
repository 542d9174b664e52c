import type { EventSerde, OrdersFinished, TopicName } from '@orderflow/contracts';
import { eventHandler, type HandlerContext, type TopicHandler } from '@orderflow/runtime';
import type { ConflictRecord, OrderRepository, OrderUpdate, StoredOrder } from '../db/order.repository';
import { finishedEvent } from '../domain/order-finished';
import { deriveOrderState, isFinal, type OrderFact, type OrderState } from '../domain/order-state';
import { FACT_SOURCES } from '../domain/order-timeline';
import type { PlacedOrder } from '../domain/placed-order';

export interface OrderFactDeps {
  orders: OrderRepository;
  serde: EventSerde;
  /** NOTIFY channel that announces final orders to the long-polling requests of every instance. */
  finalChannel: string;
}

export interface IncomingFact {
  orderId: string;
  fact: OrderFact;
  /** With an orders.placed fact: the order as placed. */
  placed?: PlacedOrder;
}

function sameOutcome(order: StoredOrder, state: OrderState): boolean {
  return (
    order.status === state.status &&
    order.reason === state.reason &&
    order.reasonDetail === state.reasonDetail &&
    order.paymentId === state.paymentId &&
    order.decidedBy === state.decidedBy
  );
}

/**
 * What every consumed topic does with its events, a batch at a time: record each as a fact of its order,
 * derive each touched order's state from all its facts, save the changed states, and queue one
 * orders.finished for each order that has just become final. The batch's orders are locked first, so
 * facts of one order arriving on several topics at once are applied one transaction after another.
 *
 * A batch is handled as if its facts came one by one in the given order (an order's new facts are judged
 * in receipt order), but with a fixed number of statements per batch whatever its size.
 */
export async function recordOrderFacts(
  ctx: HandlerContext,
  deps: OrderFactDeps,
  incoming: readonly IncomingFact[],
): Promise<void> {
  if (incoming.length === 0) return;
  const { tx, log } = ctx;
  const stored = await deps.orders.lockOrCreate(
    tx,
    incoming.map((i) => i.orderId),
  );
  const recordedByOrder = await deps.orders.appendFacts(tx, incoming);
  const newByOrder = new Map<string, IncomingFact[]>();
  for (const item of incoming) {
    const list = newByOrder.get(item.orderId);
    if (list) list.push(item);
    else newByOrder.set(item.orderId, [item]);
  }

  const conflicts: ConflictRecord[] = [];
  const updates: OrderUpdate[] = [];
  const finishing: { orderId: string; event: OrdersFinished }[] = [];
  for (const [orderId, news] of newByOrder) {
    const order = stored.get(orderId)!;
    const facts = recordedByOrder.get(orderId)!.map((recorded) => recorded.fact);
    const firstNew = facts.length - news.length;
    // Step through the new facts as if they had come one at a time: what each changed is what is logged.
    let before = deriveOrderState(facts.slice(0, firstNew));
    let state = before;
    for (let upTo = firstNew + 1; upTo <= facts.length; upTo++) {
      state = deriveOrderState(facts.slice(0, upTo));
      const disposition = state.dispositions.at(-1)!;
      // A fact can also turn an earlier one into a conflict (a rejection arriving after an early payment).
      state.dispositions.forEach((d, index) => {
        if (d.outcome !== 'conflict' || before.dispositions[index]?.outcome === 'conflict') return;
        const conflicting = facts[index]!;
        conflicts.push({
          orderId,
          eventId: d.eventId,
          topic: FACT_SOURCES[conflicting.kind].topic,
          kind: d.conflict!,
          detail: d.note ?? '',
        });
        const first = facts.find((f) => f.kind === 'placed');
        const hashes =
          conflicting.kind === 'placed' && first?.kind === 'placed'
            ? { firstContentHash: first.contentHash, contentHash: conflicting.contentHash }
            : {};
        log.warn(
          { orderId, conflictingEventId: d.eventId, conflict: d.conflict, ...hashes, detail: d.note },
          'conflicting fact refused; the order keeps what it had',
        );
      });
      if (disposition.outcome === 'duplicate') {
        log.info(
          { orderId, eventId: disposition.eventId, detail: disposition.note },
          'duplicate fact recorded',
        );
      }
      before = state;
    }

    if (order.finishedAt) {
      // Final orders never change; the derivation guarantees it, this only watches that it does.
      if (!sameOutcome(order, state)) {
        log.error(
          { orderId, stored: order.status, derived: state.status, derivedReason: state.reason },
          'derived state disagrees with the final order; the final order is kept',
        );
      }
      continue;
    }

    const newlyPlaced = order.placed
      ? undefined
      : news.find((item) => item.fact.eventId === state.placedBy)?.placed;
    const placed = order.placed ?? newlyPlaced;
    // Only a placed order can finish: orders.finished carries the customer and the lines.
    const finished = placed && isFinal(state.status) ? finishedEvent(placed, state, Date.now()) : undefined;
    if (!newlyPlaced && !finished && sameOutcome(order, state)) continue;
    updates.push({
      orderId,
      state,
      ...(newlyPlaced ? { placed: newlyPlaced } : {}),
      ...(finished ? { finished: { at: new Date(finished.finished_at), eventId: finished.event_id } } : {}),
    });
    if (finished) finishing.push({ orderId, event: finished });
  }

  await deps.orders.recordConflicts(tx, conflicts);
  const messages = await Promise.all(
    finishing.map(({ event }) => deps.serde.message('orders.finished', event)),
  );
  const updated = await deps.orders.update(tx, updates);
  const lost = updates.find((u) => !updated.has(u.orderId));
  if (lost) throw new Error(`order ${lost.orderId} was finished while this transaction held its lock`);
  messages.forEach((message) => ctx.publish(message));
  await deps.orders.notifyFinal(
    tx,
    deps.finalChannel,
    finishing.map((f) => f.orderId),
  );
  for (const { orderId, event } of finishing) {
    log.info(
      { orderId, status: event.status, reason: event.reason, decidedBy: event.causation_id },
      'order finished',
    );
  }
}

/**
 * The topic handler of an order-flow topic: each event becomes one fact (`toFact` throws `poison` for an
 * event that can never be used); a batch is recorded with `recordOrderFacts` in one go, and so is a single
 * event when the runner isolates a bad message.
 */
export function orderFactHandler<V extends { event_id: string; order_id: string }>(
  topic: TopicName,
  deps: OrderFactDeps,
  toFact: (event: V) => IncomingFact,
): TopicHandler<V> {
  const handler = eventHandler<V>(
    topic,
    (value) => deps.serde.decode(topic, value) as unknown as Promise<V>,
    (ctx, { value }) => recordOrderFacts(ctx, deps, [toFact(value)]),
  );
  return {
    ...handler,
    handleBatch: (ctx, events) =>
      recordOrderFacts(
        ctx,
        deps,
        events.map(({ value }) => toFact(value)),
      ),
  };
}
