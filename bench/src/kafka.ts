// Kafka read-outs for the benchmark: message counts, a consumer group's lag, and the key -> timestamp of
// every message of a topic, read with a bounded consumer up to the end offsets seen when it starts.
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';

/** Messages in a topic (high - low watermark summed over partitions). */
export async function messageCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

/** Messages of `topic` the group has not committed yet. */
export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  let lag = 0;
  for (const end of ends) {
    const at = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1');
    lag += Math.max(0, Number(end.high) - Math.max(at, Number(end.low)));
  }
  return lag;
}

/** Messages not yet committed by any consumer group whose id starts with `prefix`, over all its topics. */
export async function prefixLag(admin: Admin, prefix: string): Promise<number> {
  const { groups } = await admin.listGroups();
  let lag = 0;
  for (const { groupId } of groups.filter((g) => g.groupId.startsWith(prefix))) {
    for (const { topic } of await admin.fetchOffsets({ groupId }))
      lag += await groupLag(admin, groupId, topic);
  }
  return lag;
}

/**
 * The broker timestamp (CreateTime: when the producer sent it) of the first message per key, for every
 * message up to the end offsets at the start. Reads with a throw-away consumer group, deleted after.
 */
export async function keyTimestamps(
  kafka: Kafka,
  topic: string,
  options: { timeoutMs?: number } = {},
): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `bench-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxBytes: 16 * 1024 * 1024 });
  const found = new Map<string, number>();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map(
      ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]),
    );
    if (remaining.size === 0) return found;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`reading ${topic}: not at the end within ${(options.timeoutMs ?? 120_000) / 1000} s`),
          ),
        options.timeoutMs ?? 120_000,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const key = message.key?.toString();
              if (key !== undefined && !found.has(key)) found.set(key, Number(message.timestamp));
            }
            const end = remaining.get(batch.partition);
            const last = batch.messages.at(-1);
            if (end !== undefined && last && Number(last.offset) + 1 >= end)
              remaining.delete(batch.partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return found;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
