import type { Express, Router } from 'express';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { ConfigError, type BaseConfig } from './config';
import { createLogger } from './logger';
import { createMetrics, type RuntimeMetrics } from './metrics';
import { createPool, pingPostgres } from './db/pool';
import { migrate } from './db/migrate';
import { createKafka } from './kafka/client';
import { ConsumerRunner, type TopicHandler } from './kafka/consumer-runner';
import { OutboxRelay } from './kafka/outbox';
import { createHttpApp, startHttpServer, type OpenApiDocument, type ReadinessCheck } from './http';

export interface ServiceConfig extends BaseConfig {
  PORT: number;
}

export interface ServiceContext<C extends ServiceConfig = ServiceConfig> {
  config: C;
  logger: Logger;
  metrics: RuntimeMetrics;
  pool: Pool;
  kafka: Kafka;
  /** The Postgres schema the service owns. */
  schema: string;
}

export interface ServiceDefinition<C extends ServiceConfig = ServiceConfig> {
  /** Service name: consumer group, DLQ topic (`dlq.<name>`), log and metric label. */
  name: string;
  /** Postgres schema owned by the service; defaults to DB_SCHEMA, then to its name. */
  schema?: string;
  /** node-pg-migrate SQL migrations of the service. */
  migrationsDir?: string;
  handlers?: (ctx: ServiceContext<C>) => TopicHandler<any>[] | Promise<TopicHandler<any>[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
  routes?: (router: Router, ctx: ServiceContext<C>) => void;
  /** The service's OpenAPI document, served at `GET /openapi.json`; it must list every route. */
  openapi?: OpenApiDocument;
  readiness?: (ctx: ServiceContext<C>) => ReadinessCheck[];
  /** Runs after migrations, before consuming (register schemas, warm caches). */
  beforeStart?: (ctx: ServiceContext<C>) => Promise<void>;
  /** Background work the service owns, stopped before the pool closes. */
  workers?: (ctx: ServiceContext<C>) => { start(): Promise<void> | void; stop(): Promise<void> }[];
  consumer?: { sessionTimeoutMs?: number; partitionsConsumedConcurrently?: number };
}

export interface RunningService<C extends ServiceConfig = ServiceConfig> {
  ctx: ServiceContext<C>;
  port: number;
  stop(): Promise<void>;
}

/**
 * The composition every service shares: migrate, start the outbox relay and the consumer, serve HTTP.
 * Stopping reverses it: stop taking HTTP traffic and new batches, let the batch in flight commit, drain
 * the outbox, close Kafka and Postgres.
 */
export async function startService<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  config: C,
  options: { logger?: Logger; onFatal?: (error: unknown) => void } = {},
): Promise<RunningService<C>> {
  const logger = options.logger ?? createLogger({ service: definition.name, level: config.LOG_LEVEL });
  const metrics = createMetrics(definition.name);
  const schema = definition.schema ?? config.DB_SCHEMA ?? definition.name;
  await migrate({ databaseUrl: config.DATABASE_URL, schema, dir: definition.migrationsDir, logger });
  const pool = createPool({
    connectionString: config.DATABASE_URL,
    applicationName: definition.name,
    // One connection per partition batch in flight, plus the outbox relay's, the workers' and HTTP's.
    max: Math.max(10, config.KAFKA_PARTITION_CONCURRENCY + 6),
  });
  const kafka = createKafka(config, definition.name, logger);
  const ctx: ServiceContext<C> = { config, logger, metrics, pool, kafka, schema };
  await definition.beforeStart?.(ctx);

  const relay = new OutboxRelay({ pool, kafka, schema, logger, metrics, topicPrefix: config.TOPIC_PREFIX });
  await relay.start();
  const handlers = (await definition.handlers?.(ctx)) ?? [];
  const consumer =
    handlers.length > 0
      ? new ConsumerRunner({
          service: definition.name,
          kafka,
          pool,
          schema,
          logger,
          metrics,
          handlers,
          topicPrefix: config.TOPIC_PREFIX,
          // Topics under a prefix get their own group: kafkajs spreads every subscribed topic over all
          // members of a group, so two prefixes sharing one group would take each other's partitions.
          groupId: config.CONSUMER_GROUP ?? `${config.TOPIC_PREFIX}${definition.name}`,
          onOutboxWrite: () => relay.notify(),
          onFatal: options.onFatal,
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
          partitionsConsumedConcurrently: config.KAFKA_PARTITION_CONCURRENCY,
          ...definition.consumer,
        })
      : undefined;
  const workers = definition.workers?.(ctx) ?? [];
  for (const worker of workers) await worker.start();
  await consumer?.start();

  const admin = kafka.admin();
  await admin.connect();
  const readiness: ReadinessCheck[] = [
    {
      name: 'kafka',
      check: async () => {
        const cluster = await admin.describeCluster();
        return { ok: cluster.brokers.length > 0, details: { brokers: cluster.brokers.length } };
      },
    },
    {
      name: 'postgres',
      check: async () => {
        await pingPostgres(pool);
        return { ok: true };
      },
    },
    {
      name: 'outbox',
      check: async () => {
        const status = relay.status();
        return { ok: status.running && status.lastError === undefined, details: status };
      },
    },
    ...(consumer
      ? [
          {
            name: 'consumer',
            check: async () => {
              const status = consumer.status();
              return { ok: status.running && status.joined, details: { ...status } };
            },
          },
        ]
      : []),
    ...(definition.readiness?.(ctx) ?? []),
  ];
  const app = serviceHttpApp(definition, ctx, readiness);
  const server = await startHttpServer(app, { host: config.HOST, port: config.PORT, logger });
  logger.info({ port: server.port, schema }, 'service started');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('stopping');
      await server.close();
      await consumer?.stop();
      for (const worker of [...workers].reverse()) await worker.stop();
      await relay.stop();
      await admin.disconnect();
      await pool.end();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { ctx, port: server.port, stop };
}

/**
 * The HTTP side of a service: the shared stack with the service's routes and OpenAPI document. Tests build
 * it on its own (no Kafka needed) to check the document against the routes.
 */
export function serviceHttpApp<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  ctx: ServiceContext<C>,
  readiness: ReadinessCheck[] = [],
): Express {
  return createHttpApp({
    service: definition.name,
    logger: ctx.logger,
    metrics: ctx.metrics,
    bodyLimit: ctx.config.HTTP_BODY_LIMIT,
    readiness,
    routes: definition.routes ? (router) => definition.routes!(router, ctx) : undefined,
    openapi: definition.openapi,
  });
}

/**
 * Entry point for `main.ts`: parse config (a bad variable ends the process with one line naming it),
 * start, and stop cleanly on SIGTERM/SIGINT or when the consumer dies for good.
 */
export function runService<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  loadConfig: () => C,
): void {
  let config: C;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ service: definition.name, level: config.LOG_LEVEL });
  let running: RunningService<C> | undefined;
  const shutdown = (code: number) => {
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; exiting');
      process.exit(code || 1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    void (running?.stop() ?? Promise.resolve()).then(
      () => process.exit(code),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown(0));
  process.once('SIGINT', () => shutdown(0));
  startService(definition, config, {
    logger,
    onFatal: (error) => {
      logger.fatal({ err: error }, 'consumer cannot recover; exiting so the supervisor restarts the service');
      shutdown(1);
    },
  }).then(
    (service) => {
      running = service;
    },
    (error: unknown) => {
      logger.fatal({ err: error }, 'start-up failed');
      process.exit(1);
    },
  );
}
