import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { uniqueName, waitFor } from './wait';

/** Reads topics from the beginning with a throwaway group and keeps every message for a test to inspect. */
export class TopicCollector {
  readonly groupId = uniqueName('collector');
  private consumer: Consumer | undefined;
  private readonly seen = new Map<string, KafkaMessage[]>();
  /** Next offset to read, per `topic:partition`. */
  private readonly next = new Map<string, number>();

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: string[],
  ) {}

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const seen = this.seen.get(topic) ?? [];
        seen.push(message);
        this.seen.set(topic, seen);
        this.next.set(`${topic}:${partition}`, Number(message.offset) + 1);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  messages(topic: string): KafkaMessage[] {
    return this.seen.get(topic) ?? [];
  }

  /** Waits until every partition of every topic has been read up to its current end. */
  async caughtUp(admin: Admin): Promise<void> {
    await waitFor('the collector to read to the end of its topics', async () => {
      for (const topic of this.topics) {
        for (const end of await admin.fetchTopicOffsets(topic)) {
          if ((this.next.get(`${topic}:${end.partition}`) ?? 0) < Number(end.high)) return false;
        }
      }
      return true;
    });
  }
}
