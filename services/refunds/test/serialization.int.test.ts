// One order's refund requests and its outcome arrive on different topics, so two consumers (or a consumer
// and the grace worker) may handle them at the same moment. These tests run the handlers in two real
// Postgres transactions, hold the first one open, and check that the second waits for it and then sees
// what it did: a request is never parked as WAITING behind an outcome that is being recorded, and an
// outcome never misses a request that is being parked.
import { Pool, type PoolClient } from 'pg';
import { EventSerde, type TopicValue } from '@orderflow/contracts';
import { refundsRequestedFor } from '@orderflow/contracts/testing';
import {
  createLogger,
  migrate,
  quoteIdent,
  uniqueName,
  waitFor,
  withTransaction,
  type ConsumedEvent,
  type HandlerContext,
  type OutboxMessage,
  type TopicHandler,
} from '@orderflow/runtime';
import { OrderRepository } from '../src/db/order.repository';
import { RefundRepository } from '../src/db/refund.repository';
import { ordersFinishedHandler } from '../src/handlers/orders-finished.handler';
import { refundsRequestedHandler } from '../src/handlers/refunds-requested.handler';
import { graceExpiryWorker } from '../src/workers/grace-expiry.worker';
import { finishedOrder } from './support';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orderflow';
const schema = uniqueName('refunds_lock_t');
const pool = new Pool({ connectionString: databaseUrl, max: 6 });
const serde = new EventSerde({ registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081' });
const deps = { refunds: new RefundRepository(schema), orders: new OrderRepository(schema), serde };
const log = createLogger({ service: 'refunds-test', level: 'silent' });

beforeAll(async () => {
  await migrate({ databaseUrl, schema, dir: `${__dirname}/../migrations` });
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  await pool.end();
});

/** A transaction kept open until the test says so, like a consumer batch in progress. */
class OpenTransaction {
  readonly published: OutboxMessage[] = [];
  private constructor(
    readonly client: PoolClient,
    readonly pid: number,
  ) {}

  static async begin(): Promise<OpenTransaction> {
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await client.query('BEGIN');
    return new OpenTransaction(client, rows[0]!.pid);
  }

  handle<T extends 'orders.finished' | 'refunds.requested'>(
    handler: TopicHandler<TopicValue<T>>,
    topic: T,
    value: TopicValue<T>,
  ): Promise<void> {
    const ctx: HandlerContext = { tx: this.client, log, publish: (m) => this.published.push(m) };
    const event: ConsumedEvent<TopicValue<T>> = {
      topic,
      partition: 0,
      offset: '0',
      key: value.order_id,
      value,
      eventId: value.event_id,
      headers: {},
      timestamp: Date.now(),
    };
    return handler.handle(ctx, event);
  }

  async commit(): Promise<void> {
    await this.client.query('COMMIT');
    this.client.release();
  }

  /** Resolves once this transaction is blocked on a lock another one holds. */
  async blocked(): Promise<void> {
    await waitFor(`backend ${this.pid} to wait for a lock`, async () => {
      const { rows } = await pool.query<{ wait_event_type: string | null }>(
        'SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1',
        [this.pid],
      );
      return rows[0]?.wait_event_type === 'Lock';
    });
  }
}

async function placeholderFor(orderId: string): Promise<void> {
  await withTransaction(pool, (tx) => deps.orders.lockOrCreate(tx, orderId));
}

async function statusOf(refundId: string): Promise<string | undefined> {
  return (await deps.refunds.find(pool, refundId))?.status;
}

test('a request handled while the outcome is being recorded waits for it, then is decided', async () => {
  const order = finishedOrder({ total_cents: 1_000 });
  const request = refundsRequestedFor(order, { amount_cents: 400 });
  // An earlier request left a placeholder: nothing else would make the second transaction wait.
  await placeholderFor(order.order_id);

  const recording = await OpenTransaction.begin();
  await recording.handle(ordersFinishedHandler(deps), 'orders.finished', order);
  const requesting = await OpenTransaction.begin();
  const handled = requesting.handle(refundsRequestedHandler(deps), 'refunds.requested', request);
  await requesting.blocked();
  await recording.commit();
  await handled;
  await requesting.commit();

  expect(await statusOf(request.refund_id)).toBe('REFUNDED');
  expect(requesting.published.map((m) => m.topic)).toEqual(['refunds.processed']);
});

test('an outcome recorded while a request is being parked waits for it, then decides it', async () => {
  const order = finishedOrder({ total_cents: 1_000 });
  const request = refundsRequestedFor(order, { amount_cents: null });

  const parking = await OpenTransaction.begin();
  await parking.handle(refundsRequestedHandler(deps), 'refunds.requested', request);
  const recording = await OpenTransaction.begin();
  const handled = recording.handle(ordersFinishedHandler(deps), 'orders.finished', order);
  await recording.blocked();
  await parking.commit();
  await handled;
  await recording.commit();

  expect(parking.published).toEqual([]);
  expect(await statusOf(request.refund_id)).toBe('REFUNDED');
  expect(recording.published.map((m) => m.topic)).toEqual(['refunds.processed']);
  expect((await deps.orders.find(pool, order.order_id))?.refundedCents).toBe(1_000);
});

test('the grace worker leaves alone a request whose outcome is being recorded', async () => {
  const order = finishedOrder({ total_cents: 1_000 });
  const request = refundsRequestedFor(order, { amount_cents: 250 });
  const parking = await OpenTransaction.begin();
  await parking.handle(refundsRequestedHandler(deps), 'refunds.requested', request);
  await parking.commit();
  expect(await statusOf(request.refund_id)).toBe('WAITING');

  const recording = await OpenTransaction.begin();
  await recording.handle(ordersFinishedHandler(deps), 'orders.finished', order);
  // A grace period of 1 ms: the request has expired as far as the worker can tell. Its own pool, so its
  // backend can be told apart from everybody else's on a shared database.
  const workerName = uniqueName('grace');
  const workerPool = new Pool({ connectionString: databaseUrl, max: 2, application_name: workerName });
  const worker = graceExpiryWorker({
    ...deps,
    pool: workerPool,
    schema,
    logger: log,
    graceMs: 1,
    batchSize: 10,
  });
  worker.start();
  try {
    await waitFor('the grace worker to wait for the order lock', async () => {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [workerName],
      );
      return rows[0]!.n > 0;
    });
    await recording.commit();
    await waitFor('the request to be decided', async () => (await statusOf(request.refund_id)) !== 'WAITING');
  } finally {
    await worker.stop();
    await workerPool.end();
  }

  expect(await statusOf(request.refund_id)).toBe('REFUNDED');
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${quoteIdent(schema)}.outbox`,
  );
  expect(rows[0]!.n).toBe(0);
});
