import path from 'node:path';
import { Gauge } from 'prom-client';
import { EventSerde } from '@orderflow/contracts';
import type { ReadinessCheck, ServiceContext, ServiceDefinition, PollingLoop } from '@orderflow/runtime';
import type { DeliveryChannel } from './channels/delivery-channel';
import { emailChannel } from './channels/email.channel';
import { logChannel } from './channels/log.channel';
import { webhookChannel } from './channels/webhook.channel';
import type { NotifierConfig } from './config';
import { NotificationRepository } from './db/notification.repository';
import type { ChannelName } from './domain/notification';
import { ordersFinishedHandler } from './handlers/orders-finished.handler';
import { refundsProcessedHandler } from './handlers/refunds-processed.handler';
import { refundsRejectedHandler } from './handlers/refunds-rejected.handler';
import { notificationsRoutes } from './http/notifications.routes';
import { notifierOpenApi } from './http/notifier.openapi';
import { deliveryMetrics, deliveryWorker } from './workers/delivery.worker';

type Context = ServiceContext<NotifierConfig>;

/** What the handlers, routes and worker of one running instance share. */
interface NotifierParts {
  repo: NotificationRepository;
  serde: EventSerde;
  channels: Map<ChannelName, DeliveryChannel>;
  worker: PollingLoop;
}

function buildChannels(ctx: Context): Map<ChannelName, DeliveryChannel> {
  const { config } = ctx;
  const channels = new Map<ChannelName, DeliveryChannel>();
  for (const name of config.NOTIFY_CHANNELS) {
    if (name === 'log') channels.set(name, logChannel(ctx.logger));
    if (name === 'email') {
      channels.set(
        name,
        emailChannel({
          smtpUrl: config.SMTP_URL,
          from: config.MAIL_FROM,
          sendTimeoutMs: config.NOTIFY_SEND_TIMEOUT_MS,
        }),
      );
    }
    if (name === 'webhook') {
      channels.set(
        name,
        webhookChannel({
          // checkNotifierConfig makes it present whenever the channel is enabled.
          url: config.NOTIFY_WEBHOOK_URL!,
          secret: config.NOTIFY_WEBHOOK_SECRET,
          timeoutMs: config.NOTIFY_SEND_TIMEOUT_MS,
        }),
      );
    }
  }
  return channels;
}

// Keyed by the context, so one definition can run several times in a process (tests) without sharing.
const instances = new WeakMap<Context, NotifierParts>();

function partsOf(ctx: Context): NotifierParts {
  let parts = instances.get(ctx);
  if (!parts) {
    const { config } = ctx;
    const repo = new NotificationRepository(ctx.schema);
    const channels = buildChannels(ctx);
    new Gauge({
      name: 'orderflow_notifications_pending',
      help: 'Notifications waiting for delivery (PENDING)',
      registers: [ctx.metrics.registry],
      async collect() {
        try {
          this.set((await repo.backlog(ctx.pool)).pending);
        } catch {
          // Postgres being away shows in /readyz; the scrape still answers with the other metrics.
        }
      },
    });
    parts = {
      repo,
      serde: new EventSerde({ registryUrl: config.SCHEMA_REGISTRY_URL }),
      channels,
      worker: deliveryWorker({
        pool: ctx.pool,
        repo,
        channels,
        policy: {
          maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
          baseMs: config.NOTIFY_RETRY_BASE_MS,
          maxMs: config.NOTIFY_RETRY_MAX_MS,
        },
        batchSize: config.NOTIFY_BATCH_SIZE,
        logBatchSize: config.NOTIFY_LOG_BATCH_SIZE,
        leaseMs: config.NOTIFY_LEASE_MS,
        intervalMs: config.NOTIFY_POLL_MS,
        logger: ctx.logger,
        metrics: deliveryMetrics(ctx.metrics.registry),
      }),
    };
    instances.set(ctx, parts);
  }
  return parts;
}

/**
 * The notifier: orders.finished, refunds.processed and refunds.rejected become one PENDING notification
 * per enabled channel (log, email, webhook), recorded with the inbox row; a worker delivers them with
 * retries and keeps every attempt. Notifications can be listed, inspected and, once FAILED, retried.
 */
export const notifierService: ServiceDefinition<NotifierConfig> = {
  name: 'notifier',
  migrationsDir: path.join(__dirname, '..', 'migrations'),
  beforeStart: async (ctx) => {
    ctx.logger.info({ channels: ctx.config.NOTIFY_CHANNELS }, 'notification channels');
  },
  handlers: (ctx) => {
    const { repo, serde } = partsOf(ctx);
    const deps = { repo, serde, channels: ctx.config.NOTIFY_CHANNELS, locale: ctx.config.NOTIFY_LOCALE };
    return [ordersFinishedHandler(deps), refundsProcessedHandler(deps), refundsRejectedHandler(deps)];
  },
  workers: (ctx) => {
    const { worker, channels } = partsOf(ctx);
    return [
      {
        start: () => worker.start(),
        stop: async () => {
          await worker.stop();
          for (const channel of channels.values()) await channel.close?.();
        },
      },
    ];
  },
  routes: (router, ctx) => {
    const { repo, worker } = partsOf(ctx);
    notificationsRoutes(router, {
      pool: ctx.pool,
      repo,
      apiToken: ctx.config.API_TOKEN,
      wakeDelivery: () => worker.wake(),
    });
  },
  openapi: notifierOpenApi,
  readiness: (ctx): ReadinessCheck[] => [
    {
      // Ready means the worker runs. A backlog (say an SMTP outage) is reported, never a reason to take
      // the instance out of service: consumption goes on and nothing is lost.
      name: 'delivery',
      check: async () => {
        const { repo, worker } = partsOf(ctx);
        const backlog = await repo.backlog(ctx.pool);
        return { ok: worker.isRunning, details: { channels: ctx.config.NOTIFY_CHANNELS, ...backlog } };
      },
    },
  ],
};
