import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import { allTopicSpecs, EventSerde, type TopicName, type TopicValue } from '@orderflow/contracts';
import {
  collectLogLines,
  createLogger,
  createPrefixedTopics,
  createRedis,
  quoteIdent,
  startService,
  uniqueName,
  waitFor,
  type OpenApiDocument,
  type RunningService,
  type ServiceConfig,
  type ServiceDefinition,
} from '@orderflow/runtime';
import { analyticsService } from '../../../services/analytics/src/app';
import { loadAnalyticsConfig } from '../../../services/analytics/src/config';
import { inventoryService } from '../../../services/inventory/src/app';
import { loadInventoryConfig } from '../../../services/inventory/src/config';
import { notifierService } from '../../../services/notifier/src/app';
import { loadNotifierConfig } from '../../../services/notifier/src/config';
import { ordersService } from '../../../services/orders/src/app';
import { loadOrdersConfig } from '../../../services/orders/src/config';
import { paymentsService } from '../../../services/payments/src/app';
import { loadPaymentsConfig } from '../../../services/payments/src/config';
import { refundsService } from '../../../services/refunds/src/app';
import { loadRefundsConfig } from '../../../services/refunds/src/config';

export const SERVICE_NAMES = ['orders', 'inventory', 'payments', 'refunds', 'notifier', 'analytics'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface LogLine {
  level: string;
  msg: string;
  service?: string;
  [key: string]: unknown;
}

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orderflow';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The secrets the services run with: each is random, so finding one in a log line means it leaked. */
export interface Secrets {
  apiToken: string;
  webhookSecret: string;
  notifyWebhookSecret: string;
  smtpUser: string;
  smtpPassword: string;
}

/** An SMTP server on loopback that takes any login and every message (for the email channel). */
export class SmtpCatcher {
  readonly messages: string[] = [];
  readonly logins: string[] = [];
  private server: SMTPServer | undefined;
  port = 0;

  async start(): Promise<void> {
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, callback) => {
        this.logins.push(auth.username ?? '');
        callback(null, { user: auth.username });
      },
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.messages.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      const listener = server.listen(0, '127.0.0.1', () => {
        const address = listener.address();
        this.port = typeof address === 'object' && address ? address.port : 0;
        resolve();
      });
      listener.once('error', reject);
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface RunningApp {
  name: ServiceName;
  service: RunningService<ServiceConfig>;
  baseUrl: string;
  schema: string;
  /** The document the service itself serves at GET /openapi.json. */
  document: OpenApiDocument;
}

/**
 * All six services in-process against the real stack, wired to one private set of topics (so events flow
 * between them), each with its own Postgres schema, consumer group and log sink; analytics with its own
 * Redis prefix; notifier mailing through a local SMTP server with a password in SMTP_URL.
 */
export class SecurityStack {
  readonly prefix = `${uniqueName('sec')}.`;
  readonly redisPrefix = `${uniqueName('sec')}.`;
  readonly secrets: Secrets = {
    apiToken: `tok-${randomBytes(16).toString('hex')}`,
    webhookSecret: `whs-${randomBytes(16).toString('hex')}`,
    notifyWebhookSecret: `nws-${randomBytes(16).toString('hex')}`,
    smtpUser: `mailer-${randomBytes(4).toString('hex')}`,
    smtpPassword: `pw-${randomBytes(12).toString('hex')}`,
  };
  readonly logs: LogLine[] = [];
  readonly smtp = new SmtpCatcher();
  readonly kafka = new Kafka({ clientId: 'security-test', brokers, logLevel: logLevel.NOTHING });
  readonly apps = new Map<ServiceName, RunningApp>();
  /** Errors nobody caught while the services ran: any is a crash in waiting. */
  readonly uncaught: unknown[] = [];
  private readonly onUncaught = (error: unknown): void => {
    this.uncaught.push(error);
  };

  constructor(private readonly only: readonly ServiceName[] = SERVICE_NAMES) {}

  app(name: ServiceName): RunningApp {
    const app = this.apps.get(name);
    if (!app) throw new Error(`${name} is not running`);
    return app;
  }

  topic(logical: string): string {
    return `${this.prefix}${logical}`;
  }

  get smtpUrl(): string {
    return `smtp://${this.secrets.smtpUser}:${this.secrets.smtpPassword}@127.0.0.1:${this.smtp.port}`;
  }

  private env(name: ServiceName): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      TOPIC_PREFIX: this.prefix,
      CONSUMER_GROUP: `${this.prefix}${name}`,
      DB_SCHEMA: this.schemaOf(name),
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    };
  }

  schemaOf(name: ServiceName): string {
    return `${this.prefix.replace(/[^a-z0-9]/gi, '_')}${name}`.toLowerCase();
  }

  async start(): Promise<void> {
    process.on('uncaughtException', this.onUncaught);
    process.on('unhandledRejection', this.onUncaught);
    await createPrefixedTopics(this.kafka, this.prefix, allTopicSpecs());
    await this.smtp.start();
    // Settled, not all: a service that failed to start must not leave the others running unseen.
    const started = await Promise.allSettled(this.only.map((name) => this.startOne(name)));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    await waitFor(
      'every service to be ready',
      async () => {
        for (const app of this.apps.values()) {
          const response = await fetch(`${app.baseUrl}/readyz`);
          await response.arrayBuffer();
          if (response.status !== 200) return false;
        }
        return true;
      },
      { timeoutMs: 45_000, intervalMs: 200 },
    );
  }

  private async startOne(name: ServiceName): Promise<void> {
    const logger = createLogger({ service: name, level: 'info', destination: collectLogLines(this.logs) });
    const schema = this.schemaOf(name);
    const env = this.env(name);
    const run = async <C extends ServiceConfig>(
      definition: ServiceDefinition<C>,
      config: C,
    ): Promise<RunningService<ServiceConfig>> =>
      (await startService(
        { ...definition, schema, consumer: { ...definition.consumer, sessionTimeoutMs: 6000 } },
        config,
        { logger },
      )) as unknown as RunningService<ServiceConfig>;
    let service: RunningService<ServiceConfig>;
    const self: { url?: string } = {};
    switch (name) {
      case 'orders':
        service = await run(ordersService, loadOrdersConfig(env));
        break;
      case 'inventory':
        service = await run(inventoryService, loadInventoryConfig(env));
        break;
      case 'payments':
        service = await run(
          paymentsService({ schema, publicUrl: () => self.url }),
          loadPaymentsConfig({
            ...env,
            GATEWAY_PORT: '0',
            WEBHOOK_SECRET: this.secrets.webhookSecret,
            PAYMENT_POLL_MS: '50',
            PAYMENT_DELAY_MS: '20',
            PAYMENT_SUCCESS_RATE: '1',
          }),
        );
        break;
      case 'refunds':
        service = await run(
          refundsService({ schema }),
          loadRefundsConfig({ ...env, API_TOKEN: this.secrets.apiToken }),
        );
        break;
      case 'notifier':
        service = await run(
          notifierService,
          loadNotifierConfig({
            ...env,
            API_TOKEN: this.secrets.apiToken,
            NOTIFY_WEBHOOK_SECRET: this.secrets.notifyWebhookSecret,
            NOTIFY_CHANNELS: 'log,email',
            SMTP_URL: this.smtpUrl,
            NOTIFY_POLL_MS: '50',
          }),
        );
        break;
      case 'analytics':
        service = await run(
          analyticsService({ schema }),
          loadAnalyticsConfig({
            ...env,
            ANALYTICS_KEY_PREFIX: this.redisPrefix,
            ANALYTICS_KPI_TTL_DAYS: '0',
          }),
        );
        break;
    }
    const baseUrl = `http://127.0.0.1:${service.port}`;
    self.url = baseUrl;
    const response = await fetch(`${baseUrl}/openapi.json`);
    const document = (await response.json()) as OpenApiDocument;
    this.apps.set(name, { name, service, baseUrl, schema, document });
  }

  /** A fingerprint of every row in a service's schema: equal before and after means nothing was written. */
  async fingerprint(name: ServiceName): Promise<Record<string, string>> {
    const { pool } = this.app(name).service.ctx;
    const schema = this.schemaOf(name);
    const { rows: tables } = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'
       AND table_name NOT LIKE 'pgmigrations%'`,
      [schema],
    );
    const result: Record<string, string> = {};
    for (const { table_name: table } of tables) {
      const { rows } = await pool.query<{ n: string; digest: string | null }>(
        `SELECT count(*)::text AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest
         FROM ${quoteIdent(schema)}.${quoteIdent(table)} t`,
      );
      result[table] = `${rows[0]?.n}:${rows[0]?.digest ?? ''}`;
    }
    return result;
  }

  private readonly serde = new EventSerde({
    registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081',
  });

  /** Produces events to this stack's topics, keyed as the services key them. */
  async produce<T extends TopicName>(topic: T, ...events: TopicValue<T>[]): Promise<void> {
    const producer = this.kafka.producer();
    await producer.connect();
    try {
      const messages = await Promise.all(events.map((event) => this.serde.message(topic, event)));
      await producer.send({
        topic: this.topic(topic),
        messages: messages.map((m) => ({ key: m.key, value: m.value })),
      });
    } finally {
      await producer.disconnect();
    }
  }

  /** End offsets of every topic of this stack: equal before and after means no event was published. */
  async topicOffsets(): Promise<Record<string, string>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const result: Record<string, string> = {};
      for (const spec of allTopicSpecs()) {
        // Leadership may be moving (a broker restart elsewhere, fresh topics): retriable, so retried.
        const offsets = await waitFor(
          `the end offsets of ${spec.topic}`,
          () => admin.fetchTopicOffsets(this.topic(spec.topic)).catch(() => undefined),
          { timeoutMs: 20_000, intervalMs: 250 },
        );
        result[spec.topic] = offsets.map((o) => `${o.partition}:${o.high}`).join(',');
      }
      return result;
    } finally {
      await admin.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.apps.values()].map((app) => app.service.stop().catch(() => undefined)));
    await this.smtp.stop();
    const admin = this.kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: allTopicSpecs().map((s) => this.topic(s.topic)) })
      .catch(() => undefined);
    await admin.deleteGroups(this.only.map((name) => `${this.prefix}${name}`)).catch(() => undefined);
    await admin.disconnect();
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    for (const name of this.only) {
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(this.schemaOf(name))} CASCADE`);
    }
    await client.end();
    const redis = createRedis(redisUrl, 'security-test');
    const keys = await redis.keys(`${this.redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    process.off('uncaughtException', this.onUncaught);
    process.off('unhandledRejection', this.onUncaught);
  }
}
