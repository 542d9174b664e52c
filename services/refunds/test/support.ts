import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type KafkaMessage, type Producer } from 'kafkajs';
import { Client } from 'pg';
import {
  allTopicSpecs,
  EventSerde,
  type OrdersFinished,
  type RefundsProcessed,
  type RefundsRejected,
  type RefundsRequested,
  type TopicName,
  type TopicValue,
} from '@orderflow/contracts';
import { buildOrdersPlaced, ordersFinishedFor } from '@orderflow/contracts/testing';
import {
  createLogger,
  createPrefixedTopics,
  quoteIdent,
  startService,
  uniqueName,
  waitFor,
  type RunningService,
  TopicCollector,
  collectLogLines,
} from '@orderflow/runtime';
import { openApiResponseValidator } from '@orderflow/runtime/testing/openapi';
import { refundsService } from '../src/app';
import { loadRefundsConfig, type RefundsConfig } from '../src/config';
import { refundsOpenApi } from '../src/http/refunds.openapi';

// Every answer a test reads goes through the documented schemas too, so the document cannot drift.
const documentedResponse = openApiResponseValidator(refundsOpenApi);

const INPUT_TOPICS = ['refunds.requested', 'orders.finished'] as const;
const OUTPUT_TOPICS = ['refunds.requested', 'refunds.processed', 'refunds.rejected', 'dlq.refunds'] as const;

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: T;
}

export type Outcome =
  | { topic: 'refunds.processed'; key: string; value: RefundsProcessed }
  | { topic: 'refunds.rejected'; key: string; value: RefundsRejected };

/** A PAID order's outcome (FAILED with `{ status: 'FAILED', reason: 'OUT_OF_STOCK', payment_id: null }`). */
export function finishedOrder(overrides: Partial<OrdersFinished> = {}): OrdersFinished {
  return ordersFinishedFor(buildOrdersPlaced(), overrides);
}

export function newKey(): string {
  return `key-${randomBytes(8).toString('hex')}`;
}

/**
 * One refunds service running in-process against the real stack, with a private schema, topics and
 * consumer group, plus what a test needs to feed it and watch it.
 */
export class RefundsHarness {
  readonly prefix = `${uniqueName('rf')}.`;
  readonly schema = uniqueName('refunds_t');
  readonly groupId = uniqueName('refunds');
  readonly token = `test-token-${randomBytes(12).toString('hex')}`;
  readonly logs: LogLine[] = [];
  readonly kafka = new Kafka({
    clientId: 'refunds-test',
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.NOTHING,
  });
  readonly serde = new EventSerde({
    registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081',
  });
  readonly output = new TopicCollector(
    this.kafka,
    OUTPUT_TOPICS.map((t) => this.topic(t)),
  );
  service!: RunningService<RefundsConfig>;
  private producer!: Producer;
  private admin!: Admin;

  constructor(private readonly env: Record<string, string> = {}) {}

  topic(logical: string): string {
    return `${this.prefix}${logical}`;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.service.port}`;
  }

  get config(): RefundsConfig {
    return this.service.ctx.config;
  }

  async start(): Promise<void> {
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    this.admin = this.kafka.admin();
    await Promise.all([this.producer.connect(), this.admin.connect()]);
    await createPrefixedTopics(this.kafka, this.prefix, allTopicSpecs());
    await this.output.start();
    const config = loadRefundsConfig({
      ...process.env,
      PORT: '0',
      TOPIC_PREFIX: this.prefix,
      CONSUMER_GROUP: this.groupId,
      LOG_LEVEL: 'info',
      API_TOKEN: this.token,
      ...this.env,
    });
    const logger = createLogger({
      service: 'refunds',
      level: 'info',
      destination: collectLogLines(this.logs),
    });
    this.service = await startService(
      { ...refundsService({ schema: this.schema }), consumer: { sessionTimeoutMs: 6000 } },
      config,
      { logger },
    );
    await waitFor('the refunds service to be ready', async () => {
      const response = await fetch(`${this.baseUrl}/readyz`);
      await response.arrayBuffer();
      return response.status === 200;
    });
  }

  async stop(): Promise<void> {
    await this.service?.stop();
    await Promise.all([this.producer?.disconnect(), this.output.stop()]);
    // The topics are this file's alone; leaving them would pile up on a shared broker.
    await this.admin
      ?.deleteTopics({ topics: allTopicSpecs().map((t) => this.topic(t.topic)) })
      .catch(() => undefined);
    await this.admin?.deleteGroups([this.groupId, this.output.groupId]).catch(() => undefined);
    await this.admin?.disconnect();
    const client = new Client({
      connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orderflow',
    });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(this.schema)} CASCADE`);
    await client.end();
  }

  /** Produces events to the service's private topics, keyed by order id, as the other services do. */
  async produce<T extends TopicName>(topic: T, ...events: TopicValue<T>[]): Promise<void> {
    const messages = await Promise.all(
      events.map(async (event) => {
        const message = await this.serde.message(topic, event);
        return { key: message.key, value: message.value };
      }),
    );
    await this.producer.send({ topic: this.topic(topic), messages });
  }

  async produceRaw(topic: string, key: string, value: Buffer): Promise<void> {
    await this.producer.send({ topic: this.topic(topic), messages: [{ key, value }] });
  }

  /** Sends the order's outcome and waits until the service has projected it. */
  async finish(event: OrdersFinished): Promise<void> {
    await this.produce('orders.finished', event);
    await waitFor(`the outcome of ${event.order_id} to be projected`, async () => {
      const rows = await this.dbQuery<{ status: string | null }>(
        'SELECT status FROM {schema}.orders WHERE order_id = $1',
        [event.order_id],
      );
      return rows[0]?.status === event.status;
    });
  }

  async post(
    body: unknown,
    options: { key?: string | null; token?: string | null; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const key = options.key === undefined ? newKey() : options.key;
    if (key !== null) headers['idempotency-key'] = key;
    const response = await fetch(`${this.baseUrl}/refunds`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const answer = {
      status: response.status,
      contentType: response.headers.get('content-type'),
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
    expect(documentedResponse({ method: 'POST', path: '/refunds', ...answer })).toEqual([]);
    return answer;
  }

  async get<T = Record<string, unknown>>(path: string): Promise<HttpAnswer<T>> {
    const response = await fetch(`${this.baseUrl}${path}`);
    const answer = {
      status: response.status,
      contentType: response.headers.get('content-type'),
      headers: response.headers,
      body: (await response.json()) as T,
    };
    expect(documentedResponse({ method: 'GET', path, ...answer })).toEqual([]);
    return answer;
  }

  async dbQuery<R extends Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<R[]> {
    const { rows } = await this.service.ctx.pool.query<R>(
      sql.replaceAll('{schema}', quoteIdent(this.schema)),
      values,
    );
    return rows;
  }

  /** The refunds.requested events published for an order, decoded. */
  async requested(orderId: string): Promise<RefundsRequested[]> {
    const messages = this.messagesFor('refunds.requested', orderId);
    return Promise.all(messages.map((m) => this.serde.decode('refunds.requested', m.value!)));
  }

  /** The outcome events published for an order, decoded, in no particular order across the two topics. */
  async outcomes(orderId: string): Promise<Outcome[]> {
    const processed = await Promise.all(
      this.messagesFor('refunds.processed', orderId).map(async (m) => ({
        topic: 'refunds.processed' as const,
        key: m.key!.toString(),
        value: await this.serde.decode('refunds.processed', m.value!),
      })),
    );
    const rejected = await Promise.all(
      this.messagesFor('refunds.rejected', orderId).map(async (m) => ({
        topic: 'refunds.rejected' as const,
        key: m.key!.toString(),
        value: await this.serde.decode('refunds.rejected', m.value!),
      })),
    );
    return [...processed, ...rejected];
  }

  /** Waits for the outcome event of a refund. */
  async outcome(orderId: string, refundId: string, timeoutMs = 20_000): Promise<Outcome> {
    return waitFor(
      `the outcome of refund ${refundId}`,
      async () => (await this.outcomes(orderId)).find((o) => o.value.refund_id === refundId),
      { timeoutMs },
    );
  }

  deadLetters(key: string): KafkaMessage[] {
    return this.messagesFor('dlq.refunds', key);
  }

  /**
   * Everything produced so far has been consumed and committed, and everything the service emitted is
   * published and read back: after this, what the collector holds is all there is.
   */
  async settled(): Promise<void> {
    const outboxEmpty = async () => {
      const [outbox] = await this.dbQuery<{ n: number }>('SELECT count(*)::int AS n FROM {schema}.outbox');
      return outbox?.n === 0;
    };
    await waitFor(
      'the service to consume everything and publish its outbox',
      async () => {
        // Outbox first: whatever it held is on the topics by the time the offsets are looked at.
        if (!(await outboxEmpty())) return false;
        const topics = INPUT_TOPICS.map((t) => this.topic(t));
        const committed = await this.admin.fetchOffsets({ groupId: this.groupId, topics });
        for (const topic of topics) {
          const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
          for (const end of await this.admin.fetchTopicOffsets(topic)) {
            const at = Number(done.find((p) => p.partition === end.partition)?.offset ?? -1);
            if (Number(end.high) > 0 && at < Number(end.high)) return false;
          }
        }
        return outboxEmpty();
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await this.output.caughtUp(this.admin);
  }

  private messagesFor(topic: string, key: string): KafkaMessage[] {
    return this.output.messages(this.topic(topic)).filter((m) => m.key?.toString() === key);
  }
}
