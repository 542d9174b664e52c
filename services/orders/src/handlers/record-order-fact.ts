import type { EventSerde } from '@orderflow/contracts';
import type { HandlerContext } from '@orderflow/runtime';
import type { ConflictRecord, OrderRepository, StoredOrder } from '../db/order.repository';
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
 * What every consumed topic does with its event: record it as a fact of the order, derive the order's
 * state from all its facts, save that, and when the order has just become final queue its one
 * orders.finished. The order row is locked first, so facts of one order arriving on several topics at
 * once are applied one after another.
 */
export async function recordOrderFact(
  ctx: HandlerContext,
  deps: OrderFactDeps,
  incoming: IncomingFact,
): Promise<void> {
  const { tx, log } = ctx;
  const { orderId, fact } = incoming;
  const order = await deps.orders.lockOrCreate(tx, orderId);
  const facts = (await deps.orders.appendFact(tx, orderId, fact)).map((recorded) => recorded.fact);
  const before = deriveOrderState(facts.slice(0, -1));
  const state = deriveOrderState(facts);
  const disposition = state.dispositions.at(-1)!;

  // A fact can also turn an earlier one into a conflict (a rejection arriving after an early payment).
  const conflicts: ConflictRecord[] = [];
  state.dispositions.forEach((d, index) => {
    if (d.outcome !== 'conflict' || before.dispositions[index]?.outcome === 'conflict') return;
    const conflicting = facts[index]!;
    conflicts.push({
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
      { conflictingEventId: d.eventId, conflict: d.conflict, ...hashes, detail: d.note },
      'conflicting fact refused; the order keeps what it had',
    );
  });
  await deps.orders.recordConflicts(tx, orderId, conflicts);
  if (disposition.outcome === 'duplicate') log.info({ detail: disposition.note }, 'duplicate fact recorded');

  if (order.finishedAt) {
    // Final orders never change; the derivation guarantees it, this only watches that it does.
    if (!sameOutcome(order, state)) {
      log.error(
        { stored: order.status, derived: state.status, derivedReason: state.reason },
        'derived state disagrees with the final order; the final order is kept',
      );
    }
    return;
  }

  const newlyPlaced = !order.placed && state.placedBy === fact.eventId ? incoming.placed : undefined;
  const placed = order.placed ?? newlyPlaced;
  // Only a placed order can finish: orders.finished carries the customer and the lines.
  const finished = placed && isFinal(state.status) ? finishedEvent(placed, state, Date.now()) : undefined;
  if (!newlyPlaced && !finished && sameOutcome(order, state)) return;

  const message = finished ? await deps.serde.message('orders.finished', finished) : undefined;
  const updated = await deps.orders.update(tx, orderId, {
    state,
    ...(newlyPlaced ? { placed: newlyPlaced } : {}),
    ...(finished ? { finished: { at: new Date(finished.finished_at), eventId: finished.event_id } } : {}),
  });
  if (!updated) throw new Error(`order ${orderId} was finished while this transaction held its lock`);
  if (message && finished) {
    ctx.publish(message);
    await deps.orders.notifyFinal(tx, deps.finalChannel, orderId);
    log.info(
      { status: finished.status, reason: finished.reason, decidedBy: finished.causation_id },
      'order finished',
    );
  } else {
    log.debug({ status: state.status }, 'order updated');
  }
}
