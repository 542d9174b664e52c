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
    // kafkajs' own leader wait can throw UNKNOWN_TOPIC_OR_PARTITION on a busy broker; wait below instead.
    await admin.createTopics({
      waitForLeaders: false,
      topics: specs.map((spec) => ({
        topic: `${prefix}${spec.topic}`,
        numPartitions: spec.numPartitions,
        replicationFactor: 1,
        configEntries: spec.configEntries,
      })),
    });
    // createTopics returns once leaders are elected, but a busy broker may still answer metadata
    // requests with UNKNOWN_TOPIC_OR_PARTITION for a moment; wait until every topic is visible.
    const names = specs.map((spec) => `${prefix}${spec.topic}`);
    await waitFor('created topics visible in metadata', async () => {
      const metadata = await admin.fetchTopicMetadata({ topics: names });
      return (
        metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)) ||
        undefined
      );
    });
  } finally {
    await admin.disconnect();
  }
}
