// Shared pieces of the inventory integration tests: a private topic set and schema per test file, the
// service started in-process, a producer for its inputs and a collector for what it emits.
import { allTopicSpecs, EventSerde, type TopicName, type TopicValue } from '@orderflow/contracts';
import {
  createLogger,
  createPool,
  createPrefixedTopics,
  quoteIdent,
  startService,
  uniqueName,
  waitFor,
  type RunningService,
} from '@orderflow/runtime';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { openApiResponseValidator } from '@orderflow/runtime/testing/openapi';
import { inventoryService } from '../src/app';
import { inventoryOpenApi } from '../src/http/inventory.openapi';
import { loadInventoryConfig, type InventoryConfig } from '../src/config';

export const env = {
  brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081',
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orderflow',
};

export function testKafka(): Kafka {
  return new Kafka({
    clientId: 'inventory-test',
    brokers: env.brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
}

export const serde = new EventSerde({ registryUrl: env.registryUrl });

/** Every topic of the catalogue (and the DLQs) under a fresh prefix. */
export async function createTopicSet(kafka: Kafka): Promise<string> {
  const prefix = `${uniqueName('inv')}.`;
  await createPrefixedTopics(kafka, prefix, allTopicSpecs());
  return prefix;
}

export async function deleteTopicSet(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: allTopicSpecs().map((spec) => `${prefix}${spec.topic}`) });
  } catch {
    // Leftover topics only cost disk on a dev broker; a failed clean-up must not fail the tests.
  } finally {
    await admin.disconnect();
  }
}

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** The service's log lines, kept in memory so tests can check what it said. */
export function memoryLogger(level = 'info') {
  const lines: LogLine[] = [];
  const logger = createLogger({
    service: 'inventory',
    level,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  return { logger, lines };
}

export interface TestInventory {
  service: RunningService<InventoryConfig>;
  baseUrl: string;
  schema: string;
  prefix: string;
  logs: LogLine[];
  /** A pool on the test's database, for checks the HTTP API does not expose. */
  pool: Pool;
  stop(): Promise<void>;
}

export async function startInventory(prefix: string): Promise<TestInventory> {
  const schema = uniqueName('inventory_t');
  const config = loadInventoryConfig({
    PORT: '0',
    LOG_LEVEL: 'debug',
    TOPIC_PREFIX: prefix,
    DB_SCHEMA: schema,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    KAFKA_BROKERS: env.brokers,
    SCHEMA_REGISTRY_URL: env.registryUrl,
    DATABASE_URL: env.databaseUrl,
  });
  const { logger, lines } = memoryLogger('debug');
  const service = await startService(inventoryService, config, { logger });
  const baseUrl = `http://127.0.0.1:${service.port}`;
  await waitFor('inventory ready', async () => (await fetch(`${baseUrl}/readyz`)).status === 200, {
    timeoutMs: 30_000,
  });
  const pool = createPool({ connectionString: env.databaseUrl, applicationName: 'inventory-test', max: 2 });
  return {
    service,
    baseUrl,
    schema,
    prefix,
    logs: lines,
    pool,
    stop: async () => {
      await service.stop();
      await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await pool.end();
    },
  };
}

/** Produces events to `<prefix><topic>`, keyed as the catalogue says, optionally onto one partition. */
export class TestProducer {
  private constructor(
    private readonly producer: Producer,
    private readonly prefix: string,
  ) {}

  static async connect(kafka: Kafka, prefix: string): Promise<TestProducer> {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    return new TestProducer(producer, prefix);
  }

  async send<T extends TopicName>(topic: T, values: TopicValue<T>[], partition?: number): Promise<void> {
    const messages = await Promise.all(
      values.map(async (value) => {
        const message = await serde.message(topic, value);
        return { key: message.key, value: message.value, partition };
      }),
    );
    await this.producer.send({ topic: `${this.prefix}${topic}`, messages });
  }

  async sendRaw(topic: TopicName, key: string, value: Buffer, partition?: number): Promise<void> {
    await this.producer.send({ topic: `${this.prefix}${topic}`, messages: [{ key, value, partition }] });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

export type Outcome =
  | { topic: 'inventory.reserved'; value: TopicValue<'inventory.reserved'>; partition: number }
  | { topic: 'inventory.rejected'; value: TopicValue<'inventory.rejected'>; partition: number };

export interface DeadLetter {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  partition: number;
}

/** Reads everything the service emits (reservations, rejections, dead letters) from the beginning. */
export class OutputCollector {
  readonly outcomes: Outcome[] = [];
  readonly deadLetters: DeadLetter[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka, prefix: string): Promise<OutputCollector> {
    const consumer = kafka.consumer({ groupId: uniqueName('inventory-test-reader'), maxWaitTimeInMs: 100 });
    const collector = new OutputCollector(consumer);
    await consumer.connect();
    await consumer.subscribe({
      topics: [`${prefix}inventory.reserved`, `${prefix}inventory.rejected`, `${prefix}dlq.inventory`],
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const logical = topic.slice(prefix.length);
        if (logical === 'dlq.inventory') {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) {
            if (value !== undefined) headers[name] = String(Array.isArray(value) ? value[0] : value);
          }
          collector.deadLetters.push({
            key: message.key?.toString('utf8') ?? null,
            value: message.value,
            headers,
            partition,
          });
          return;
        }
        if (logical === 'inventory.reserved' || logical === 'inventory.rejected') {
          const value = await serde.decode(logical, message.value!);
          collector.outcomes.push({ topic: logical, value, partition } as Outcome);
        }
      },
    });
    return collector;
  }

  outcomesOf(orderId: string): Outcome[] {
    return this.outcomes.filter((outcome) => outcome.value.order_id === orderId);
  }

  async outcomeOf(orderId: string, timeoutMs = 20_000): Promise<Outcome> {
    return waitFor(`inventory outcome of ${orderId}`, () => this.outcomesOf(orderId)[0], { timeoutMs });
  }

  async reservedOf(orderId: string): Promise<TopicValue<'inventory.reserved'>> {
    const outcome = await this.outcomeOf(orderId);
    if (outcome.topic !== 'inventory.reserved')
      throw new Error(`${orderId} was rejected: ${JSON.stringify(outcome.value)}`);
    return outcome.value;
  }

  async rejectedOf(orderId: string): Promise<TopicValue<'inventory.rejected'>> {
    const outcome = await this.outcomeOf(orderId);
    if (outcome.topic !== 'inventory.rejected')
      throw new Error(`${orderId} was reserved: ${JSON.stringify(outcome.value)}`);
    return outcome.value;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

export interface StockView {
  sku: string;
  product_name: string;
  on_hand: number;
  reserved: number;
  available: number;
  sold: number;
  unit_price_cents: number | null;
  currency: string | null;
}

// Every answer a test reads goes through the documented schemas too, so the document cannot drift.
const documentedResponse = openApiResponseValidator(inventoryOpenApi);

export async function getJson<T = unknown>(
  url: string,
): Promise<{ status: number; body: T; contentType: string }> {
  const response = await fetch(url);
  const answer = {
    status: response.status,
    body: (await response.json()) as T,
    contentType: response.headers.get('content-type') ?? '',
  };
  const { pathname } = new URL(url);
  expect(documentedResponse({ method: 'GET', path: pathname, ...answer })).toEqual([]);
  return answer;
}

export async function stockOf(baseUrl: string, sku: string): Promise<StockView | undefined> {
  const { status, body } = await getJson<StockView>(`${baseUrl}/stock/${encodeURIComponent(sku)}`);
  return status === 200 ? body : undefined;
}

/** Waits until a SKU's stock satisfies `ready` (the service applies events asynchronously). */
export async function waitForStock(
  baseUrl: string,
  sku: string,
  ready: (stock: StockView) => boolean,
  what = `stock of ${sku}`,
): Promise<StockView> {
  return waitFor(what, async () => {
    const stock = await stockOf(baseUrl, sku);
    return stock && ready(stock) ? stock : undefined;
  });
}
