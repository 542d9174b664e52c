import { Kafka, logLevel, Partitioners, type Admin, type KafkaMessage, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { allTopicSpecs, EventSerde, type TopicName, type TopicValue } from '@orderflow/contracts';
import {
  createLogger,
  createPrefixedTopics,
  createRedis,
  quoteIdent,
  startService,
  uniqueName,
  waitFor,
  type Redis,
  type RunningService,
  TopicCollector,
  collectLogLines,
} from '@orderflow/runtime';
import { openApiResponseValidator } from '@orderflow/runtime/testing/openapi';
import { analyticsService, analyticsStore, type AnalyticsServiceOptions } from '../src/app';
import { loadAnalyticsConfig, type AnalyticsConfig } from '../src/config';
import { analyticsOpenApi } from '../src/http/analytics.openapi';
import { EventDecoder } from '../src/kafka/event-decoder';
import { Rebuilder, type RebuilderOptions } from '../src/rebuild/rebuilder';
import type { AnalyticsModel } from './model';
import type { ScenarioEvent } from './scenario';

// Every answer a test reads goes through the documented schemas too, so the document cannot drift.
const documentedResponse = openApiResponseValidator(analyticsOpenApi);

/** Only the topics analytics touches: quicker to create than the whole catalogue. */
const OWN_TOPICS = ['orders.finished', 'refunds.processed', 'dlq.analytics'];
const INPUT_TOPICS = ['orders.finished', 'refunds.processed'];

export interface HttpAnswer<T = unknown> {
  status: number;
  contentType: string | null;
  body: T;
}

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/**
 * The analytics service in-process against the real stack, with private topics, Postgres schema,
 * consumer group and Redis key prefix, plus what a test needs to feed and inspect it.
 */
export class AnalyticsHarness {
  readonly prefix = `${uniqueName('an')}.`;
  readonly keyPrefix = uniqueName('antest');
  readonly schema = uniqueName('analytics_t');
  readonly groupId = uniqueName('analytics');
  readonly logs: LogLine[] = [];
  readonly kafka = new Kafka({
    clientId: 'analytics-test',
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.NOTHING,
  });
  readonly serde = new EventSerde({
    registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081',
  });
  readonly redis: Redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'analytics-test');
  readonly dlq: TopicCollector;
  readonly config: AnalyticsConfig;
  service: RunningService<AnalyticsConfig> | undefined;
  private producer!: Producer;
  admin!: Admin;

  constructor(
    env: Record<string, string> = {},
    private readonly options: AnalyticsServiceOptions = {},
  ) {
    this.config = loadAnalyticsConfig({
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      TOPIC_PREFIX: this.prefix,
      CONSUMER_GROUP: this.groupId,
      ANALYTICS_KEY_PREFIX: this.keyPrefix,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      ANALYTICS_GENERATION_CHECK_MS: '200',
      ANALYTICS_REBUILD_LOCK_MS: '3000',
      // Scenarios use fixed dates, some older than the default TTL; the TTL has its own test.
      ANALYTICS_KPI_TTL_DAYS: '0',
      ...env,
    });
    this.dlq = new TopicCollector(this.kafka, [this.topic('dlq.analytics')]);
  }

  topic(logical: string): string {
    return `${this.prefix}${logical}`;
  }

  get baseUrl(): string {
    if (!this.service) throw new Error('the service is not running');
    return `http://127.0.0.1:${this.service.port}`;
  }

  /** Topics, producer, DLQ reader and the service, ready (its first rebuild done). */
  async start(): Promise<void> {
    await this.setUp();
    await this.startService();
    await this.waitReady();
  }

  async setUp(): Promise<void> {
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    this.admin = this.kafka.admin();
    await Promise.all([this.producer.connect(), this.admin.connect()]);
    await createPrefixedTopics(
      this.kafka,
      this.prefix,
      allTopicSpecs().filter((spec) => OWN_TOPICS.includes(spec.topic)),
    );
    await this.dlq.start();
  }

  async startService(options: AnalyticsServiceOptions = {}): Promise<RunningService<AnalyticsConfig>> {
    const logger = createLogger({
      service: 'analytics',
      level: 'warn',
      destination: collectLogLines(this.logs),
    });
    this.service = await startService(
      analyticsService({ schema: this.schema, ...this.options, ...options }),
      this.config,
      { logger },
    );
    return this.service;
  }

  async stopService(): Promise<void> {
    await this.service?.stop();
    this.service = undefined;
  }

  async waitReady(timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return waitFor(
      'the analytics service to be ready',
      async () => {
        const answer = await this.get<Record<string, unknown>>('/readyz');
        return answer.status === 200 ? answer.body : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  async stop(): Promise<void> {
    await this.stopService().catch(() => undefined);
    await Promise.all([this.producer?.disconnect(), this.dlq.stop()]).catch(() => undefined);
    if (this.admin) {
      await this.admin.deleteTopics({ topics: OWN_TOPICS.map((t) => this.topic(t)) }).catch(() => undefined);
      await this.admin.deleteGroups([this.groupId, this.dlq.groupId]).catch(() => undefined);
      await this.admin.disconnect();
    }
    await this.deleteKeys();
    await this.redis.quit();
    const client = new Client({ connectionString: this.config.DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(this.schema)} CASCADE`);
    await client.end();
  }

  async produce<T extends TopicName>(topic: T, ...events: TopicValue<T>[]): Promise<void> {
    const messages = await Promise.all(
      events.map(async (event) => {
        const message = await this.serde.message(topic, event);
        return { key: message.key, value: message.value };
      }),
    );
    await this.producer.send({ topic: this.topic(topic), messages });
  }

  /** Sends scenario events in order, in a few requests. */
  async produceAll(events: readonly ScenarioEvent[], chunk = 200): Promise<void> {
    for (let i = 0; i < events.length; i += chunk) {
      const part = events.slice(i, i + chunk);
      const messages = await Promise.all(
        part.map(async (event) => {
          const message =
            event.topic === 'orders.finished'
              ? await this.serde.message('orders.finished', event.value)
              : await this.serde.message('refunds.processed', event.value);
          return { topic: this.topic(event.topic), messages: [{ key: message.key, value: message.value }] };
        }),
      );
      await this.producer.sendBatch({ topicMessages: messages });
    }
  }

  async produceRaw(
    topic: string,
    key: string,
    value: Buffer,
    headers?: Record<string, string>,
  ): Promise<void> {
    await this.producer.send({ topic: this.topic(topic), messages: [{ key, value, headers }] });
  }

  async get<T = unknown>(path: string): Promise<HttpAnswer<T>> {
    const response = await fetch(`${this.baseUrl}${path}`);
    const answer = {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: (await response.json()) as T,
    };
    expect(documentedResponse({ method: 'GET', path, ...answer })).toEqual([]);
    return answer;
  }

  /** The service's group has committed everything the input topics hold. */
  async consumedAll(): Promise<boolean> {
    const topics = INPUT_TOPICS.map((t) => this.topic(t));
    const committed = await this.admin.fetchOffsets({ groupId: this.groupId, topics });
    for (const topic of topics) {
      const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const end of await this.admin.fetchTopicOffsets(topic)) {
        const at = Number(done.find((p) => p.partition === end.partition)?.offset ?? -1);
        if (Number(end.high) > 0 && at < Number(end.high)) return false;
      }
    }
    return true;
  }

  async waitConsumed(timeoutMs = 30_000): Promise<void> {
    await waitFor('the service to commit everything produced', () => this.consumedAll(), {
      timeoutMs,
      intervalMs: 100,
    });
  }

  /** What the API answers for everything the model knows about (KPIs of every day, every leaderboard). */
  async observed(model: AnalyticsModel): Promise<unknown> {
    const days = model.days();
    const kpis =
      days.length === 0 ? [] : (await this.get<unknown[]>(`/kpis?from=${days[0]}&to=${days.at(-1)}`)).body;
    const boards: Record<string, unknown> = {};
    for (const currency of model.currencies()) {
      for (const scope of ['all', ...model.months(currency)]) {
        const month = scope === 'all' ? '' : `&month=${scope}`;
        boards[`${currency}|${scope}`] = (
          await this.get(`/leaderboard?currency=${currency}&limit=100${month}`)
        ).body;
      }
    }
    return { kpis, boards };
  }

  expected(model: AnalyticsModel): unknown {
    const boards: Record<string, unknown> = {};
    for (const currency of model.currencies()) {
      for (const scope of ['all', ...model.months(currency)]) {
        boards[`${currency}|${scope}`] = model.leaderboard(currency, scope, 100);
      }
    }
    return { kpis: model.allKpis(), boards };
  }

  /** Waits until the API answers exactly what the model says (and fails showing the difference). */
  async waitMatches(model: AnalyticsModel, timeoutMs = 30_000): Promise<void> {
    const expected = this.expected(model);
    let last: unknown;
    try {
      await waitFor(
        'the API to answer what the model says',
        async () => {
          last = await this.observed(model);
          return JSON.stringify(last) === JSON.stringify(expected);
        },
        { timeoutMs, intervalMs: 150 },
      );
    } catch (error) {
      expect(last).toEqual(expected);
      throw error;
    }
  }

  /** FLUSHALL for this test only: deletes every key under the prefix in one atomic step. */
  async wipeRedis(): Promise<number> {
    const deleted = await this.redis.eval(
      `local n = 0
       for _, key in ipairs(redis.call('KEYS', ARGV[1])) do n = n + redis.call('DEL', key) end
       return n`,
      0,
      `${this.keyPrefix}:*`,
    );
    return Number(deleted);
  }

  async keys(pattern = '*'): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(
        cursor,
        'MATCH',
        `${this.keyPrefix}:${pattern}`,
        'COUNT',
        1000,
      );
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  }

  async activeGeneration(): Promise<string | null> {
    return this.redis.get(`${this.keyPrefix}:active`);
  }

  /** A rebuilder as the CLI builds it, against this test's Redis prefix and topics. */
  rebuilder(overrides: Partial<RebuilderOptions> = {}): Rebuilder {
    return new Rebuilder({
      store: analyticsStore(this.config, this.redis),
      kafka: this.kafka,
      decoder: new EventDecoder(this.serde, this.prefix),
      logger: createLogger({ service: 'analytics-test', level: 'silent' }),
      owner: 'test',
      topicPrefix: this.prefix,
      lockLeaseMs: this.config.ANALYTICS_REBUILD_LOCK_MS,
      sessionTimeoutMs: 6000,
      ...overrides,
    });
  }

  /** Env for running the CLI against this test's Redis prefix, topics and schema. */
  cliEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      TOPIC_PREFIX: this.prefix,
      ANALYTICS_KEY_PREFIX: this.keyPrefix,
      DB_SCHEMA: this.schema,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      // The CLI has to run with the service's settings: the KPI TTL decides which days a rebuild writes.
      ANALYTICS_KPI_TTL_DAYS: String(this.config.ANALYTICS_KPI_TTL_DAYS),
      LOG_LEVEL: 'warn',
    };
  }

  private async deleteKeys(): Promise<void> {
    await this.wipeRedis().catch(() => undefined);
  }
}

export function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) out[name] = String(Array.isArray(value) ? value[0] : value);
  }
  return out;
}
