import { Kafka, logLevel, ConfigResourceTypes } from 'kafkajs';
import { allTopicSpecs } from '@orderflow/contracts';
import { ensureTopics, stackEnv, stackStatus, stackUp } from '../src';

const env = stackEnv();

describe('local stack', () => {
  test('up on a running stack is a no-op and status reports every component up', async () => {
    const said: string[] = [];
    await stackUp(env, (line) => said.push(line));
    expect(said.filter((line) => line.startsWith('started'))).toEqual([]);
    const statuses = await stackStatus(env);
    expect(statuses.map((s) => [s.component, s.up])).toEqual([
      ['kafka', true],
      ['schema-registry', true],
      ['postgres', true],
      ['redis', true],
    ]);
  });

  test('topics are created as code, and a second run changes nothing', async () => {
    await ensureTopics(env.brokers);
    const again = await ensureTopics(env.brokers);
    expect(again.filter((r) => r.action !== 'unchanged')).toEqual([]);

    const kafka = new Kafka({ clientId: 'stack-test', brokers: env.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const specs = allTopicSpecs();
      const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
      for (const spec of specs) {
        expect([spec.topic, metadata.topics.find((t) => t.name === spec.topic)?.partitions.length]).toEqual([
          spec.topic,
          spec.numPartitions,
        ]);
      }
      const finished = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders.finished' }],
      });
      const retention = finished.resources[0]?.configEntries.find((c) => c.configName === 'retention.ms');
      expect(retention?.configValue).toBe('-1');
    } finally {
      await admin.disconnect();
    }
  });

  test('a config drifted by hand is put back', async () => {
    const kafka = new Kafka({ clientId: 'stack-test', brokers: env.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: 'orders.finished',
            configEntries: [{ name: 'retention.ms', value: '1000' }],
          },
        ],
      });
      const results = await ensureTopics(env.brokers);
      expect(results.find((r) => r.topic === 'orders.finished')?.action).toBe('updated');
      const after = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders.finished' }],
      });
      expect(
        after.resources[0]?.configEntries.find((c) => c.configName === 'retention.ms')?.configValue,
      ).toBe('-1');
    } finally {
      await admin.disconnect();
    }
  });
});
