import { hostname } from 'node:os';
import path from 'node:path';
import { EventSerde } from '@orderflow/contracts';
import {
  createRedis,
  pingRedis,
  type Redis,
  type ServiceContext,
  type ServiceDefinition,
} from '@orderflow/runtime';
import type { AnalyticsConfig } from './config';
import { KpiSnapshotRepository } from './db/kpi-snapshot.repository';
import { analyticsOpenApi } from './http/analytics.openapi';
import { analyticsRoutes } from './http/analytics.routes';
import { dashboardRoutes } from './http/dashboard.routes';
import { DeadLetterProducer } from './kafka/dead-letter.producer';
import { EventDecoder } from './kafka/event-decoder';
import { LiveConsumer } from './kafka/live-consumer';
import { AnalyticsStore } from './redis/analytics.store';
import { Rebuilder } from './rebuild/rebuilder';
import { KpiReader } from './snapshot/kpi-reader';
import { GenerationGuard } from './workers/generation.guard';

export const SERVICE_NAME = 'analytics';
const DAY_SECONDS = 86_400;

export interface AnalyticsServiceOptions {
  /** Postgres schema; tests pass a unique one. */
  schema?: string;
  /** Test hook passed to every rebuild this instance runs (see Rebuilder). */
  afterCapture?: (generation: string) => Promise<void>;
  /** Clock for the default `date` of /kpis and KPI expiry, for tests. */
  now?: () => number;
}

type Context = ServiceContext<AnalyticsConfig>;

/** What the worker, routes and readiness checks of one running instance share. */
interface AnalyticsParts {
  redis: Redis;
  store: AnalyticsStore;
  live: LiveConsumer;
  deadLetters: DeadLetterProducer;
  guard: GenerationGuard;
  kpis: KpiReader;
}

/** The analytics store for a configuration, shared by the service and the CLI. */
export function analyticsStore(config: AnalyticsConfig, redis: Redis, now?: () => number): AnalyticsStore {
  return new AnalyticsStore(redis, config.ANALYTICS_KEY_PREFIX, {
    kpiTtlDays: config.ANALYTICS_KPI_TTL_DAYS,
    eventIdTtlSeconds: config.ANALYTICS_EVENT_ID_TTL_DAYS * DAY_SECONDS,
    now,
  });
}

export function rebuildOwner(role: string): string {
  return `${role}@${hostname()}/${process.pid}`;
}

/**
 * The analytics service: orders.finished and refunds.processed into exact daily KPIs and leaderboards in
 * Redis, with a query API. Its state lives in Redis, not Postgres, so it runs its own Kafka consumer (a
 * worker) instead of the runtime's inbox consumer; Postgres only keeps KPI snapshots.
 */
export function analyticsService(options: AnalyticsServiceOptions = {}): ServiceDefinition<AnalyticsConfig> {
  // Keyed by the context, so one definition can run several times in a process (tests).
  const instances = new WeakMap<Context, AnalyticsParts>();
  const partsOf = (ctx: Context): AnalyticsParts => {
    let parts = instances.get(ctx);
    if (parts) return parts;
    const { config, logger } = ctx;
    const redis = createRedis(config.REDIS_URL, SERVICE_NAME);
    const store = analyticsStore(config, redis, options.now);
    const decoder = new EventDecoder(
      new EventSerde({ registryUrl: config.SCHEMA_REGISTRY_URL }),
      config.TOPIC_PREFIX,
    );
    const deadLetters = new DeadLetterProducer(
      ctx.kafka,
      `${config.TOPIC_PREFIX}dlq.analytics`,
      SERVICE_NAME,
    );
    const guard = new GenerationGuard({
      store,
      logger,
      intervalMs: config.ANALYTICS_GENERATION_CHECK_MS,
      rebuilder: () =>
        new Rebuilder({
          store,
          kafka: ctx.kafka,
          decoder,
          logger,
          owner: rebuildOwner(SERVICE_NAME),
          topicPrefix: config.TOPIC_PREFIX,
          lockLeaseMs: config.ANALYTICS_REBUILD_LOCK_MS,
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
          afterCapture: options.afterCapture,
        }),
    });
    const live = new LiveConsumer({
      kafka: ctx.kafka,
      groupId: config.CONSUMER_GROUP ?? `${config.TOPIC_PREFIX}${SERVICE_NAME}`,
      decoder,
      store,
      deadLetters,
      logger,
      metrics: ctx.metrics,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      onNoGeneration: () => guard.poke(),
    });
    parts = {
      redis,
      store,
      live,
      deadLetters,
      guard,
      kpis: new KpiReader(store, new KpiSnapshotRepository(ctx.schema), ctx.pool),
    };
    instances.set(ctx, parts);
    return parts;
  };

  return {
    name: SERVICE_NAME,
    schema: options.schema,
    migrationsDir: path.join(__dirname, '..', 'migrations'),
    workers: (ctx) => {
      const parts = partsOf(ctx);
      return [
        {
          start: async () => {
            // Only saves the first EVAL of each script; Redis being away now is not fatal.
            await parts.store.loadScripts().catch((error: unknown) => {
              ctx.logger.warn({ err: error }, 'could not preload Redis scripts');
            });
            await parts.deadLetters.start();
            // Rebuilds in the background when Redis has no data, while HTTP reports not ready.
            parts.guard.start();
            await parts.live.start();
          },
          stop: async () => {
            await parts.guard.stop();
            await parts.live.stop();
            await parts.deadLetters.stop();
            await parts.redis.quit().catch(() => parts.redis.disconnect());
          },
        },
      ];
    },
    routes: (router, ctx) => {
      const { store, kpis } = partsOf(ctx);
      analyticsRoutes(router, { store, kpis, now: options.now });
      dashboardRoutes(router);
    },
    openapi: analyticsOpenApi,
    readiness: (ctx) => {
      const { redis, live, guard } = partsOf(ctx);
      return [
        {
          name: 'redis',
          check: async () => {
            await pingRedis(redis);
            return { ok: true };
          },
        },
        {
          name: 'consumer',
          check: async () => {
            const status = live.status();
            return { ok: status.running && status.joined, details: { ...status } };
          },
        },
        {
          // Not ready while the data is being rebuilt (the details say how far it is).
          name: 'analytics_data',
          check: async () => ({ ok: guard.ready, details: { ...guard.report() } }),
        },
      ];
    },
  };
}

export const definition = analyticsService();
