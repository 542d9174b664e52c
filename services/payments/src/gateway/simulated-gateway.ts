import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import {
  AppError,
  parseBody,
  OPENAPI_PATH,
  problem,
  sendProblem,
  serveOpenApi,
  startHttpServer,
  toProblem,
  type Logger,
  type RunningHttpServer,
} from '@orderflow/runtime';
import {
  chargeBatchRequestSchema,
  chargeRequestSchema,
  type ChargeBatchItem,
  type ChargeRequest,
  type GatewayCallback,
  type GatewayCallbackBatch,
} from '../domain/gateway-contract';
import { gatewayOutcome, type GatewayOutcome } from '../domain/outcome';
import { CallbackSender, type DeliveryState } from './callback-sender';
import { gatewayOpenApi } from './gateway.openapi';

export interface SimulatedGatewayOptions {
  /** HMAC key the callbacks are signed with. */
  secret: string;
  /** Time between accepting a charge and calling back. */
  delayMs: number;
  /** Share of orders that succeed; which ones is fixed by `seed`. */
  successRate: number;
  seed: string;
  logger: Logger;
  callbackAttempts?: number;
  callbackRetryBaseMs?: number;
  /**
   * How long a charge is remembered once its callback is done (delivered or given up): the window in which
   * a repeated charge request is recognised. Bounded so a long run does not grow without limit.
   */
  retentionMs?: number;
  /** Most callbacks in one batched callback POST (default 100, which stays far below a 100 kB body limit). */
  callbackBatchSize?: number;
}

/** One charge as the gateway keeps it (in memory: a restarted simulator forgets everything). */
export interface Charge {
  charge_id: string;
  payment_id: string;
  order_id: string;
  amount_cents: number;
  currency: string;
  callback_url: string;
  /** Set when the charge came in a batch asking for batched callbacks: its outcome goes there. */
  batch_callback_url?: string;
  outcome: GatewayOutcome;
  /** PENDING until the gateway "decides", at the callback time. */
  status: 'PENDING' | GatewayOutcome;
  /** Charge requests received for this payment id, the first included. */
  requests: number;
  created_at: string;
  delivery_id: string;
  delivery: DeliveryState;
  /** Epoch millis when the callback was delivered or given up. */
  finished_at?: number;
}

function sameCharge(charge: Charge, request: ChargeRequest): boolean {
  return (
    charge.order_id === request.order_id &&
    charge.amount_cents === request.amount_cents &&
    charge.currency === request.currency
  );
}

/**
 * A stand-in for a card payment provider, reached only over HTTP: `POST /charges` accepts a charge (202,
 * idempotent on payment_id) and, `delayMs` later, posts a signed callback with the seeded outcome to the
 * charge's callback_url, retrying failed deliveries with backoff. `POST /charges/batch` does the same for
 * many charges in one request and, given a batch_callback_url, calls back with many results per signed POST.
 */
export class SimulatedGateway {
  readonly app: Express;
  private readonly charges = new Map<string, Charge>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deliveries = new Set<Promise<void>>();
  private readonly sender: CallbackSender;
  private readonly log: Logger;
  private server: RunningHttpServer | undefined;
  private baseUrl: string | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  /** Decided charges waiting for their batched callback, by batch callback URL. */
  private readonly outgoing = new Map<string, Charge[]>();
  private flushScheduled = false;

  constructor(private readonly options: SimulatedGatewayOptions) {
    this.log = options.logger.child({ component: 'gateway' });
    this.sender = new CallbackSender({
      secret: options.secret,
      logger: this.log,
      maxAttempts: options.callbackAttempts,
      retryBaseMs: options.callbackRetryBaseMs,
    });
    this.app = this.buildApp();
  }

  /** The URL the gateway answers on, once started. */
  get url(): string | undefined {
    return this.baseUrl;
  }

  charge(paymentId: string): Charge | undefined {
    return this.charges.get(paymentId);
  }

  async start(options: { host: string; port: number }): Promise<{ url: string; port: number }> {
    this.server = await startHttpServer(this.app, {
      host: options.host,
      port: options.port,
      logger: this.log,
      shutdownGraceMs: 1_000,
    });
    const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${this.server.port}`;
    const retentionMs = this.options.retentionMs ?? 15 * 60_000;
    this.sweeper = setInterval(() => this.forget(Date.now() - retentionMs), Math.min(60_000, retentionMs));
    this.sweeper.unref();
    this.log.info({ url: this.baseUrl, delayMs: this.options.delayMs }, 'simulated gateway listening');
    return { url: this.baseUrl, port: this.server.port };
  }

  /** Drops scheduled callbacks, aborts those in flight and closes the server. */
  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.outgoing.clear();
    this.sender.stop();
    await Promise.allSettled([...this.deliveries]);
    await this.server?.close();
    this.server = undefined;
  }

  private buildApp(): Express {
    const app = express();
    app.disable('x-powered-by');
    const singleJson = express.json({ limit: 10_000 });
    const batchJson = express.json({ limit: 1_000_000 });
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok', service: 'simulated-gateway' });
    });
    app.get(OPENAPI_PATH, serveOpenApi(gatewayOpenApi));
    // Registered before `/charges/:payment_id` would matter: that one is GET only.
    app.post('/charges/batch', batchJson, (req, res) => {
      const request = parseBody(chargeBatchRequestSchema, req);
      const accepted: Charge[] = [];
      const results = request.charges.map((item): ChargeBatchItem => {
        const existing = this.charges.get(item.payment_id);
        if (existing && !sameCharge(existing, item)) {
          return {
            payment_id: item.payment_id,
            status: 409,
            code: 'GATEWAY.IDEMPOTENCY_CONFLICT',
            detail: `payment ${item.payment_id} was already charged with other details`,
          };
        }
        if (existing) existing.requests++;
        const charge = existing ?? this.record(item, request.batch_callback_url);
        if (!existing) accepted.push(charge);
        return {
          payment_id: item.payment_id,
          status: 202,
          replayed: existing !== undefined,
          charge: { charge_id: charge.charge_id, payment_id: charge.payment_id, status: charge.status },
        };
      });
      // One timer for the charges this request created: they are all decided at the same moment.
      if (accepted.length > 0) this.schedule(accepted);
      res.status(200).json({ results });
    });
    app.post('/charges', singleJson, (req, res) => {
      const request = parseBody(chargeRequestSchema, req);
      const existing = this.charges.get(request.payment_id);
      if (existing) {
        if (!sameCharge(existing, request)) {
          throw new AppError({
            code: 'GATEWAY.IDEMPOTENCY_CONFLICT',
            message: `payment ${request.payment_id} was already charged with other details`,
            httpStatus: 409,
          });
        }
        existing.requests++;
        res.status(202).setHeader('Idempotent-Replayed', 'true');
        res.json({ charge_id: existing.charge_id, payment_id: existing.payment_id, status: existing.status });
        return;
      }
      const charge = this.record(request, undefined);
      this.schedule([charge]);
      res
        .status(202)
        .json({ charge_id: charge.charge_id, payment_id: charge.payment_id, status: charge.status });
    });
    app.get('/charges/:payment_id', (req, res) => {
      const charge = this.charges.get(String(req.params.payment_id));
      if (!charge) {
        throw new AppError({ code: 'GATEWAY.NOT_FOUND', message: 'no such charge', httpStatus: 404 });
      }
      res.json(charge);
    });
    app.use((req: Request, res: Response) => {
      sendProblem(
        res,
        problem(404, 'HTTP.NOT_FOUND', `No route for ${req.method} ${req.path}.`, context(req)),
      );
    });
    app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
      const mapped = toProblem(error, context(req));
      if (mapped.internal) this.log.error({ err: error }, 'gateway request failed');
      sendProblem(res, mapped.problem);
    });
    return app;
  }

  private record(request: ChargeRequest, batchCallbackUrl: string | undefined): Charge {
    const charge: Charge = {
      ...request,
      ...(batchCallbackUrl ? { batch_callback_url: batchCallbackUrl } : {}),
      charge_id: `ch_${randomUUID().replace(/-/g, '')}`,
      outcome: gatewayOutcome(this.options.seed, request.order_id, this.options.successRate),
      status: 'PENDING',
      requests: 1,
      created_at: new Date().toISOString(),
      delivery_id: `dlv_${randomUUID().replace(/-/g, '')}`,
      delivery: { attempts: 0, delivered: false },
    };
    this.charges.set(charge.payment_id, charge);
    this.log.debug({ paymentId: charge.payment_id, orderId: charge.order_id }, 'charge accepted');
    return charge;
  }

  private schedule(charges: Charge[]): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      for (const charge of charges) this.decide(charge);
    }, this.options.delayMs);
    this.timers.add(timer);
  }

  private callbackOf(charge: Charge): GatewayCallback {
    return {
      delivery_id: charge.delivery_id,
      type: charge.outcome === 'SUCCEEDED' ? 'charge.succeeded' : 'charge.declined',
      charge_id: charge.charge_id,
      payment_id: charge.payment_id,
      order_id: charge.order_id,
      outcome: charge.outcome,
      amount_cents: charge.amount_cents,
      currency: charge.currency,
      decided_at: Date.now(),
      detail: charge.outcome === 'DECLINED' ? 'card declined (simulated)' : null,
    };
  }

  private decide(charge: Charge): void {
    charge.status = charge.outcome;
    if (charge.batch_callback_url) {
      const queue = this.outgoing.get(charge.batch_callback_url);
      if (queue) queue.push(charge);
      else this.outgoing.set(charge.batch_callback_url, [charge]);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // Every charge decided in this turn of the event loop goes out together.
        setImmediate(() => this.flush());
      }
      return;
    }
    this.track(
      this.sender.deliver(
        charge.callback_url,
        charge.delivery_id,
        JSON.stringify(this.callbackOf(charge)),
        charge.delivery,
      ),
      [charge],
    );
  }

  /**
   * Sends the queued outcomes as batched callbacks. A batch is retried as a whole with the same batch id
   * (signed afresh each attempt); each item keeps its own delivery id, which the receiver dedupes on.
   */
  private flush(): void {
    this.flushScheduled = false;
    const size = this.options.callbackBatchSize ?? 100;
    for (const [url, queue] of this.outgoing) {
      this.outgoing.delete(url);
      for (let start = 0; start < queue.length; start += size) {
        const charges = queue.slice(start, start + size);
        const batchId = `bat_${randomUUID().replace(/-/g, '')}`;
        const body: GatewayCallbackBatch = {
          batch_id: batchId,
          callbacks: charges.map((charge) => this.callbackOf(charge)),
        };
        // The charges of one batch share one delivery state: they are delivered (or given up) together.
        const state: DeliveryState = { attempts: 0, delivered: false };
        for (const charge of charges) charge.delivery = state;
        this.track(this.sender.deliver(url, batchId, JSON.stringify(body), state), charges);
      }
    }
  }

  private track(delivery: Promise<void>, charges: Charge[]): void {
    const tracked = delivery.finally(() => {
      const now = Date.now();
      for (const charge of charges) charge.finished_at = now;
      this.deliveries.delete(tracked);
    });
    this.deliveries.add(tracked);
  }

  private forget(finishedBefore: number): void {
    for (const [paymentId, charge] of this.charges) {
      if (charge.finished_at !== undefined && charge.finished_at < finishedBefore)
        this.charges.delete(paymentId);
    }
  }
}

function context(req: Request): { instance: string; requestId: string } {
  return { instance: req.path, requestId: String(req.headers['x-request-id'] ?? '') };
}
