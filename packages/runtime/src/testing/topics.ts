import type { Kafka } from 'kafkajs';

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
    await admin.createTopics({
      waitForLeaders: true,
      topics: specs.map((spec) => ({
        topic: `${prefix}${spec.topic}`,
        numPartitions: spec.numPartitions,
        replicationFactor: 1,
        configEntries: spec.configEntries,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}
