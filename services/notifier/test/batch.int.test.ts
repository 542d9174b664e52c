import type { OrdersFinished, RefundsProcessed, RefundsRejected } from '@orderflow/contracts';
import {
  buildCustomer,
  buildOrdersPlaced,
  ordersFinishedFor,
  refundsProcessedFor,
  refundsRejectedFor,
  refundsRequestedFor,
} from '@orderflow/contracts/testing';
import { quoteIdent, TransactionRecorder, waitFor } from '@orderflow/runtime';
import { SmtpSink } from './smtp-sink';
import { NotifierHarness } from './support';

/**
 * Events are recorded a batch at a time. The same events go to two notifiers: one gets them all in one send
 * per topic (a batch per partition), the other one message at a time, each waited for before the next.
 * Both must record the same notifications and dead-letter the same single event.
 */

// Statements per batch transaction, grouped per connection between BEGIN and COMMIT.
const transactions = new TransactionRecorder();

const smtp = new SmtpSink();
const env = () => ({ NOTIFY_CHANNELS: 'log,email', SMTP_URL: smtp.url });
const batched = new NotifierHarness(env);
const single = new NotifierHarness(env);

beforeAll(async () => {
  transactions.install();
  await smtp.start();
  await Promise.all([batched.start(), single.start()]);
}, 120_000);

afterAll(async () => {
  transactions.uninstall();
  await Promise.all([batched.stop(), single.stop()]);
  await smtp.stop();
});

/** The consumer's batch transactions of a notifier: its statements on notifications, and whether isolated. */
function batchesOf(h: NotifierHarness): { handler: number; isolated: boolean }[] {
  const schema = quoteIdent(h.schema);
  return transactions.committed
    .filter((statements) => statements.some((s) => s.includes(`INSERT INTO ${schema}.inbox`)))
    .map((statements) => ({
      handler: statements.filter((s) => s.includes(`${schema}.notifications`)).length,
      isolated: statements.some((s) => s.startsWith('SAVEPOINT')),
    }));
}

/** What consumption recorded (delivery changes only status and attempt columns, which are left out). */
async function recorded(h: NotifierHarness) {
  const notifications = await h.dbQuery(
    `SELECT notification_id, event_id, topic, kind, channel, order_id, customer_id, recipient, content
     FROM {schema}.notifications ORDER BY notification_id`,
  );
  const inbox = await h.dbQuery('SELECT event_id, outcome FROM {schema}.inbox ORDER BY event_id');
  return { notifications, inbox };
}

async function oneAtATime<T extends 'orders.finished' | 'refunds.processed' | 'refunds.rejected'>(
  topic: T,
  events: (T extends 'orders.finished'
    ? OrdersFinished
    : T extends 'refunds.processed'
      ? RefundsProcessed
      : RefundsRejected)[],
): Promise<void> {
  for (const event of events) {
    await single.produce(topic, event as never);
    await waitFor(
      `${event.event_id} to be consumed`,
      async () =>
        (await single.dbQuery('SELECT 1 FROM {schema}.inbox WHERE event_id = $1', [event.event_id]))
          .length === 1,
      { intervalMs: 10 },
    );
  }
}

test('a batch of 200 events gives the same notifications as one event at a time', async () => {
  const orders = Array.from({ length: 197 }, (_, i) => {
    const placed = buildOrdersPlaced(
      i === 150 ? { customer: buildCustomer({ email: 'not an address' }) } : {},
    );
    return i % 5 === 4
      ? ordersFinishedFor(placed, { status: 'FAILED', reason: 'OUT_OF_STOCK', payment_id: null })
      : ordersFinishedFor(placed);
  });
  const poisoned = ordersFinishedFor(buildOrdersPlaced(), { currency: 'EURO' });
  const finished: OrdersFinished[] = [
    ...orders.slice(0, 60),
    orders[20]!, // the same event again: a duplicate id within the batch
    ...orders.slice(60, 100),
    poisoned,
    ...orders.slice(100),
  ];
  expect(finished).toHaveLength(199);
  const paid = orders.filter((o) => o.status === 'PAID').slice(0, 10);
  const processed = paid.map((o) => refundsProcessedFor(o, refundsRequestedFor(o)));
  const rejected = paid.map((o) => refundsRejectedFor(o, refundsRequestedFor(o)));
  const before = transactions.committed.length;

  await batched.produce('orders.finished', ...finished);
  await batched.produce('refunds.processed', ...processed);
  await batched.produce('refunds.rejected', ...rejected);
  await oneAtATime('orders.finished', finished);
  await oneAtATime('refunds.processed', processed);
  await oneAtATime('refunds.rejected', rejected);
  await Promise.all([batched.consumed(), single.consumed()]);

  const [inBatches, oneByOne] = await Promise.all([recorded(batched), recorded(single)]);
  expect(inBatches).toEqual(oneByOne);
  // Two channels per event, but no e-mail for the order without a deliverable address.
  expect(inBatches.notifications).toHaveLength(2 * (197 + 20) - 1);
  expect(inBatches.inbox.filter((r) => r.outcome === 'DEAD_LETTERED')).toEqual([
    { event_id: poisoned.event_id, outcome: 'DEAD_LETTERED' },
  ]);

  for (const h of [batched, single]) {
    const dead = await waitFor('the dead letter', () =>
      h.deadLetters.length > 0 ? h.deadLetters : undefined,
    );
    expect(dead.map((m) => m.key?.toString())).toEqual([poisoned.order_id]);
    expect(dead[0]!.headers?.['x-dlq-error-code']?.toString()).toBe('NOTIFIER.INVALID_EVENT');
    expect(
      h.logs.filter((l) => l.msg === 'no deliverable customer address; no e-mail for this event'),
    ).toEqual([expect.objectContaining({ level: 'info', eventId: orders[150]!.event_id })]);
  }

  // One insert per batch, however many events it holds; one per event, one at a time.
  transactions.committed.splice(0, before);
  const whole = batchesOf(batched).filter((b) => !b.isolated);
  expect(whole.length).toBeGreaterThan(0);
  expect(whole.every((b) => b.handler === 1)).toBe(true);
  const singleStatements = batchesOf(single).reduce((n, b) => n + b.handler, 0);
  expect(singleStatements).toBeGreaterThanOrEqual(217);
}, 240_000);
