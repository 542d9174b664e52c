import type { InventoryStockLevels, OrdersFinished, RefundsRequested, TopicName } from '@orderflow/contracts';
import type { KafkaMessage } from 'kafkajs';
import type { OpsContext } from '../context';
import { readRanges, topicOffsets } from '../kafka/range-reader';

/** The order-flow topics, in causal order: every one keyed by order id, one partition number per order. */
export const FLOW_TOPICS = [
  'orders.placed',
  'inventory.reserved',
  'inventory.rejected',
  'payments.succeeded',
  'payments.failed',
  'orders.finished',
] as const satisfies readonly TopicName[];
export type FlowTopic = (typeof FLOW_TOPICS)[number];

/** What may have caused an event of each topic (its `causation_id` names an event of one of these). */
export const CAUSES: Record<FlowTopic, readonly FlowTopic[]> = {
  'orders.placed': [],
  'inventory.reserved': ['orders.placed'],
  'inventory.rejected': ['orders.placed'],
  'payments.succeeded': ['inventory.reserved'],
  'payments.failed': ['inventory.reserved'],
  'orders.finished': ['inventory.rejected', 'payments.succeeded', 'payments.failed'],
};

/** One copy of an order-flow event as it sits in its topic. */
export interface FlowEvent {
  topic: FlowTopic;
  partition: number;
  offset: number;
  /** The Kafka message timestamp (producer time), epoch millis. */
  timestamp: number;
  eventId: string;
  orderId: string;
  causationId: string | null;
}

/** A message that could not be read as an event of its topic (it is reported, not skipped silently). */
export interface Unreadable {
  topic: string;
  partition: number;
  offset: string;
  problem: string;
}

export interface EventScan {
  /** Every order id in orders.placed, with the time of its first copy (message timestamp). */
  placed: Map<string, number>;
  /** First copy of every flow event by event id (redeliveries share it). */
  events: Map<string, FlowEvent>;
  /** Every flow event that is not the first copy of its id (kept for the partition check). */
  copies: FlowEvent[];
  /** orders.finished: distinct event ids per order, with the status each says. */
  finished: Map<string, Map<string, OrdersFinished['status']>>;
  /** payments.succeeded: distinct event ids per order. */
  paymentsSucceeded: Map<string, Set<string>>;
  /** refunds.requested: refund ids per idempotency key, and the order it was for. */
  refundsByKey: Map<string, { orderId: string; refundIds: Set<string> }>;
  /** refunds.processed / refunds.rejected: distinct outcome event ids per refund id. */
  refundOutcomes: Map<string, Set<string>>;
  /** inventory.stock-levels: the latest level per SKU and how many distinct levels the topic holds. */
  stockLevels: Map<string, { onHand: number; levels: Set<number> }>;
  unreadable: Unreadable[];
  /** Messages read per topic (logical names). */
  counts: Record<string, number>;
  /** False when a topic could not be read to its end offset (a broker that stopped answering). */
  complete: boolean;
}

interface Envelope {
  event_id: string;
  order_id: string;
  causation_id: string | null;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

/**
 * Reads the topics `verify` needs, each up to the end offsets it had when the scan started (a running
 * system keeps writing; what arrives later is not judged), keeping only the few fields the checks use.
 */
export async function scanTopics(ctx: OpsContext): Promise<EventScan> {
  const scan: EventScan = {
    placed: new Map(),
    events: new Map(),
    copies: [],
    finished: new Map(),
    paymentsSucceeded: new Map(),
    refundsByKey: new Map(),
    refundOutcomes: new Map(),
    stockLevels: new Map(),
    unreadable: [],
    counts: {},
    complete: true,
  };

  const read = async (
    topic: TopicName,
    handle: (value: unknown, message: KafkaMessage, partition: number) => void,
  ): Promise<void> => {
    const physical = `${ctx.prefix}${topic}`;
    const offsets = await topicOffsets(ctx.admin, physical);
    scan.counts[topic] = 0;
    const result = await readRanges({
      kafka: ctx.kafka,
      admin: ctx.admin,
      topic: physical,
      ranges: offsets.map((o) => ({ partition: o.partition, start: o.low, end: o.high })),
      groupPrefix: ctx.prefix,
      idleTimeoutMs: 30_000,
      onMessage: async (message, partition) => {
        scan.counts[topic]! += 1;
        if (message.value === null) return; // a compaction tombstone
        try {
          handle(await ctx.serde.decode(topic, message.value), message, partition);
        } catch (error) {
          scan.unreadable.push({
            topic,
            partition,
            offset: message.offset,
            problem: error instanceof Error ? error.message : String(error),
          });
        }
      },
    });
    if (!result.complete) scan.complete = false;
  };

  const flow = (topic: FlowTopic) => (value: unknown, message: KafkaMessage, partition: number) => {
    const event = value as Envelope;
    const copy: FlowEvent = {
      topic,
      partition,
      offset: Number(message.offset),
      timestamp: Number(message.timestamp),
      eventId: event.event_id,
      orderId: event.order_id,
      causationId: event.causation_id,
    };
    if (scan.events.has(copy.eventId)) scan.copies.push(copy);
    else scan.events.set(copy.eventId, copy);
    if (topic === 'orders.placed') {
      const seen = scan.placed.get(copy.orderId);
      if (seen === undefined || copy.timestamp < seen) scan.placed.set(copy.orderId, copy.timestamp);
    } else if (topic === 'orders.finished') {
      const byId = scan.finished.get(copy.orderId) ?? new Map<string, OrdersFinished['status']>();
      byId.set(copy.eventId, (value as OrdersFinished).status);
      scan.finished.set(copy.orderId, byId);
    } else if (topic === 'payments.succeeded') {
      addTo(scan.paymentsSucceeded, copy.orderId, copy.eventId);
    }
  };

  await Promise.all(FLOW_TOPICS.map((topic) => read(topic, flow(topic))));
  await Promise.all([
    read('refunds.requested', (value) => {
      const event = value as RefundsRequested;
      const entry = scan.refundsByKey.get(event.idempotency_key) ?? {
        orderId: event.order_id,
        refundIds: new Set<string>(),
      };
      entry.refundIds.add(event.refund_id);
      scan.refundsByKey.set(event.idempotency_key, entry);
    }),
    ...(['refunds.processed', 'refunds.rejected'] as const).map((topic) =>
      read(topic, (value) => {
        const event = value as { refund_id: string; event_id: string };
        addTo(scan.refundOutcomes, event.refund_id, event.event_id);
      }),
    ),
    read('inventory.stock-levels', (value) => {
      // Keyed by SKU, so one SKU's levels are on one partition and arrive in the order they were set.
      const level = value as InventoryStockLevels;
      const entry = scan.stockLevels.get(level.sku) ?? { onHand: level.on_hand, levels: new Set<number>() };
      entry.onHand = level.on_hand;
      entry.levels.add(level.on_hand);
      scan.stockLevels.set(level.sku, entry);
    }),
  ]);
  return scan;
}
