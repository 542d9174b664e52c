import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Pool } from 'pg';
import { baseEnv, createPrefixedTopics, loadConfig, port, startService, uniqueName, waitFor } from '../src';
import {
  appliedRows,
  createTestSchema,
  createTopics,
  dropSchema,
  encode,
  readMessages,
  silentLogger,
  testHandler,
  testKafka,
} from './support';

const kafka = testKafka();
let schema: string;
let pool: Pool;
let topic: string;

beforeEach(async () => {
  ({ schema, pool } = await createTestSchema());
  topic = uniqueName('svc.in');
  // As many partitions as the real topics: more than the consumer applies at once, so a stop leaves some.
  await createTopics(kafka, [topic], 6);
});

afterEach(async () => {
  await dropSchema(pool, schema);
  await pool.end();
});

function runFixture(env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures', 'service-main.ts')],
    {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  );
  return { child, exited };
}

async function produce(count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: count }, (_, i) => ({
      key: `o-${i % 60}`,
      value: encode({ event_id: `svc-${i}`, key: `o-${i % 60}`, n: i }),
    })),
  });
  await producer.disconnect();
}

describe('service runtime', () => {
  test('a running service reports ready once Kafka, Postgres, the outbox relay and its consumer are up', async () => {
    const config = loadConfig({ ...baseEnv, PORT: port(0) }, { LOG_LEVEL: 'silent' });
    const service = await startService(
      {
        name: uniqueName('svc'),
        schema,
        handlers: () => [testHandler({ topic, schema })],
        consumer: { sessionTimeoutMs: 6000 },
      },
      config,
      { logger: silentLogger },
    );
    try {
      const body = await waitFor('ready', async () => {
        const response = await fetch(`http://127.0.0.1:${service.port}/readyz`);
        return response.status === 200
          ? ((await response.json()) as { checks: Record<string, unknown> })
          : undefined;
      });
      expect(Object.keys(body.checks).sort()).toEqual(['consumer', 'kafka', 'outbox', 'postgres']);
      expect((await fetch(`http://127.0.0.1:${service.port}/healthz`)).status).toBe(200);
    } finally {
      await service.stop();
    }
  });

  test('TOPIC_PREFIX gives the service a private set of topics, consumed and produced', async () => {
    const prefix = `${uniqueName('p')}.`;
    const outTopic = uniqueName('svc.out');
    await createPrefixedTopics(kafka, prefix, [
      { topic, numPartitions: 2 },
      { topic: outTopic, numPartitions: 2 },
    ]);
    const config = loadConfig({ ...baseEnv, PORT: port(0) }, { LOG_LEVEL: 'silent', TOPIC_PREFIX: prefix });
    const service = await startService(
      {
        name: uniqueName('svc'),
        schema,
        handlers: () => [testHandler({ topic, schema, outTopic })],
        consumer: { sessionTimeoutMs: 6000 },
      },
      config,
      { logger: silentLogger },
    );
    try {
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: `${prefix}${topic}`,
        messages: [{ key: 'k', value: encode({ event_id: 'pfx-1', key: 'k', n: 1 }) }],
      });
      await producer.disconnect();
      const [out] = await readMessages(kafka, `${prefix}${outTopic}`, 1);
      expect(JSON.parse(out!.value!.toString()).event_id).toBe('out-pfx-1');
    } finally {
      await service.stop();
    }
  });

  test('a bad variable stops start-up with a message naming it', async () => {
    const { exited } = runFixture({ PORT: 'not-a-port', TEST_SCHEMA: schema, TEST_TOPIC: topic });
    const { code, stderr } = await exited;
    expect(code).toBe(1);
    expect(stderr).toContain('PORT');
    expect(stderr).not.toContain('    at ');
  });

  test('SIGTERM lets the batch in flight commit, commits its offsets and exits 0', async () => {
    await produce(300);
    const groupId = 'fixture';
    // One partition's batch at a time: with all of them in flight at once, SIGTERM would (rightly) let
    // every one finish, and nothing would be left to show that it stopped mid-stream.
    const { child, exited } = runFixture({
      TEST_SCHEMA: schema,
      TEST_TOPIC: topic,
      DELAY_MS: '15',
      KAFKA_PARTITION_CONCURRENCY: '1',
    });
    await waitFor('some applied', async () => (await appliedRows(pool, schema)).length > 5 || undefined);
    child.kill('SIGTERM');
    const { code } = await exited;
    expect(code).toBe(0);
    const applied = await appliedRows(pool, schema);
    // It really stopped mid-stream: the rest is left for the next instance.
    expect(applied.length).toBeLessThan(300);
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    const committed = (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBe(applied.length);
    expect(new Set(applied.map((r) => r.event_id)).size).toBe(applied.length);
  });
});
