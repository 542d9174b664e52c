import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { logicalTopic, physicalTopic, type OpsContext } from '../context';
import { readRanges, topicOffsets, type PartitionRange } from '../kafka/range-reader';
import { viewMessage, type MessageView } from '../kafka/message-view';

export const DEFAULT_TAIL_LIMIT = 10;

export interface TailOptions {
  /** Read every retained message instead of the last `limit` per partition. */
  fromBeginning?: boolean;
  /** Only messages with this key, read from the key's partition (default partitioner). */
  key?: string;
  /**
   * Per partition: the last N messages (default 10); with fromBeginning, the first N (default all).
   * With a key it counts matching messages.
   */
  limit?: number;
  /** After the messages so far, keep printing new ones until `signal` aborts. */
  follow?: boolean;
  signal?: AbortSignal;
  /** Called for each message to show, in order: by time across partitions, by offset within one. */
  onMessage: (view: MessageView) => void | Promise<void>;
}

export interface TailResult {
  /** Physical topic read. */
  topic: string;
  partitions: number[];
  shown: number;
  /** False when the reader stopped before reaching the ends (see readRanges). */
  complete: boolean;
}

export class TopicNotFoundError extends Error {
  constructor(readonly topic: string) {
    super(`topic ${topic} does not exist (npm run topics -- list shows the topics)`);
    this.name = 'TopicNotFoundError';
  }
}

/** The partition the default (murmur2, Java-compatible) partitioner puts `key` on. */
export function partitionForKey(key: string, partitions: PartitionMetadata[]): number {
  const partitioner = Partitioners.DefaultPartitioner();
  return partitioner({ topic: 'key-lookup', partitionMetadata: partitions, message: { key, value: null } });
}

export async function resolveTopic(ctx: OpsContext, name: string): Promise<string> {
  const existing = new Set(await ctx.admin.listTopics());
  const candidate = physicalTopic(ctx, name);
  if (existing.has(candidate)) return candidate;
  if (existing.has(name)) return name;
  throw new TopicNotFoundError(candidate);
}

/**
 * Prints a bounded slice of a topic, decoded, and returns once every partition read reached the end it
 * had when the tail started (or, with `follow`, when the signal aborts).
 */
export async function tailTopic(ctx: OpsContext, name: string, options: TailOptions): Promise<TailResult> {
  const topic = await resolveTopic(ctx, name);
  const offsets = await topicOffsets(ctx.admin, topic);
  let partitions = offsets.map((o) => o.partition);
  if (options.key !== undefined) {
    const metadata = await ctx.admin.fetchTopicMetadata({ topics: [topic] });
    const meta = metadata.topics[0]?.partitions ?? [];
    partitions = [partitionForKey(options.key, meta)];
  }
  const limit = options.limit ?? (options.fromBeginning ? undefined : DEFAULT_TAIL_LIMIT);
  const ranges: PartitionRange[] = offsets
    .filter((o) => partitions.includes(o.partition))
    .map((o) => {
      // A key filter has to look at the whole partition; without one the last N are enough.
      const start =
        options.fromBeginning || options.key !== undefined || limit === undefined
          ? o.low
          : o.high - BigInt(limit) > o.low
            ? o.high - BigInt(limit)
            : o.low;
      return { partition: o.partition, start, end: o.high };
    });

  const matches = (key: Buffer | null): boolean =>
    options.key === undefined || key?.toString('utf8') === options.key;
  let shown = 0;
  const show = async (view: MessageView): Promise<void> => {
    shown++;
    await options.onMessage(view);
  };

  // Up to the ends: collect per partition, keep what the limit allows, print in time order.
  const collected = new Map<number, MessageView[]>();
  const history = await readRanges({
    kafka: ctx.kafka,
    admin: ctx.admin,
    topic,
    ranges,
    groupPrefix: ctx.prefix,
    signal: options.signal,
    onMessage: async (message, partition) => {
      if (!matches(message.key)) return;
      const list = collected.get(partition) ?? [];
      // First N (from the beginning): stop adding. Last N: drop the oldest as newer ones arrive.
      if (options.fromBeginning && limit !== undefined && list.length >= limit) return;
      list.push(await viewMessage(ctx.serde, logicalTopic(ctx, topic), partition, message));
      if (limit !== undefined && list.length > limit) list.shift();
      collected.set(partition, list);
    },
  });
  for (const view of [...collected.values()].flat().sort(byTime)) await show(view);
  if (!options.follow || options.signal?.aborted) {
    return { topic, partitions, shown, complete: history.complete };
  }

  // Then whatever arrives after those ends, as it arrives.
  await readRanges({
    kafka: ctx.kafka,
    admin: ctx.admin,
    topic,
    ranges: ranges.map((r) => ({ ...r, start: r.end })),
    groupPrefix: ctx.prefix,
    follow: true,
    signal: options.signal,
    onMessage: async (message, partition) => {
      if (matches(message.key))
        await show(await viewMessage(ctx.serde, logicalTopic(ctx, topic), partition, message));
    },
  });
  return { topic, partitions, shown, complete: history.complete };
}

function byTime(a: MessageView, b: MessageView): number {
  return (
    a.timestamp.localeCompare(b.timestamp) ||
    a.partition - b.partition ||
    Number(BigInt(a.offset) - BigInt(b.offset))
  );
}
