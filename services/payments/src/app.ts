import path from 'node:path';
import { EventSerde } from '@orderflow/contracts';
import type { ReadinessCheck, ServiceContext, ServiceDefinition } from '@orderflow/runtime';
import type { PaymentsConfig } from './config';
import { PaymentRepository } from './db/payment.repository';
import { SimulatedGateway } from './gateway/simulated-gateway';
import { inventoryReservedHandler } from './handlers/inventory-reserved.handler';
import { paymentsOpenApi } from './http/payments.openapi';
import { paymentsRoutes } from './http/payments.routes';
import { webhooksRoutes } from './http/webhooks.routes';
import { chargeSubmitter } from './workers/charge-submitter';
import { DueListener, paymentsDueChannel } from './workers/due-listener';
import { paymentTimeouts } from './workers/payment-timeouts';

export interface PaymentsServiceOptions {
  /** Postgres schema; tests pass a unique one. */
  schema?: string;
  /**
   * Base URL the gateway calls back on, when it is only known after start (PORT=0 in tests); otherwise
   * PAYMENTS_PUBLIC_URL, then http://127.0.0.1:<PORT>.
   */
  publicUrl?: () => string | undefined;
}

interface Wiring {
  repo: PaymentRepository;
  serde: EventSerde;
  gateway: SimulatedGateway | undefined;
  gatewayUrl: () => string | undefined;
  callbackUrl: () => string | undefined;
  batchCallbackUrl: () => string | undefined;
}

function publicBaseUrl(config: PaymentsConfig, options: PaymentsServiceOptions): string | undefined {
  const fromOptions = options.publicUrl?.();
  if (fromOptions) return fromOptions;
  if (config.PAYMENTS_PUBLIC_URL) return config.PAYMENTS_PUBLIC_URL;
  return config.PORT === 0 ? undefined : `http://127.0.0.1:${config.PORT}`;
}

/**
 * The payments service: inventory.reserved -> a PENDING payment; a worker sends it to the (simulated)
 * gateway; the gateway's signed callback or the timeout decides it and emits payments.succeeded or
 * payments.failed. By default the simulated gateway runs in-process on its own port.
 */
export function paymentsService(options: PaymentsServiceOptions = {}): ServiceDefinition<PaymentsConfig> {
  // One set of collaborators per started instance; every hook gets the same context object.
  const wirings = new WeakMap<ServiceContext<PaymentsConfig>, Wiring>();
  const wire = (ctx: ServiceContext<PaymentsConfig>): Wiring => {
    let wiring = wirings.get(ctx);
    if (!wiring) {
      const { config } = ctx;
      const gateway = config.GATEWAY_EMBEDDED
        ? new SimulatedGateway({
            secret: config.WEBHOOK_SECRET,
            delayMs: config.PAYMENT_DELAY_MS,
            successRate: config.PAYMENT_SUCCESS_RATE,
            seed: config.PAYMENT_SEED,
            logger: ctx.logger,
          })
        : undefined;
      wiring = {
        repo: new PaymentRepository(ctx.schema),
        serde: new EventSerde({ registryUrl: config.SCHEMA_REGISTRY_URL }),
        gateway,
        gatewayUrl: () => (gateway ? gateway.url : config.GATEWAY_URL),
        callbackUrl: () => {
          const base = publicBaseUrl(config, options);
          return base && new URL('/webhooks/gateway', base).toString();
        },
        batchCallbackUrl: () => {
          const base = publicBaseUrl(config, options);
          return base && new URL('/webhooks/gateway/batch', base).toString();
        },
      };
      wirings.set(ctx, wiring);
    }
    return wiring;
  };

  return {
    name: 'payments',
    schema: options.schema,
    migrationsDir: path.join(__dirname, '..', 'migrations'),
    consumer: { sessionTimeoutMs: 10_000 },
    beforeStart: async (ctx) => {
      const { serde } = wire(ctx);
      // Fail at start-up, not on the first decision, when the registry refuses our outcome schemas.
      await Promise.all([serde.schemaId('payments.succeeded'), serde.schemaId('payments.failed')]);
    },
    handlers: (ctx) => {
      const { serde, repo } = wire(ctx);
      return [inventoryReservedHandler({ serde, repo })];
    },
    workers: (ctx) => {
      const w = wire(ctx);
      const { config, pool, logger, schema } = ctx;
      const deps = { schema, repo: w.repo, serde: w.serde, pool, logger };
      const submitter = chargeSubmitter({
        ...deps,
        gatewayUrl: w.gatewayUrl,
        callbackUrl: w.callbackUrl,
        batchCallbackUrl: w.batchCallbackUrl,
        batchSize: config.PAYMENT_SUBMIT_BATCH,
        intervalMs: config.PAYMENT_POLL_MS,
        requestTimeoutMs: config.GATEWAY_REQUEST_TIMEOUT_MS,
      });
      const timeouts = paymentTimeouts({
        ...deps,
        timeoutMs: config.PAYMENT_TIMEOUT_MS,
        batchSize: config.PAYMENT_SUBMIT_BATCH,
      });
      const dueListener = new DueListener({
        connectionString: config.DATABASE_URL,
        channel: paymentsDueChannel(schema),
        logger,
        onDue: () => submitter.wake(),
      });
      const gateway = w.gateway;
      return [
        ...(gateway
          ? [
              {
                start: async () => {
                  await gateway.start({ host: config.HOST, port: config.GATEWAY_PORT });
                },
                stop: () => gateway.stop(),
              },
            ]
          : []),
        submitter,
        { start: () => dueListener.start(), stop: () => dueListener.stop() },
        timeouts,
      ];
    },
    routes: (router, ctx) => {
      const { repo, serde } = wire(ctx);
      const { pool, schema, config } = ctx;
      paymentsRoutes(router, { pool, repo });
      webhooksRoutes(router, {
        pool,
        repo,
        serde,
        schema,
        secret: config.WEBHOOK_SECRET,
        bodyLimit: config.HTTP_BODY_LIMIT,
      });
    },
    openapi: paymentsOpenApi,
    readiness: (ctx): ReadinessCheck[] => {
      const w = wire(ctx);
      return [
        {
          // Ready means able to do the work: an embedded gateway that listens and a callback URL. An
          // external gateway being down is reported but does not make the service unready: payments are
          // still recorded, callbacks still accepted, and charge requests retried until it is back.
          name: 'gateway',
          check: async () => {
            const url = w.gatewayUrl();
            const callbackUrl = w.callbackUrl();
            const details: Record<string, unknown> = {
              url: url ?? null,
              embedded: w.gateway !== undefined,
              callback_url: callbackUrl ?? null,
            };
            if (!url || !callbackUrl) return { ok: false, details };
            try {
              const response = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(1_000) });
              await response.arrayBuffer();
              details.reachable = response.ok;
            } catch (error) {
              details.reachable = false;
              details.error = error instanceof Error ? error.message : String(error);
            }
            return { ok: w.gateway === undefined || details.reachable === true, details };
          },
        },
      ];
    },
  };
}

export const definition = paymentsService();
