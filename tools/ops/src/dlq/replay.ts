import { randomUUID } from 'node:crypto';
import { DLQ_REPLAY_HEADER } from '@orderflow/runtime';
import { Partitioners } from 'kafkajs';
import type { ServiceName } from '../config';
import type { OpsContext } from '../context';
import { readDeadLetters, REPLAY_OF_HEADER, REPLAYED_AT_HEADER, type DeadLetter } from './dead-letters';
import { ReplayLog, replayKey, type ReplayRecord } from './replay-log';

export interface ReplayOptions {
  /** Event ids or DLQ refs (`partition:offset`) to replay. */
  ids?: string[];
  /** Every dead letter not replayed yet. */
  all?: boolean;
  /** Replay dead letters that were replayed before, too. */
  force?: boolean;
  /** Say what would be sent, send nothing. */
  dryRun?: boolean;
}

export type ReplayOutcome =
  | { letter: DeadLetter; action: 'replayed'; record: ReplayRecord }
  | { letter: DeadLetter; action: 'would replay' }
  | { letter: DeadLetter; action: 'skipped'; reason: string };

/** A request that cannot be carried out as given; nothing was sent. */
export class ReplayUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayUsageError';
  }
}

function selects(letter: DeadLetter, id: string): boolean {
  return letter.eventId === id || letter.ref === id;
}

/**
 * Sends dead letters of a service back to the topic they came from: same key (so the same partition),
 * same value bytes, their original headers, plus `x-dlq-replay-for: <service>` so that service processes
 * the event again although its inbox holds it as dead-lettered (see the runtime's ConsumerRunner), while
 * every other consumer of the topic still recognises it as a duplicate.
 *
 * Each replay is recorded in the replay log after its copy was sent, and recorded ones are skipped unless
 * `force`: a crash between the two leaves a replay unrecorded, so at worst it is offered again, and the
 * copy sent twice is a duplicate for the service once the first was processed.
 */
export async function replayDeadLetters(
  ctx: OpsContext,
  service: ServiceName,
  options: ReplayOptions,
): Promise<ReplayOutcome[]> {
  const ids = options.ids ?? [];
  if (!options.all && ids.length === 0) {
    throw new ReplayUsageError(
      'say which dead letters to replay: --id <event id or partition:offset> or --all',
    );
  }
  const letters = await readDeadLetters(ctx, service);
  const unknown = ids.filter((id) => !letters.some((letter) => selects(letter, id)));
  if (unknown.length > 0) {
    throw new ReplayUsageError(
      `no dead letter in dlq.${service} with id ${unknown.join(', ')} (npm run dlq -- list ${service} shows them)`,
    );
  }
  const chosen = options.all ? letters : letters.filter((letter) => ids.some((id) => selects(letter, id)));
  // Oldest first, so several dead letters of one order reach its partition in their original order.
  const ordered = [...chosen].sort(
    (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
  );
  const outcomes: ReplayOutcome[] = [];
  const toSend: DeadLetter[] = [];
  for (const letter of ordered) {
    if (letter.replayed && !options.force) {
      outcomes.push({
        letter,
        action: 'skipped',
        reason: `already replayed ${letter.replayed.replayed_at.slice(0, 16).replace('T', ' ')} (--force resends)`,
      });
    } else if (!letter.origin || letter.origin.topic === '') {
      outcomes.push({ letter, action: 'skipped', reason: 'no x-dlq-origin-topic header: origin unknown' });
    } else if (options.dryRun) {
      outcomes.push({ letter, action: 'would replay' });
    } else {
      toSend.push(letter);
    }
  }
  if (toSend.length === 0) return outcomes;

  const log = new ReplayLog(ctx);
  await log.ensure();
  const producer = ctx.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // The partitioner every producer here uses: the copy lands on its key's partition, like the original.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const replayId = randomUUID();
  try {
    // One at a time: each copy's position is recorded exactly, and order per key is kept.
    for (const letter of toSend) {
      const origin = letter.origin!;
      const replayedAt = new Date().toISOString();
      const headers = Object.fromEntries(
        Object.entries(letter.headers).filter(([name]) => !name.startsWith('x-dlq-')),
      );
      const [sent] = await producer.send({
        topic: origin.topic,
        acks: -1,
        messages: [
          {
            key: letter.key,
            value: letter.value,
            headers: {
              ...headers,
              [DLQ_REPLAY_HEADER]: service,
              [REPLAY_OF_HEADER]: replayKey(letter.dlqTopic, letter.partition, letter.offset),
              [REPLAYED_AT_HEADER]: replayedAt,
            },
          },
        ],
      });
      const record: ReplayRecord = {
        dlq_topic: letter.dlqTopic,
        dlq_partition: letter.partition,
        dlq_offset: letter.offset,
        service,
        event_id: letter.eventId,
        target_topic: origin.topic,
        target_partition: sent?.partition ?? -1,
        target_offset: sent?.baseOffset ?? '?',
        replayed_at: replayedAt,
        replay_id: replayId,
      };
      await log.record(producer, record);
      outcomes.push({ letter, action: 'replayed', record });
    }
  } finally {
    await producer.disconnect();
  }
  return outcomes;
}
