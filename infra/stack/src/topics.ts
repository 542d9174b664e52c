import { ConfigResourceTypes } from 'kafkajs';
import { allTopicSpecs } from '@orderflow/contracts';
import { createKafka, createLogger, type KafkaSecurityConfig } from '@orderflow/runtime';
import { NO_SECURITY } from './kafka';

export interface TopicResult {
  topic: string;
  partitions: number;
  action: 'created' | 'updated' | 'unchanged';
  note?: string;
}

/**
 * Creates every topic of the catalogue (order flow and dead-letter topics) with its partitions and
 * configs. Existing topics get their configs set again and gain partitions if they have fewer; running
 * it twice changes nothing.
 */
export async function ensureTopics(
  brokers: string[],
  security: KafkaSecurityConfig = NO_SECURITY,
): Promise<TopicResult[]> {
  const logger = createLogger({ service: 'stack', level: 'error', destination: process.stderr });
  // kafkajs' own retry policy (5 retries from 300 ms), as before the runtime's client was used here.
  const kafka = createKafka({ ...security, KAFKA_BROKERS: brokers }, 'orderflow-topics', logger, {
    retry: {},
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const specs = allTopicSpecs();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.topic,
          numPartitions: spec.numPartitions,
          // The cluster's default.replication.factor: 1 on the local broker, 3 on Confluent Cloud or MSK.
          replicationFactor: -1,
          configEntries: spec.configEntries,
        })),
      });
    }
    const present = specs.filter((spec) => existing.has(spec.topic));
    const results: TopicResult[] = missing.map((spec) => ({
      topic: spec.topic,
      partitions: spec.numPartitions,
      action: 'created',
    }));
    if (present.length === 0) return results;
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.topic })),
    });
    for (const spec of present) {
      const partitions = metadata.topics.find((t) => t.name === spec.topic)?.partitions.length ?? 0;
      const current = configs.resources.find((r) => r.resourceName === spec.topic)?.configEntries ?? [];
      const drift = spec.configEntries.filter(
        (entry) => current.find((c) => c.configName === entry.name)?.configValue !== entry.value,
      );
      let action: TopicResult['action'] = 'unchanged';
      let note: string | undefined;
      if (drift.length > 0) {
        // kafkajs only has the non-incremental AlterConfigs, so send every setting we own at once.
        await admin.alterConfigs({
          validateOnly: false,
          resources: [
            { type: ConfigResourceTypes.TOPIC, name: spec.topic, configEntries: spec.configEntries },
          ],
        });
        action = 'updated';
        note = `configs ${drift.map((d) => d.name).join(', ')}`;
      }
      if (partitions < spec.numPartitions) {
        await admin.createPartitions({ topicPartitions: [{ topic: spec.topic, count: spec.numPartitions }] });
        action = 'updated';
        note = `${note ? `${note}; ` : ''}partitions ${partitions} -> ${spec.numPartitions} (keys now map differently)`;
      } else if (partitions > spec.numPartitions) {
        note = `has ${partitions} partitions, catalogue says ${spec.numPartitions} (Kafka cannot shrink)`;
      }
      results.push({
        topic: spec.topic,
        partitions: Math.max(partitions, spec.numPartitions),
        action,
        ...(note ? { note } : {}),
      });
    }
    return results;
  } finally {
    await admin.disconnect();
  }
}
