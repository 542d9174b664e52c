import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';

/** Offsets [start, end) of one partition; `end` is the high watermark taken before reading. */
export interface PartitionRange {
  partition: number;
  start: bigint;
  end: bigint;
}

export interface ReadRangesOptions {
  kafka: Kafka;
  admin: Admin;
  topic: string;
  ranges: PartitionRange[];
  /** Throwaway group id prefix (TOPIC_PREFIX keeps ops groups next to the services' ones). */
  groupPrefix?: string;
  onMessage: (message: KafkaMessage, partition: number) => void | Promise<void>;
  /** Keep reading past the ends until `signal` aborts. */
  follow?: boolean;
  signal?: AbortSignal;
  /**
   * Give up on a range that makes no progress for this long (a broker that stopped answering). The
   * reader then resolves with `complete: false` instead of hanging.
   */
  idleTimeoutMs?: number;
}

export interface ReadRangesResult {
  complete: boolean;
  read: number;
}

export interface TopicOffsets {
  partition: number;
  low: bigint;
  high: bigint;
}

export async function topicOffsets(admin: Admin, topic: string): Promise<TopicOffsets[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets
    .map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))
    .sort((a, b) => a.partition - b.partition);
}

/**
 * Reads fixed offset ranges of a topic and stops: a consumer in a throwaway group that never commits,
 * seeks each partition to its start and leaves once every partition reached its end (the high watermark
 * seen before reading, so a busy topic does not keep it reading). The group is deleted afterwards.
 * Partitions not in `ranges` are not read.
 */
export async function readRanges(options: ReadRangesOptions): Promise<ReadRangesResult> {
  const { kafka, admin, topic } = options;
  const wanted = new Map(options.ranges.map((r) => [r.partition, r]));
  const next = new Map(options.ranges.map((r) => [r.partition, r.start]));
  const pending = (): PartitionRange[] =>
    [...wanted.values()].filter((r) => (next.get(r.partition) ?? r.start) < r.end);
  if (!options.follow && pending().length === 0) return { complete: true, read: 0 };
  if (options.signal?.aborted) return { complete: false, read: 0 };

  const groupId = `${options.groupPrefix ?? ''}orderflow-ops-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 250,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    allowAutoTopicCreation: false,
    retry: { retries: 3 },
  });
  let read = 0;
  let settle: (complete: boolean) => void = () => undefined;
  const finished = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  let lastProgress = Date.now();
  const checkDone = (): void => {
    if (!options.follow && pending().length === 0) settle(true);
  };
  const onAbort = (): void => settle(false);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const idleTimeoutMs = options.idleTimeoutMs ?? 15_000;
  const idle = options.follow
    ? undefined
    : setInterval(() => {
        if (Date.now() - lastProgress > idleTimeoutMs) settle(false);
      }, 250);

  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic !== topic) return;
    const after = BigInt(payload.lastOffset) + 1n;
    if (after > (next.get(payload.partition) ?? 0n)) next.set(payload.partition, after);
    lastProgress = Date.now();
    checkDone();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) settle(false);
  });

  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = wanted.get(batch.partition);
        if (!range) return;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < range.start || (!options.follow && offset >= range.end)) continue;
          read++;
          await options.onMessage(message, batch.partition);
        }
      },
    });
    const offsets = await topicOffsets(admin, topic);
    for (const { partition, high } of offsets) {
      // Partitions outside the ranges start at their end: nothing is fetched from them.
      const range = wanted.get(partition);
      consumer.seek({ topic, partition, offset: String(range ? range.start : high) });
    }
    lastProgress = Date.now();
    checkDone();
    const complete = await finished;
    return { complete, read };
  } finally {
    if (idle) clearInterval(idle);
    options.signal?.removeEventListener('abort', onAbort);
    await consumer.disconnect().catch(() => undefined);
    // Nothing was committed, but the (empty) group would linger until the broker expires it.
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
