import type { KafkaMessage } from 'kafkajs';
import type { OrdersFinished, RefundsRequested } from '@orderflow/contracts';
import { refundsRequestedFor } from '@orderflow/contracts/testing';
import { quoteIdent, TransactionRecorder, waitFor } from '@orderflow/runtime';
import { finishedOrder, RefundsHarness } from './support';

/**
 * orders.finished is applied a batch at a time. The same events go to two services: one gets them all in
 * one send (a batch per partition), the other one message at a time, each waited for before the next.
 * Both must end with the same rows, the same outgoing events and the same single dead letter.
 */

// Statements per batch transaction, grouped per connection between BEGIN and COMMIT.
const transactions = new TransactionRecorder();

const batched = new RefundsHarness();
const single = new RefundsHarness();

beforeAll(async () => {
  transactions.install();
  await Promise.all([batched.start(), single.start()]);
}, 120_000);

afterAll(async () => {
  transactions.uninstall();
  await Promise.all([batched.stop(), single.stop()]);
});

/** The consumer's batch transactions of a harness: handler statements, without inbox/outbox/savepoints. */
function batchesOf(h: RefundsHarness): { handler: string[]; isolated: boolean }[] {
  const schema = quoteIdent(h.schema);
  return transactions.committed
    .filter((statements) => statements.some((s) => s.includes(`INSERT INTO ${schema}.inbox`)))
    .map((statements) => ({
      handler: statements.filter((s) => s.includes(`${schema}.orders`) || s.includes(`${schema}.refunds`)),
      isolated: statements.some((s) => s.startsWith('SAVEPOINT')),
    }));
}

async function waitingCount(h: RefundsHarness): Promise<number> {
  const [row] = await h.dbQuery<{ n: number }>(
    "SELECT count(*)::int AS n FROM {schema}.refunds WHERE status = 'WAITING'",
  );
  return row?.n ?? 0;
}

async function decodeAll(h: RefundsHarness, topic: 'refunds.processed' | 'refunds.rejected') {
  return Promise.all(
    h.output.messages(h.topic(topic)).map(async (m: KafkaMessage) => {
      const value = (await h.serde.decode(topic, m.value!)) as unknown as Record<string, unknown>;
      // Times of the decision are the clock's; everything else must match.
      const { occurred_at: _o, processed_at: _p, rejected_at: _r, ...rest } = value;
      return { key: m.key!.toString(), ...rest };
    }),
  );
}

/** Outgoing events per order key, in the order they were published. */
async function outgoing(h: RefundsHarness) {
  const byKey: Record<string, unknown[]> = {};
  for (const topic of ['refunds.processed', 'refunds.rejected'] as const) {
    for (const event of await decodeAll(h, topic)) (byKey[`${topic}:${event.key}`] ??= []).push(event);
  }
  return byKey;
}

async function stateOf(h: RefundsHarness) {
  const orders = await h.dbQuery(
    `SELECT order_id, status, total_cents, paid_cents, refunded_cents, currency, customer_id, customer_email,
       customer_name, placed_at, finished_at, finished_event_id
     FROM {schema}.orders ORDER BY order_id`,
  );
  const refunds = await h.dbQuery(
    `SELECT refund_id, order_id, requested_amount_cents, status, amount_cents, currency, rejection_reason,
       rejection_detail, refunded_total_cents, remaining_refundable_cents, outcome_event_id
     FROM {schema}.refunds ORDER BY refund_id`,
  );
  const inbox = await h.dbQuery(
    "SELECT event_id, outcome FROM {schema}.inbox WHERE topic LIKE '%orders.finished' ORDER BY event_id",
  );
  return { orders, refunds, inbox };
}

test('a batch of 200 orders.finished gives the same rows and events as one event at a time', async () => {
  const orders = Array.from({ length: 197 }, (_, i) =>
    i % 5 === 4
      ? finishedOrder({ status: 'FAILED', reason: 'OUT_OF_STOCK', payment_id: null })
      : finishedOrder(),
  );
  // Requests that arrive before their order's outcome and wait for it: two for each of 12 orders.
  const requests: RefundsRequested[] = orders
    .filter((_, i) => i % 17 === 0)
    .flatMap((order) => [
      refundsRequestedFor(order),
      refundsRequestedFor(order, { amount_cents: null, reason: 'the rest' }),
    ]);
  const conflicting: OrdersFinished = {
    ...orders[10]!,
    event_id: `${orders[10]!.event_id}-again`,
    status: 'FAILED',
    reason: 'PAYMENT_DECLINED',
    payment_id: null,
  };
  const poisoned = finishedOrder({ currency: 'euro' });
  const events: OrdersFinished[] = [
    ...orders.slice(0, 60),
    orders[20]!, // the same event again: a duplicate id within the batch
    ...orders.slice(60, 100),
    poisoned,
    ...orders.slice(100),
    conflicting, // another outcome for an order already finished in this batch: the first one wins
  ];
  expect(events).toHaveLength(200);

  for (const h of [batched, single]) await h.produce('refunds.requested', ...requests);
  for (const h of [batched, single])
    await waitFor('the requests to wait for their orders', async () => (await waitingCount(h)) === 24);
  const before = transactions.committed.length;

  // All at once: one record batch per partition, so the consumer gets each partition's events together.
  await batched.produce('orders.finished', ...events);
  // One at a time: each applied (inbox row committed) before the next is sent.
  for (const event of events) {
    await single.produce('orders.finished', event);
    await waitFor(
      `${event.event_id} to be consumed`,
      async () =>
        (await single.dbQuery('SELECT 1 FROM {schema}.inbox WHERE event_id = $1', [event.event_id]))
          .length === 1,
      { intervalMs: 10 },
    );
  }
  await Promise.all([batched.settled(), single.settled()]);

  const [inBatches, oneByOne] = await Promise.all([stateOf(batched), stateOf(single)]);
  expect(inBatches).toEqual(oneByOne);
  expect(inBatches.orders).toHaveLength(197);
  expect(inBatches.refunds.filter((r) => r.status === 'WAITING')).toEqual([]);
  expect(inBatches.inbox.filter((r) => r.outcome === 'DEAD_LETTERED')).toEqual([
    { event_id: poisoned.event_id, outcome: 'DEAD_LETTERED' },
  ]);
  const conflicted = inBatches.orders.find((o) => o.order_id === orders[10]!.order_id);
  expect(conflicted).toMatchObject({ status: 'PAID', finished_event_id: orders[10]!.event_id });

  const [sentInBatches, sentOneByOne] = await Promise.all([outgoing(batched), outgoing(single)]);
  expect(sentInBatches).toEqual(sentOneByOne);
  expect(Object.values(sentInBatches).flat()).toHaveLength(24);

  for (const h of [batched, single]) {
    const dead = h.output.messages(h.topic('dlq.refunds'));
    expect(dead.map((m) => m.key?.toString())).toEqual([poisoned.order_id]);
    expect(dead[0]!.headers?.['x-dlq-error-code']?.toString()).toBe('REFUNDS.INVALID_ORDER_OUTCOME');
    expect(
      h.logs.filter((l) => l.msg === 'order outcome already recorded; ignored' && l.level === 'warn'),
    ).toEqual([
      expect.objectContaining({ eventId: conflicting.event_id, recorded: 'PAID', status: 'FAILED' }),
    ]);
  }

  // Statements: one at a time, 4 per new outcome (placeholder, lock, record, waiting requests); a batch 4
  // whatever its size. Either way 1-2 more per order with waiting requests. The partition with the poisoned
  // event is applied message by message.
  transactions.committed.splice(0, before);
  const singleBatches = batchesOf(single);
  const whole = batchesOf(batched).filter((b) => !b.isolated);
  expect(whole.length).toBeGreaterThan(0);
  const wholeStatements = whole.reduce((n, b) => n + b.handler.length, 0);
  expect(wholeStatements).toBeLessThanOrEqual(4 * whole.length + 2 * 12);
  const singleStatements = singleBatches.reduce((n, b) => n + b.handler.length, 0);
  expect(singleStatements).toBeGreaterThanOrEqual(3 * 197);
}, 240_000);
