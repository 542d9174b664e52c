import type { KafkaMessage } from 'kafkajs';
import type { ServiceName } from '../config';
import { logicalTopic, type OpsContext } from '../context';
import { decodeValue, headerStrings } from '../kafka/message-view';
import { readRanges, topicOffsets } from '../kafka/range-reader';
import { ReplayLog, replayKey, type ReplayRecord } from './replay-log';

/** Headers the runtime's consumer (and analytics' dead-letter producer) put on every dead letter. */
export const DLQ_HEADERS = {
  originTopic: 'x-dlq-origin-topic',
  originPartition: 'x-dlq-origin-partition',
  originOffset: 'x-dlq-origin-offset',
  service: 'x-dlq-service',
  errorCode: 'x-dlq-error-code',
  errorMessage: 'x-dlq-error-message',
  failedAt: 'x-dlq-failed-at',
} as const;

/** Headers `dlq replay` adds to the copy it sends (besides the runtime's DLQ_REPLAY_HEADER). */
export const REPLAY_OF_HEADER = 'x-dlq-replay-of';
export const REPLAYED_AT_HEADER = 'x-dlq-replayed-at';

export interface DeadLetter {
  /** Physical DLQ topic. */
  dlqTopic: string;
  partition: number;
  offset: string;
  /** `partition:offset` in the DLQ: what `dlq replay --id` accepts besides an event id. */
  ref: string;
  key: string | null;
  /** event_id of the Avro value, when it decodes. */
  eventId: string | null;
  origin?: { topic: string; logical: string; partition: number; offset: string };
  errorCode: string | null;
  errorMessage: string | null;
  failedAt: string | null;
  /** The dead letter came from an earlier replay that failed again: the DLQ position replayed then. */
  replayOf: string | null;
  headers: Record<string, string>;
  value: Buffer | null;
  /** Set when `dlq replay` already sent this one back. */
  replayed?: ReplayRecord;
}

export function dlqTopicOf(ctx: OpsContext, service: ServiceName): string {
  return `${ctx.prefix}dlq.${service}`;
}

async function toDeadLetter(
  ctx: OpsContext,
  dlqTopic: string,
  partition: number,
  message: KafkaMessage,
): Promise<DeadLetter> {
  const headers = headerStrings(message.headers);
  let eventId: string | null = null;
  try {
    const decoded = await decodeValue(ctx.serde, message.value);
    if (decoded.kind === 'avro') {
      const id = (decoded.value as { event_id?: unknown } | null)?.event_id;
      if (typeof id === 'string') eventId = id;
    }
  } catch {
    // Registry unreachable: list the dead letter without its event id rather than not at all.
  }
  const originTopic = headers[DLQ_HEADERS.originTopic];
  return {
    dlqTopic,
    partition,
    offset: message.offset,
    ref: `${partition}:${message.offset}`,
    key: message.key ? message.key.toString('utf8') : null,
    eventId,
    ...(originTopic
      ? {
          origin: {
            topic: originTopic,
            logical: logicalTopic(ctx, originTopic),
            partition: Number(headers[DLQ_HEADERS.originPartition] ?? -1),
            offset: headers[DLQ_HEADERS.originOffset] ?? '?',
          },
        }
      : {}),
    errorCode: headers[DLQ_HEADERS.errorCode] ?? null,
    errorMessage: headers[DLQ_HEADERS.errorMessage] ?? null,
    failedAt: headers[DLQ_HEADERS.failedAt] ?? null,
    replayOf: headers[REPLAY_OF_HEADER] ?? null,
    headers,
    value: message.value,
  };
}

/** Every dead letter retained in `dlq.<service>`, oldest first, each marked if it was replayed. */
export async function readDeadLetters(ctx: OpsContext, service: ServiceName): Promise<DeadLetter[]> {
  const dlqTopic = dlqTopicOf(ctx, service);
  if (!(await ctx.admin.listTopics()).includes(dlqTopic)) {
    throw new Error(`topic ${dlqTopic} does not exist (npm run topics:create creates it)`);
  }
  const offsets = await topicOffsets(ctx.admin, dlqTopic);
  const letters: DeadLetter[] = [];
  const [replays] = await Promise.all([
    new ReplayLog(ctx).read(dlqTopic),
    readRanges({
      kafka: ctx.kafka,
      admin: ctx.admin,
      topic: dlqTopic,
      ranges: offsets.map((o) => ({ partition: o.partition, start: o.low, end: o.high })),
      groupPrefix: ctx.prefix,
      onMessage: async (message, partition) => {
        letters.push(await toDeadLetter(ctx, dlqTopic, partition, message));
      },
    }),
  ]);
  for (const letter of letters) {
    const replayed = replays.get(replayKey(dlqTopic, letter.partition, letter.offset));
    if (replayed) letter.replayed = replayed;
  }
  return letters.sort(
    (a, b) =>
      (a.failedAt ?? '').localeCompare(b.failedAt ?? '') ||
      a.partition - b.partition ||
      Number(BigInt(a.offset) - BigInt(b.offset)),
  );
}

/**
 * DLQ depth as `status` shows it: dead letters still retained that no `dlq replay` has sent back. The
 * topic's offsets give the retained count; replays are subtracted when their dead letter is still
 * retained (at or above its partition's start offset).
 */
export async function dlqDepth(
  ctx: OpsContext,
  service: ServiceName,
): Promise<{ pending: number; retained: number; replayed: number } | undefined> {
  const dlqTopic = dlqTopicOf(ctx, service);
  if (!(await ctx.admin.listTopics()).includes(dlqTopic)) return undefined;
  const offsets = await topicOffsets(ctx.admin, dlqTopic);
  const retained = offsets.reduce((sum, o) => sum + Number(o.high - o.low), 0);
  const low = new Map(offsets.map((o) => [o.partition, o.low]));
  let replayed = 0;
  if (retained > 0) {
    for (const record of (await new ReplayLog(ctx).read(dlqTopic)).values()) {
      if (BigInt(record.dlq_offset) >= (low.get(record.dlq_partition) ?? 0n)) replayed++;
    }
  }
  return { pending: Math.max(0, retained - replayed), retained, replayed };
}
