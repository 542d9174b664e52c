import type { FailureReason } from '@orderflow/contracts';
import { deriveOrderState, type FactKind, type FactOutcome, type OrderFact } from './order-state';

/** The topic each kind of fact is consumed from, and the type it shows as in a timeline. */
export const FACT_SOURCES: Record<FactKind, { topic: string; type: string }> = {
  placed: { topic: 'orders.placed', type: 'ORDER_PLACED' },
  reserved: { topic: 'inventory.reserved', type: 'INVENTORY_RESERVED' },
  rejected: { topic: 'inventory.rejected', type: 'INVENTORY_REJECTED' },
  'payment-succeeded': { topic: 'payments.succeeded', type: 'PAYMENT_SUCCEEDED' },
  'payment-failed': { topic: 'payments.failed', type: 'PAYMENT_FAILED' },
};

export interface RecordedFact {
  fact: OrderFact;
  /** Receipt order among the order's facts. */
  seq: number;
  receivedAt: number;
}

export interface TimelineEntry {
  eventId: string;
  topic: string;
  type: string;
  occurredAt: number;
  /** Absent for the event this service emitted. */
  receivedAt?: number;
  outcome?: FactOutcome;
  note?: string;
}

export interface FinishedMark {
  eventId: string;
  finishedAt: number;
  status: 'PAID' | 'FAILED';
  reason: FailureReason | null;
}

/**
 * Every event that touched the order, the orders.finished it emitted included, by when it happened and
 * then by when it was received; each consumed event says how it was taken (refused conflicts included).
 */
export function orderTimeline(recorded: readonly RecordedFact[], finished?: FinishedMark): TimelineEntry[] {
  const inReceiptOrder = [...recorded].sort((a, b) => a.seq - b.seq);
  const { dispositions } = deriveOrderState(inReceiptOrder.map((r) => r.fact));
  type Ranked = TimelineEntry & { rank: number; sortAt: number };
  const entries = inReceiptOrder.map((r, index): Ranked => {
    const disposition = dispositions[index]!;
    const entry: Ranked = {
      ...FACT_SOURCES[r.fact.kind],
      eventId: r.fact.eventId,
      occurredAt: r.fact.occurredAt,
      receivedAt: r.receivedAt,
      outcome: disposition.outcome,
      rank: r.seq,
      sortAt: r.fact.occurredAt,
    };
    if (disposition.note !== undefined) entry.note = disposition.note;
    return entry;
  });
  if (finished) {
    // Producers' clocks can run ahead of ours: the decision still sorts after the facts it was taken from.
    const decidedFrom = entries.filter((e) => e.outcome === 'applied').map((e) => e.occurredAt);
    entries.push({
      eventId: finished.eventId,
      topic: 'orders.finished',
      type: 'ORDER_FINISHED',
      occurredAt: finished.finishedAt,
      note: finished.reason ? `${finished.status}: ${finished.reason}` : finished.status,
      // Emitted after everything it was decided from.
      rank: Number.MAX_SAFE_INTEGER,
      sortAt: Math.max(finished.finishedAt, ...decidedFrom),
    });
  }
  entries.sort((a, b) => a.sortAt - b.sortAt || a.rank - b.rank);
  return entries.map(({ rank: _rank, sortAt: _sortAt, ...entry }) => entry);
}
