import { DLQ_CONFIG } from '@orderflow/contracts';
import { waitFor } from '@orderflow/runtime';
import type { Producer } from 'kafkajs';
import type { OpsContext } from '../context';
import { readRanges, topicOffsets } from '../kafka/range-reader';

/**
 * Logical name of the topic that records what `dlq replay` sent: one compacted record per dead letter
 * replayed, keyed by `<dlq topic>:<partition>:<offset>`. It lives as long as a dead letter does.
 */
export const REPLAY_LOG_TOPIC = 'ops.dlq-replays';

export interface ReplayRecord {
  /** Physical DLQ topic and position of the dead letter that was replayed. */
  dlq_topic: string;
  dlq_partition: number;
  dlq_offset: string;
  service: string;
  event_id: string | null;
  /** Where the copy went: physical origin topic and the position it got there. */
  target_topic: string;
  target_partition: number;
  target_offset: string;
  replayed_at: string;
  replay_id: string;
}

export function replayKey(dlqTopic: string, partition: number, offset: string): string {
  return `${dlqTopic}:${partition}:${offset}`;
}

export class ReplayLog {
  readonly topic: string;

  constructor(private readonly ctx: OpsContext) {
    this.topic = `${ctx.prefix}${REPLAY_LOG_TOPIC}`;
  }

  /** Every recorded replay of dead letters in `dlqTopic` (physical), by replayKey. */
  async read(dlqTopic: string): Promise<Map<string, ReplayRecord>> {
    const records = new Map<string, ReplayRecord>();
    if (!(await this.exists())) return records;
    const offsets = await topicOffsets(this.ctx.admin, this.topic);
    await readRanges({
      kafka: this.ctx.kafka,
      admin: this.ctx.admin,
      topic: this.topic,
      ranges: offsets.map((o) => ({ partition: o.partition, start: o.low, end: o.high })),
      groupPrefix: this.ctx.prefix,
      onMessage: (message) => {
        const key = message.key?.toString('utf8');
        if (!key || !key.startsWith(`${dlqTopic}:`)) return;
        if (message.value === null) {
          records.delete(key);
          return;
        }
        try {
          records.set(key, JSON.parse(message.value.toString('utf8')) as ReplayRecord);
        } catch {
          // Not ours: ignore rather than refuse to list dead letters.
        }
      },
    });
    return records;
  }

  async record(producer: Producer, record: ReplayRecord): Promise<void> {
    await producer.send({
      topic: this.topic,
      acks: -1,
      messages: [
        {
          key: replayKey(record.dlq_topic, record.dlq_partition, record.dlq_offset),
          value: JSON.stringify(record),
        },
      ],
    });
  }

  /** Creates the topic on first use (compacted; records expire with the dead letters they describe). */
  async ensure(): Promise<void> {
    if (await this.exists()) return;
    await this.ctx.admin
      .createTopics({
        waitForLeaders: false,
        topics: [
          {
            topic: this.topic,
            numPartitions: 1,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact,delete' },
              { name: 'retention.ms', value: DLQ_CONFIG['retention.ms'] },
            ],
          },
        ],
      })
      .catch((error: unknown) => {
        // Created by a concurrent replay: fine.
        if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
      });
    await waitFor(`${this.topic} to have a leader`, async () => {
      const { topics } = await this.ctx.admin.fetchTopicMetadata({ topics: [this.topic] });
      return topics[0]?.partitions.every((p) => p.leader >= 0) === true && topics[0].partitions.length > 0;
    });
  }

  private async exists(): Promise<boolean> {
    return (await this.ctx.admin.listTopics()).includes(this.topic);
  }
}
