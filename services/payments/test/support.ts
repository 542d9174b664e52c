import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { Pool } from 'pg';
import {
  allTopicSpecs,
  EventSerde,
  type InventoryReserved,
  type PaymentsFailed,
  type PaymentsSucceeded,
} from '@orderflow/contracts';
import { uniqueId } from '@orderflow/contracts/testing';
import {
  createLogger,
  createPrefixedTopics,
  quoteIdent,
  startService,
  uniqueName,
  waitFor,
  type RunningService,
  signWebhook,
} from '@orderflow/runtime';
import { openApiResponseValidator } from '@orderflow/runtime/testing/openapi';
import { paymentsService } from '../src/app';
import { gatewayOpenApi } from '../src/gateway/gateway.openapi';
import { paymentsOpenApi } from '../src/http/payments.openapi';
import { loadPaymentsConfig, type PaymentsConfig } from '../src/config';
import { gatewayOutcome, type GatewayOutcome } from '../src/domain/outcome';

const documentedResponse = {
  payments: openApiResponseValidator(paymentsOpenApi),
  gateway: openApiResponseValidator(gatewayOpenApi),
};

/** Holds an answer a test read to the documented schemas, so the OpenAPI documents cannot drift. */
export function expectDocumented(
  api: keyof typeof documentedResponse,
  method: string,
  url: string,
  answer: { status: number; contentType: string | null; body: unknown },
): void {
  const { pathname } = new URL(url);
  expect(documentedResponse[api]({ method, path: pathname, ...answer })).toEqual([]);
}

export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orderflow';
export const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';
export const logger = createLogger({
  service: 'payments-test',
  level: process.env.TEST_LOG_LEVEL ?? 'silent',
});

export const serde = new EventSerde({ registryUrl });

export function testKafka(): Kafka {
  return new Kafka({ clientId: 'payments-test', brokers, logLevel: logLevel.NOTHING });
}

export interface Collected {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Reads everything the service publishes (payments.* and its DLQ) from the start, for the whole file, so a
 * test can wait for an event and, once the outbox is empty, check that nothing else was published.
 */
export class OutputCollector {
  readonly messages: Collected[] = [];
  private readonly next = new Map<string, number>();
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    readonly prefix: string,
  ) {}

  get topics(): string[] {
    return ['payments.succeeded', 'payments.failed', 'dlq.payments'].map((t) => `${this.prefix}${t}`);
  }

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: uniqueName('payments-reader'), maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          if (value !== undefined) headers[name] = String(Array.isArray(value) ? value[0] : value);
        }
        this.messages.push({
          topic: topic.slice(this.prefix.length),
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? '',
          value: message.value ?? Buffer.alloc(0),
          headers,
        });
        this.next.set(`${topic}:${partition}`, Number(message.offset) + 1);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  async outcomes(
    orderId: string,
  ): Promise<
    (
      | { topic: 'payments.succeeded'; value: PaymentsSucceeded }
      | { topic: 'payments.failed'; value: PaymentsFailed }
    )[]
  > {
    const mine = this.messages.filter(
      (m) => (m.topic === 'payments.succeeded' || m.topic === 'payments.failed') && m.key === orderId,
    );
    return Promise.all(
      mine.map(async (m) =>
        m.topic === 'payments.succeeded'
          ? { topic: 'payments.succeeded' as const, value: await serde.decode('payments.succeeded', m.value) }
          : { topic: 'payments.failed' as const, value: await serde.decode('payments.failed', m.value) },
      ),
    );
  }

  /** Waits for the first outcome event of an order. */
  async outcome(orderId: string, timeoutMs = 20_000) {
    return waitFor(`a payments outcome for ${orderId}`, async () => (await this.outcomes(orderId))[0], {
      timeoutMs,
    });
  }

  deadLetters(key: string): Collected[] {
    return this.messages.filter((m) => m.topic === 'dlq.payments' && m.key === key);
  }

  /** True once every message the topics held when called has been read. */
  async caughtUp(): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (const topic of this.topics) {
        for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
          if ((this.next.get(`${topic}:${partition}`) ?? 0) < Number(high)) return false;
        }
      }
      return true;
    } finally {
      await admin.disconnect();
    }
  }
}

/** The service's private topics (the runtime helper waits until every one has its leaders). */
async function createTopics(kafka: Kafka, prefix: string): Promise<void> {
  await createPrefixedTopics(kafka, prefix, allTopicSpecs());
}

export interface PaymentsHarness {
  service: RunningService<PaymentsConfig>;
  config: PaymentsConfig;
  baseUrl: string;
  gatewayUrl: string;
  prefix: string;
  schema: string;
  pool: Pool;
  kafka: Kafka;
  producer: Producer;
  output: OutputCollector;
  /** Sends inventory.reserved events (encoded through the registry), keyed by order id, in one request. */
  reserve(...events: InventoryReserved[]): Promise<void>;
  /** Sends raw bytes to inventory.reserved. */
  produceRaw(key: string, value: Buffer): Promise<void>;
  /** Waits until the outbox is empty and the collector has read everything published. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The service in-process with a private schema, topics and consumer group, its embedded gateway on a free
 * port and callbacks going to the port the service got.
 */
export async function startPayments(env: Record<string, string> = {}): Promise<PaymentsHarness> {
  const kafka = testKafka();
  const prefix = `${uniqueName('pay')}.`;
  const schema = uniqueName('payments_t');
  const pool = new Pool({ connectionString: databaseUrl, max: 3 });
  const output = new OutputCollector(kafka, prefix);
  const producer = kafka.producer();
  let service: RunningService<PaymentsConfig> | undefined;
  // Undoes whatever was set up, also when start-up failed half way.
  const cleanup = async (): Promise<void> => {
    await producer.disconnect().catch(() => undefined);
    await service?.stop();
    await output.stop();
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await pool.end();
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: allTopicSpecs().map((s) => `${prefix}${s.topic}`) })
      .catch(() => undefined);
    await admin.disconnect();
  };

  try {
    await createTopics(kafka, prefix);
    const config = loadPaymentsConfig({
      ...process.env,
      PORT: '0',
      GATEWAY_PORT: '0',
      LOG_LEVEL: 'silent',
      TOPIC_PREFIX: prefix,
      CONSUMER_GROUP: uniqueName('payments'),
      PAYMENT_POLL_MS: '50',
      ...env,
    });
    // Known once the service listens; the submit worker asks for it per round.
    const self: { url?: string } = {};
    const definition = {
      ...paymentsService({ schema, publicUrl: () => self.url }),
      consumer: { sessionTimeoutMs: 6000 },
    };
    await output.start();
    service = await startService(definition, config, { logger });
    const baseUrl = `http://127.0.0.1:${service.port}`;
    self.url = baseUrl;
    const ready = await waitFor(
      'the payments service to be ready',
      async () => {
        const response = await fetch(`${baseUrl}/readyz`);
        const body = (await response.json()) as { checks: { gateway?: { details?: { url?: string } } } };
        return response.status === 200 ? body : undefined;
      },
      { timeoutMs: 30_000 },
    );
    await producer.connect();
    return {
      service,
      config,
      baseUrl,
      gatewayUrl: ready.checks.gateway?.details?.url ?? config.GATEWAY_URL,
      prefix,
      schema,
      pool,
      kafka,
      producer,
      output,
      reserve: async (...events) => {
        await producer.send({
          topic: `${prefix}inventory.reserved`,
          messages: await Promise.all(
            events.map(async (event) => ({
              key: event.order_id,
              value: await serde.encode('inventory.reserved', event),
            })),
          ),
        });
      },
      produceRaw: async (key, value) => {
        await producer.send({ topic: `${prefix}inventory.reserved`, messages: [{ key, value }] });
      },
      settle: async () => {
        await waitFor('the outbox to drain', async () => {
          const { rows } = await pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM ${quoteIdent(schema)}.outbox`,
          );
          return rows[0]?.n === '0';
        });
        await waitFor('the collector to catch up', () => output.caughtUp());
      },
      close: cleanup,
    };
  } catch (error) {
    await cleanup().catch(() => undefined);
    throw error;
  }
}

/** A fresh order id for which the gateway, with this seed and rate, answers `outcome`. */
export function orderIdWith(outcome: GatewayOutcome, config: PaymentsConfig): string {
  for (;;) {
    const id = uniqueId('ord');
    if (gatewayOutcome(config.PAYMENT_SEED, id, config.PAYMENT_SUCCESS_RATE) === outcome) return id;
  }
}

export interface PaymentRow {
  payment_id: string;
  order_id: string;
  status: string;
  reason: string | null;
  gateway_reference: string | null;
  submitted_at: Date | null;
  submit_attempts: number;
  late_outcome: string | null;
  last_error: string | null;
}

export async function paymentRows(h: PaymentsHarness, orderId: string): Promise<PaymentRow[]> {
  const { rows } = await h.pool.query<PaymentRow>(
    `SELECT payment_id, order_id, status, reason, gateway_reference, submitted_at, submit_attempts, late_outcome,
            last_error
     FROM ${quoteIdent(h.schema)}.payments WHERE order_id = $1`,
    [orderId],
  );
  return rows;
}

export async function deliveries(
  h: PaymentsHarness,
  paymentId: string,
): Promise<{ delivery_id: string; outcome: string; effect: string }[]> {
  const { rows } = await h.pool.query<{ delivery_id: string; outcome: string; effect: string }>(
    `SELECT delivery_id, outcome, effect FROM ${quoteIdent(h.schema)}.webhook_deliveries
     WHERE payment_id = $1 ORDER BY received_at`,
    [paymentId],
  );
  return rows;
}

export async function inboxHas(h: PaymentsHarness, eventIds: string[]): Promise<boolean> {
  const { rows } = await h.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${quoteIdent(h.schema)}.inbox WHERE event_id = ANY($1::text[])`,
    [eventIds],
  );
  return Number(rows[0]?.n) === new Set(eventIds).size;
}

export interface CallbackBody {
  delivery_id: string;
  type: 'charge.succeeded' | 'charge.declined';
  charge_id: string;
  payment_id: string;
  order_id: string;
  outcome: GatewayOutcome;
  amount_cents: number;
  currency: string;
  decided_at: number;
  detail?: string | null;
}

export function callbackFor(
  payment: { payment_id: string; order_id: string; amount_cents: number; currency: string },
  outcome: GatewayOutcome,
  overrides: Partial<CallbackBody> = {},
): CallbackBody {
  return {
    delivery_id: uniqueId('dlv'),
    type: outcome === 'SUCCEEDED' ? 'charge.succeeded' : 'charge.declined',
    charge_id: uniqueId('ch'),
    payment_id: payment.payment_id,
    order_id: payment.order_id,
    outcome,
    amount_cents: payment.amount_cents,
    currency: payment.currency,
    decided_at: Date.now(),
    detail: outcome === 'DECLINED' ? 'do not honour' : null,
    ...overrides,
  };
}

/** Posts a callback the way the gateway does; `sign` lets a test forge or age the signature. */
export async function postCallback(
  h: PaymentsHarness,
  body: CallbackBody | string,
  options: {
    secret?: string;
    timestamp?: number;
    signature?: string | null;
    deliveryId?: string | null;
    contentType?: string;
    /** Send these bytes instead of the signed ones (a proxy that re-serialised the JSON). */
    sendInstead?: string;
  } = {},
): Promise<{ status: number; body: Record<string, unknown>; contentType: string | null }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/octet-stream',
  };
  const signature =
    options.signature === undefined
      ? signWebhook(options.secret ?? h.config.WEBHOOK_SECRET, raw, timestamp)
      : options.signature;
  if (signature !== null) headers['x-signature'] = signature;
  const deliveryId =
    options.deliveryId === undefined
      ? typeof body === 'string'
        ? undefined
        : body.delivery_id
      : options.deliveryId;
  if (deliveryId !== undefined && deliveryId !== null) headers['x-delivery-id'] = deliveryId;
  const response = await fetch(`${h.baseUrl}/webhooks/gateway`, {
    method: 'POST',
    headers,
    body: options.sendInstead ?? raw,
  });
  const answer = {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    contentType: response.headers.get('content-type'),
  };
  expectDocumented('payments', 'POST', response.url, answer);
  return answer;
}
