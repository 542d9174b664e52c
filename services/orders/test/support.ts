import { Kafka, logLevel, Partitioners, type Admin, type KafkaMessage, type Producer } from 'kafkajs';
import { Client } from 'pg';
import {
  allTopicSpecs,
  EventSerde,
  type OrdersFinished,
  type TopicName,
  type TopicValue,
} from '@orderflow/contracts';
import {
  createLogger,
  createPrefixedTopics,
  quoteIdent,
  startService,
  uniqueName,
  waitFor,
  type RunningService,
  type ServiceDefinition,
  TopicCollector,
  collectLogLines,
} from '@orderflow/runtime';
import { openApiResponseValidator } from '@orderflow/runtime/testing/openapi';
import { ordersService } from '../src/app';
import { ordersOpenApi } from '../src/http/orders.openapi';
import { loadOrdersConfig, type OrdersConfig } from '../src/config';

const INPUT_TOPICS = [
  'orders.placed',
  'inventory.reserved',
  'inventory.rejected',
  'payments.succeeded',
  'payments.failed',
] as const;

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

// Every answer a test reads goes through the documented schemas too, so the document cannot drift.
const documentedResponse = openApiResponseValidator(ordersOpenApi);

export interface HttpAnswer<T = unknown> {
  status: number;
  contentType: string | null;
  body: T;
}

/**
 * One orders service running in-process against the real stack, with a private schema, a private set
 * of topics and its own consumer group, plus what a test needs to feed it and watch it.
 */
export class OrdersHarness {
  readonly prefix = `${uniqueName('t')}.`;
  readonly schema = uniqueName('orders_t');
  readonly groupId = uniqueName('orders');
  readonly logs: LogLine[] = [];
  readonly kafka = new Kafka({
    clientId: 'orders-test',
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.NOTHING,
  });
  readonly serde = new EventSerde({
    registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081',
  });
  readonly output: TopicCollector;
  service!: RunningService<OrdersConfig>;
  private readonly extra: RunningService<OrdersConfig>[] = [];
  private producer!: Producer;
  private admin!: Admin;

  constructor(private readonly env: Record<string, string> = {}) {
    this.output = new TopicCollector(this.kafka, [this.topic('orders.finished'), this.topic('dlq.orders')]);
  }

  topic(logical: string): string {
    return `${this.prefix}${logical}`;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.service.port}`;
  }

  async start(): Promise<void> {
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    this.admin = this.kafka.admin();
    await Promise.all([this.producer.connect(), this.admin.connect()]);
    await this.createTopics();
    await this.output.start();
    this.service = await this.startInstance(ordersService);
  }

  private async createTopics(): Promise<void> {
    await createPrefixedTopics(this.kafka, this.prefix, allTopicSpecs());
  }

  /** Another instance on the same schema and topics (e.g. one that only serves HTTP). */
  async startInstance(definition: ServiceDefinition<OrdersConfig>): Promise<RunningService<OrdersConfig>> {
    const config = loadOrdersConfig({
      ...process.env,
      PORT: '0',
      TOPIC_PREFIX: this.prefix,
      LOG_LEVEL: 'warn',
      // Its own group, whatever else consumes on this broker.
      CONSUMER_GROUP: this.groupId,
      ...this.env,
    });
    const logger = createLogger({
      service: 'orders',
      level: 'warn',
      destination: collectLogLines(this.logs),
    });
    const running = await startService(
      { ...definition, schema: this.schema, consumer: { sessionTimeoutMs: 6000 } },
      config,
      { logger },
    );
    if (this.service) this.extra.push(running);
    return running;
  }

  async stop(): Promise<void> {
    for (const running of [...this.extra, this.service]) await running?.stop();
    await Promise.all([this.producer?.disconnect(), this.output.stop()]);
    // The topics are this test's alone; leaving them would pile up on a shared broker.
    await this.admin
      ?.deleteTopics({ topics: allTopicSpecs().map((t) => this.topic(t.topic)) })
      .catch(() => undefined);
    await this.admin?.deleteGroups([this.groupId, this.output.groupId]).catch(() => undefined);
    await this.admin?.disconnect();
    if (!this.service) return;
    const client = new Client({ connectionString: this.service.ctx.config.DATABASE_URL });
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

  async get<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<HttpAnswer<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, init);
    const answer = {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: (await response.json()) as T,
    };
    expect(documentedResponse({ method: init?.method ?? 'GET', path, ...answer })).toEqual([]);
    return answer;
  }

  /** The value of an unlabelled metric of this service (0 when absent). */
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  async dbQuery<R extends Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<R[]> {
    const { rows } = await this.service.ctx.pool.query<R>(
      sql.replaceAll('{schema}', quoteIdent(this.schema)),
      values,
    );
    return rows;
  }

  /**
   * Everything produced so far has been consumed and committed, and everything the service emitted is
   * published and read back: after this, what the collector holds is all there is.
   */
  async settled(): Promise<void> {
    await waitFor(
      'the service to consume everything and publish its outbox',
      async () => {
        const topics = INPUT_TOPICS.map((t) => this.topic(t));
        const committed = await this.admin.fetchOffsets({ groupId: this.groupId, topics });
        for (const topic of topics) {
          const ends = await this.admin.fetchTopicOffsets(topic);
          const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
          for (const end of ends) {
            const at = Number(done.find((p) => p.partition === end.partition)?.offset ?? -1);
            if (Number(end.high) > 0 && at < Number(end.high)) return false;
          }
        }
        const [outbox] = await this.dbQuery<{ n: number }>('SELECT count(*)::int AS n FROM {schema}.outbox');
        return outbox?.n === 0;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await this.output.caughtUp(this.admin);
  }

  /** Every orders.finished emitted for the order, decoded. */
  async finished(orderId: string): Promise<OrdersFinished[]> {
    const messages = this.output
      .messages(this.topic('orders.finished'))
      .filter((m) => m.key?.toString() === orderId);
    return Promise.all(messages.map((m) => this.serde.decode('orders.finished', m.value!)));
  }

  async waitForFinished(orderId: string): Promise<OrdersFinished> {
    const [first] = await waitFor(`orders.finished for ${orderId}`, async () => {
      const found = await this.finished(orderId);
      return found.length > 0 ? found : undefined;
    });
    return first!;
  }

  deadLetters(key: string): KafkaMessage[] {
    return this.output.messages(this.topic('dlq.orders')).filter((m) => m.key?.toString() === key);
  }
}
