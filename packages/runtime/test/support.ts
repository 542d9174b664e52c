import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import { createLogger, createPool, migrate, poison, uniqueName, quoteIdent, type TopicHandler } from '../src';

export const env = {
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orderflow',
};

export const silentLogger = createLogger({
  service: 'runtime-test',
  level: process.env.TEST_LOG_LEVEL ?? 'silent',
});

export function testKafka(): Kafka {
  return new Kafka({ clientId: 'runtime-test', brokers: env.brokers, logLevel: logLevel.NOTHING });
}

export async function createTopics(kafka: Kafka, topics: string[], partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * A fresh schema with the runtime tables plus a tiny domain: `applied` records every application of
 * an event (so a double application shows as two rows), `failures` lets a test script errors.
 */
export async function createTestSchema(): Promise<{ schema: string; pool: Pool }> {
  const schema = uniqueName('rt');
  await migrate({ databaseUrl: env.databaseUrl, schema });
  const pool = createPool({ connectionString: env.databaseUrl, applicationName: 'runtime-test', max: 5 });
  await pool.query(`CREATE TABLE ${quoteIdent(schema)}.applied (
    seq bigserial PRIMARY KEY, event_id text NOT NULL, order_key text, n integer NOT NULL)`);
  return { schema, pool };
}

export async function dropSchema(pool: Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
}

/** Reads `count` messages from a topic from the beginning with a throwaway group. */
export async function readMessages(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<(KafkaMessage & { partition: number })[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  const seen: (KafkaMessage & { partition: number })[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${seen.length} of ${count} messages from ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          seen.push({ ...message, partition });
          if (seen.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

export interface TestEvent {
  event_id: string;
  key: string;
  n: number;
  /**
   * Scripted failures: `permanent` always fails as poison; `bug` throws a plain TypeError every time;
   * `transient:K` fails K times then works.
   */
  fail?: string;
}

export function encode(event: TestEvent): Buffer {
  return Buffer.from(JSON.stringify(event));
}

/**
 * The test domain: records the application in `applied` and emits `out-<event_id>` to `outTopic`, so a
 * test sees both state and the outbox.
 */
export function testHandler(options: {
  topic: string;
  schema: string;
  outTopic?: string;
  attempts?: Map<string, number>;
  perEventDelayMs?: number;
}): TopicHandler<TestEvent> {
  const attempts = options.attempts ?? new Map<string, number>();
  return {
    topic: options.topic,
    decode: async (value) => {
      const parsed = JSON.parse(value.toString('utf8')) as TestEvent;
      if (typeof parsed.event_id !== 'string' || typeof parsed.n !== 'number')
        throw new Error('not a test event');
      return parsed;
    },
    eventId: (event) => event.event_id,
    orderId: (event) => event.key,
    handle: async (ctx, { value }) => {
      const seen = (attempts.get(value.event_id) ?? 0) + 1;
      attempts.set(value.event_id, seen);
      if (options.perEventDelayMs)
        await ctx.tx.query('SELECT pg_sleep($1)', [options.perEventDelayMs / 1000]);
      await ctx.tx.query(
        `INSERT INTO ${quoteIdent(options.schema)}.applied (event_id, order_key, n) VALUES ($1, $2, $3)`,
        [value.event_id, value.key, value.n],
      );
      if (value.fail === 'permanent')
        throw poison('TEST.POISON', `event ${value.event_id} can never succeed`);
      if (value.fail === 'bug')
        throw new TypeError(`cannot read properties of undefined (event ${value.event_id})`);
      const transient = /^transient:(\d+)$/.exec(value.fail ?? '');
      if (transient && seen <= Number(transient[1])) {
        throw Object.assign(new Error('connection reset (scripted)'), { code: 'ECONNRESET' });
      }
      if (options.outTopic) {
        ctx.publish({
          topic: options.outTopic,
          key: value.key,
          value: Buffer.from(
            JSON.stringify({ event_id: `out-${value.event_id}`, key: value.key, n: value.n }),
          ),
          eventId: `out-${value.event_id}`,
        });
      }
    },
  };
}

export async function appliedRows(pool: Pool, schema: string): Promise<{ event_id: string; n: number }[]> {
  const { rows } = await pool.query<{ event_id: string; n: number }>(
    `SELECT event_id, n FROM ${quoteIdent(schema)}.applied ORDER BY seq`,
  );
  return rows;
}
