import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
import { Pool } from 'pg';
import { allTopicSpecs, EventSerde, type TopicName, type TopicValue } from '@orderflow/contracts';
import {
  createLogger,
  createPrefixedTopics,
  quoteIdent,
  startService,
  uniqueName,
  waitFor,
  type RunningService,
  collectLogLines,
} from '@orderflow/runtime';
import { openApiResponseValidator } from '@orderflow/runtime/testing/openapi';
import { notifierService } from '../src/app';
import { loadNotifierConfig, type NotifierConfig } from '../src/config';
import { notifierOpenApi } from '../src/http/notifier.openapi';

// Every answer a test reads goes through the documented schemas too, so the document cannot drift.
const documentedResponse = openApiResponseValidator(notifierOpenApi);

export const API_TOKEN = 'notifier-test-token-0123456789';
export const WEBHOOK_SECRET = 'notifier-test-webhook-secret';

const INPUT_TOPICS = ['orders.finished', 'refunds.processed', 'refunds.rejected'] as const;
const TOPICS = [...INPUT_TOPICS, 'dlq.notifier'];

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface Attempt {
  attempt: number;
  started_at: string;
  finished_at: string | null;
  ok: boolean | null;
  error: string | null;
}

export interface NotificationBody {
  notification_id: string;
  event_id: string;
  kind: string;
  channel: 'log' | 'email' | 'webhook';
  order_id: string;
  customer_id: string | null;
  recipient: string | null;
  status: 'PENDING' | 'SENT' | 'FAILED';
  attempt_count: number;
  round_attempts: number;
  manual_retries: number;
  last_error: string | null;
  content?: Record<string, unknown>;
  attempts?: Attempt[];
  [key: string]: unknown;
}

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * One notifier running in-process against the real stack, with a private schema, private topics and its
 * own consumer group, plus what a test needs to feed it and watch it.
 */
export class NotifierHarness {
  readonly prefix = `${uniqueName('t')}.`;
  readonly schema = uniqueName('notifier_t');
  readonly groupId = uniqueName('notifier');
  readonly logs: LogLine[] = [];
  readonly kafka = new Kafka({
    clientId: 'notifier-test',
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.NOTHING,
  });
  readonly serde = new EventSerde({
    registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081',
  });
  readonly deadLetters: KafkaMessage[] = [];
  service!: RunningService<NotifierConfig>;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private dlqReader: Consumer | undefined;
  private readonly dlqGroup = uniqueName('notifier-dlq');

  constructor(private readonly env: () => Record<string, string>) {}

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
    const config = loadNotifierConfig({
      ...process.env,
      PORT: '0',
      TOPIC_PREFIX: this.prefix,
      CONSUMER_GROUP: this.groupId,
      LOG_LEVEL: 'info',
      API_TOKEN,
      NOTIFY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      NOTIFY_POLL_MS: '50',
      ...this.env(),
    });
    const logger = createLogger({
      service: 'notifier',
      level: 'info',
      destination: collectLogLines(this.logs),
    });
    this.service = await startService(
      { ...notifierService, schema: this.schema, consumer: { sessionTimeoutMs: 6000 } },
      config,
      { logger },
    );
    await this.startDlqReader();
  }

  /** Only the topics the notifier touches: fewer topics, faster start. */
  private async createTopics(): Promise<void> {
    const specs = allTopicSpecs().filter((spec) => TOPICS.includes(spec.topic));
    try {
      await createPrefixedTopics(this.kafka, this.prefix, specs);
    } catch (error) {
      // The broker may briefly deny a topic it has just created; the wait below settles it.
      if ((error as { type?: unknown }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
    }
    await waitFor('leaders for the new topics', async () => {
      const { topics } = await this.admin!.fetchTopicMetadata({
        topics: specs.map((s) => this.topic(s.topic)),
      });
      return topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
    });
  }

  private async startDlqReader(): Promise<void> {
    this.dlqReader = this.kafka.consumer({ groupId: this.dlqGroup, maxWaitTimeInMs: 100 });
    await this.dlqReader.connect();
    await this.dlqReader.subscribe({ topics: [this.topic('dlq.notifier')], fromBeginning: true });
    await this.dlqReader.run({
      eachMessage: async ({ message }) => {
        this.deadLetters.push(message);
      },
    });
  }

  async stop(): Promise<void> {
    await this.service?.stop();
    await Promise.all([this.producer?.disconnect(), this.dlqReader?.disconnect()]);
    // The topics and groups are this file's alone; leaving them would pile up on a shared broker.
    await this.admin?.deleteTopics({ topics: TOPICS.map((t) => this.topic(t)) }).catch(() => undefined);
    await this.admin?.deleteGroups([this.groupId, this.dlqGroup]).catch(() => undefined);
    await this.admin?.disconnect();
    if (this.service) {
      const pool = new Pool({ connectionString: this.service.ctx.config.DATABASE_URL, max: 1 });
      await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(this.schema)} CASCADE`);
      await pool.end();
    }
  }

  /** Produces events to the private topics, keyed by order id, as the other services do. */
  async produce<T extends TopicName>(topic: T, ...events: TopicValue<T>[]): Promise<void> {
    const messages = await Promise.all(
      events.map(async (event) => {
        const message = await this.serde.message(topic, event);
        return { key: message.key, value: message.value };
      }),
    );
    await this.producer!.send({ topic: this.topic(topic), messages });
  }

  async produceRaw(topic: string, key: string, value: Buffer): Promise<void> {
    await this.producer!.send({ topic: this.topic(topic), messages: [{ key, value }] });
  }

  /** Everything produced so far to the input topics is consumed and its offsets committed. */
  async consumed(): Promise<void> {
    await waitFor(
      'the notifier to consume and commit everything produced',
      async () => {
        const topics = INPUT_TOPICS.map((t) => this.topic(t));
        const committed = await this.admin!.fetchOffsets({ groupId: this.groupId, topics });
        for (const topic of topics) {
          const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
          for (const end of await this.admin!.fetchTopicOffsets(topic)) {
            const at = Number(done.find((p) => p.partition === end.partition)?.offset ?? -1);
            if (Number(end.high) > 0 && at < Number(end.high)) return false;
          }
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  }

  async http<T = Record<string, unknown>>(
    method: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers });
    const answer = { status: response.status, headers: response.headers, body: (await response.json()) as T };
    const contentType = response.headers.get('content-type');
    expect(documentedResponse({ method, path, contentType, ...answer })).toEqual([]);
    return answer;
  }

  /** The notifications of an order, through the API. */
  async notificationsOf(orderId: string): Promise<NotificationBody[]> {
    const { status, body } = await this.http<{ items: NotificationBody[] }>(
      'GET',
      `/notifications?order_id=${encodeURIComponent(orderId)}&limit=200`,
    );
    if (status !== 200) throw new Error(`GET /notifications answered ${status}`);
    return body.items;
  }

  async notification(id: string): Promise<NotificationBody> {
    const { status, body } = await this.http<NotificationBody>('GET', `/notifications/${id}`);
    if (status !== 200) throw new Error(`GET /notifications/${id} answered ${status}`);
    return body;
  }

  /** Waits until the order has `count` notifications and every one passes `ready`. */
  async waitForNotifications(
    orderId: string,
    count: number,
    what: string,
    ready: (n: NotificationBody) => boolean,
    timeoutMs = 30_000,
  ): Promise<NotificationBody[]> {
    return waitFor(
      `${count} notifications of order ${orderId} ${what}`,
      async () => {
        const found = await this.notificationsOf(orderId);
        return found.length === count && found.every(ready) ? found : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** The value of a metric of this service with the given labels (0 when absent). */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`${this.baseUrl}/metrics`)).text();
    const line = text
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
      .find((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  async dbQuery<R extends Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<R[]> {
    const { rows } = await this.service.ctx.pool.query<R>(
      sql.replaceAll('{schema}', quoteIdent(this.schema)),
      values,
    );
    return rows;
  }

  deadLettersFor(key: string): KafkaMessage[] {
    return this.deadLetters.filter((m) => m.key?.toString() === key);
  }
}
