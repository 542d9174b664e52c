import type { Kafka } from 'kafkajs';
import { waitFor } from './wait';

export interface TopicToCreate {
  topic: string;
  numPartitions: number;
  configEntries?: { name: string; value: string }[];
}

/**
 * Creates a private copy of a set of topics under `prefix` (the service's TOPIC_PREFIX), so a test owns
 * every message it sees. Pass `allTopicSpecs()` from the contracts package.
 */
export async function createPrefixedTopics(
  kafka: Kafka,
  prefix: string,
  specs: TopicToCreate[],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // kafkajs' own leader wait can throw UNKNOWN_TOPIC_OR_PARTITION on a busy broker (KRaft publishes
    // metadata asynchronously), so wait below instead.
    await admin.createTopics({
      waitForLeaders: false,
      topics: specs.map((spec) => ({
        topic: `${prefix}${spec.topic}`,
        numPartitions: spec.numPartitions,
        replicationFactor: 1,
        configEntries: spec.configEntries,
      })),
    });
    // The topics exist now; wait until the broker's metadata shows each with all its partitions led.
    await waitFor('every created topic with a leader on each partition', async () => {
      const { topics } = await admin.fetchTopicMetadata({
        topics: specs.map((spec) => `${prefix}${spec.topic}`),
      });
      const byName = new Map(topics.map((topic) => [topic.name, topic.partitions]));
      return specs.every((spec) => {
        const partitions = byName.get(`${prefix}${spec.topic}`) ?? [];
        return partitions.length === spec.numPartitions && partitions.every((p) => p.leader >= 0);
      });
    });
  } finally {
    await admin.disconnect();
  }
}
