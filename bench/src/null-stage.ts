// One stage of the null pipeline: the topics, hops and message sizes of a real service, with no database.
// Each stage decodes what it consumes (as the services do), produces the event the real service would
// produce next, with an idempotent producer (acks=all), and commits offsets after producing.
// Run as its own process: `node dist/null-stage.js <stage>` with TOPIC_PREFIX, KAFKA_BROKERS and
// SCHEMA_REGISTRY_URL set; it prints `ready` once its consumer has joined, and the analytics stage prints
// `counted <n> <first_ms> <last_ms>` lines as orders.finished events arrive.
import { EventSerde, type TopicName } from '@orderflow/contracts';
import { inventoryReservedFor, ordersFinishedFor, paymentsSucceededFor } from '@orderflow/contracts/testing';
import type { OrdersPlaced } from '@orderflow/contracts';
import { Kafka, logLevel, type Message } from 'kafkajs';

/** Messages per produce request: the outbox relay's default batch size. */
const SEND_SLICE = 1000;

export const NULL_STAGES = {
  inventory: ['orders.placed', 'orders.finished'],
  payments: ['inventory.reserved'],
  orders: ['orders.placed', 'inventory.reserved', 'payments.succeeded'],
  notifier: ['orders.finished'],
  refunds: ['orders.finished'],
  analytics: ['orders.finished'],
} as const satisfies Record<string, readonly TopicName[]>;

export type NullStage = keyof typeof NULL_STAGES;

interface Outgoing {
  topic: TopicName;
  messages: Message[];
}

async function main(): Promise<void> {
  const stage = process.argv[2] as NullStage | undefined;
  if (!stage || !(stage in NULL_STAGES)) {
    console.error(`usage: null-stage <${Object.keys(NULL_STAGES).join('|')}>`);
    process.exit(64);
  }
  const prefix = process.env.TOPIC_PREFIX ?? '';
  const kafka = new Kafka({
    clientId: `null-${stage}`,
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.ERROR,
  });
  const serde = new EventSerde({ registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081' });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `${prefix}null-${stage}` });
  const placedByOrder = new Map<string, OrdersPlaced>();
  const unmatchedPayments = new Map<string, Awaited<ReturnType<typeof serde.decode<'payments.succeeded'>>>>();
  let counted = 0;
  let firstMs = 0;

  await producer.connect();
  await consumer.connect();
  for (const topic of NULL_STAGES[stage])
    await consumer.subscribe({ topic: `${prefix}${topic}`, fromBeginning: true });
  consumer.on(consumer.events.GROUP_JOIN, () => console.log('ready'));

  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const topic = batch.topic.slice(prefix.length) as TopicName;
      const outgoing: Outgoing[] = [];
      const add = async <T extends TopicName>(to: T, value: Parameters<typeof serde.encode<T>>[1]) => {
        const message = await serde.message(to, value);
        let entry = outgoing.find((o) => o.topic === to);
        if (!entry) outgoing.push((entry = { topic: to, messages: [] }));
        entry.messages.push({ key: message.key, value: message.value });
      };
      for (const message of batch.messages) {
        if (!message.value) continue;
        if (topic === 'orders.placed') {
          const placed = await serde.decode('orders.placed', message.value);
          if (stage === 'inventory') await add('inventory.reserved', inventoryReservedFor(placed));
          if (stage === 'orders') {
            placedByOrder.set(placed.order_id, placed);
            const paid = unmatchedPayments.get(placed.order_id);
            if (paid) {
              unmatchedPayments.delete(placed.order_id);
              await add('orders.finished', ordersFinishedFor(placed, { status: 'PAID' }));
            }
          }
        } else if (topic === 'inventory.reserved') {
          const reserved = await serde.decode('inventory.reserved', message.value);
          if (stage === 'payments') await add('payments.succeeded', paymentsSucceededFor(reserved));
        } else if (topic === 'payments.succeeded') {
          const paid = await serde.decode('payments.succeeded', message.value);
          const placed = placedByOrder.get(paid.order_id);
          if (placed) {
            placedByOrder.delete(paid.order_id);
            await add('orders.finished', ordersFinishedFor(placed, { status: 'PAID' }));
          } else unmatchedPayments.set(paid.order_id, paid);
        } else if (topic === 'orders.finished') {
          await serde.decode('orders.finished', message.value);
          if (stage === 'analytics') {
            counted += 1;
            if (firstMs === 0) firstMs = Date.now();
          }
        }
      }
      // At most SEND_SLICE messages per request, as the services' outbox relays send: one partition's share
      // of a 100k-order batch in one request would exceed the broker's message.max.bytes.
      const all = outgoing.flatMap((o) => o.messages.map((message) => ({ topic: o.topic, message })));
      for (let i = 0; i < all.length; i += SEND_SLICE) {
        const byTopic = new Map<string, Message[]>();
        for (const { topic: to, message } of all.slice(i, i + SEND_SLICE)) {
          const list = byTopic.get(to) ?? [];
          list.push(message);
          byTopic.set(to, list);
        }
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([to, messages]) => ({ topic: `${prefix}${to}`, messages })),
        });
      }
      const last = batch.messages.at(-1);
      if (last) {
        resolveOffset(last.offset);
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
        ]);
      }
      await heartbeat();
      if (stage === 'analytics' && batch.messages.length > 0)
        console.log(`counted ${counted} ${firstMs} ${Date.now()}`);
    },
  });

  const stop = async () => {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
