import { randomUUID } from 'node:crypto';
import {
  buildCustomer,
  buildOrderLine,
  buildOrdersPlaced,
  inventoryRejectedFor,
  inventoryReservedFor,
  paymentsFailedFor,
  paymentsSucceededFor,
  uniqueId,
} from '@orderflow/contracts/testing';
import { eventIdFrom, type OrdersPlaced } from '@orderflow/contracts';
import { waitFor } from '@orderflow/runtime';
import { ordersService } from '../src/app';
import { OrdersHarness } from './support';

interface TimelineEntry {
  event_id: string;
  topic: string;
  type: string;
  occurred_at: string;
  received_at?: string;
  outcome?: string;
  note?: string;
}

interface OrderBody {
  order_id: string;
  status: string;
  reason: string | null;
  reason_detail: string | null;
  total_cents: number;
  conflicts: number;
  lines: { sku: string }[];
  timeline: TimelineEntry[];
  [key: string]: unknown;
}

interface Problem {
  code: string;
  errors?: { field: string; message: string }[];
}

interface ListBody {
  items: { order_id: string; status: string; placed_at: string }[];
  next_cursor: string | null;
}

const orders = new OrdersHarness();

beforeAll(() => orders.start());
afterAll(() => orders.stop());

async function order(orderId: string) {
  return orders.get<OrderBody>(`/orders/${encodeURIComponent(orderId)}`);
}

/** Waits until GET /orders/{id} shows what `ready` looks for. */
async function orderWhen(
  orderId: string,
  what: string,
  ready: (body: OrderBody) => boolean,
): Promise<OrderBody> {
  return waitFor(`order ${orderId}: ${what}`, async () => {
    const { status, body } = await order(orderId);
    return status === 200 && ready(body) ? body : undefined;
  });
}

const types = (body: OrderBody) => body.timeline.map((entry) => entry.type);

/** One order's placed, reserved and paid events, each happening a little after the one before. */
function paidFlow() {
  const start = Date.now();
  const placed = buildOrdersPlaced({ occurred_at: start });
  const reserved = inventoryReservedFor(placed, { occurred_at: start + 10 });
  const paid = paymentsSucceededFor(reserved, { occurred_at: start + 20 });
  return { placed, reserved, paid };
}

describe('the happy path', () => {
  test('placed, reserved and paid: the order is PAID and exactly one orders.finished says so', async () => {
    const { placed, reserved, paid } = paidFlow();
    await orders.produce('orders.placed', placed);
    await orders.produce('inventory.reserved', reserved);
    await orders.produce('payments.succeeded', paid);

    const finished = await orders.waitForFinished(placed.order_id);
    expect(finished).toEqual({
      event_id: eventIdFrom('orders.finished', placed.order_id),
      occurred_at: finished.finished_at,
      order_id: placed.order_id,
      correlation_id: placed.correlation_id,
      causation_id: paid.event_id,
      status: 'PAID',
      reason: null,
      reason_detail: null,
      customer: placed.customer,
      currency: placed.currency,
      total_cents: placed.total_cents,
      lines: placed.lines,
      placed_at: placed.placed_at,
      finished_at: expect.any(Number),
      payment_id: paid.payment_id,
    });

    const { status, body } = await order(placed.order_id);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      order_id: placed.order_id,
      status: 'PAID',
      reason: null,
      customer_id: placed.customer.customer_id,
      customer: { name: placed.customer.name, email: placed.customer.email },
      currency: placed.currency,
      total_cents: placed.total_cents,
      placed_at: new Date(placed.placed_at).toISOString(),
      finished_at: new Date(finished.finished_at).toISOString(),
      payment_id: paid.payment_id,
      conflicts: 0,
    });
    expect(body.lines).toEqual(
      placed.lines.map((line) => ({ ...line, line_total_cents: line.unit_price_cents * line.qty })),
    );
    expect(body.timeline).toEqual([
      expect.objectContaining({ event_id: placed.event_id, topic: 'orders.placed', type: 'ORDER_PLACED' }),
      expect.objectContaining({
        event_id: reserved.event_id,
        topic: 'inventory.reserved',
        outcome: 'applied',
      }),
      expect.objectContaining({ event_id: paid.event_id, topic: 'payments.succeeded', outcome: 'applied' }),
      {
        event_id: finished.event_id,
        topic: 'orders.finished',
        type: 'ORDER_FINISHED',
        occurred_at: new Date(finished.finished_at).toISOString(),
        note: 'PAID',
      },
    ]);
    expect(body.timeline[0]!.occurred_at).toBe(new Date(placed.occurred_at).toISOString());

    await orders.settled();
    expect(await orders.finished(placed.order_id)).toHaveLength(1);
  });
});

describe('out-of-order arrival across topics', () => {
  test('a payment that arrives before the reservation waits for it; the order is PAID once reserved', async () => {
    const { placed, reserved, paid } = paidFlow();
    await orders.produce('orders.placed', placed);
    await orders.produce('payments.succeeded', paid);

    const early = await orderWhen(placed.order_id, 'the payment recorded', (b) => b.timeline.length === 2);
    expect(early.status).toBe('PLACED');
    expect(early.timeline[1]).toMatchObject({
      event_id: paid.event_id,
      outcome: 'waiting',
      note: 'waiting for the inventory result',
    });
    await orders.settled();
    expect(await orders.finished(placed.order_id)).toEqual([]);

    await orders.produce('inventory.reserved', reserved);
    const finished = await orders.waitForFinished(placed.order_id);
    expect(finished).toMatchObject({
      status: 'PAID',
      causation_id: paid.event_id,
      payment_id: paid.payment_id,
    });
    expect((await order(placed.order_id)).body.status).toBe('PAID');
  });

  test('a rejection that arrives before orders.placed is held until the order is placed, then fails it', async () => {
    // Happened first, arrives last.
    const placed = buildOrdersPlaced({ occurred_at: Date.now() - 1000 });
    const rejected = inventoryRejectedFor(placed, {
      lines: [{ sku: placed.lines[0]!.sku, reason: 'INSUFFICIENT_STOCK', requested: 2, available: 1 }],
    });
    await orders.produce('inventory.rejected', rejected);
    await waitFor('the rejection recorded for an order not placed yet', async () => {
      const rows = await orders.dbQuery<{ status: string }>(
        'SELECT status FROM {schema}.orders WHERE order_id = $1',
        [placed.order_id],
      );
      return rows[0]?.status === 'PENDING' || undefined;
    });
    const pending = await order(placed.order_id);
    expect(pending.status).toBe(404);

    await orders.produce('orders.placed', placed);
    const finished = await orders.waitForFinished(placed.order_id);
    expect(finished).toMatchObject({
      status: 'FAILED',
      reason: 'OUT_OF_STOCK',
      reason_detail: `${placed.lines[0]!.sku}: requested 2, available 1`,
      causation_id: rejected.event_id,
      correlation_id: placed.correlation_id,
      customer: placed.customer,
      payment_id: null,
    });
    const body = await orderWhen(placed.order_id, 'FAILED', (b) => b.status === 'FAILED');
    expect(body.reason).toBe('OUT_OF_STOCK');
    expect(types(body)).toEqual(['ORDER_PLACED', 'INVENTORY_REJECTED', 'ORDER_FINISHED']);
  });
});

describe('payment failures', () => {
  test.each([
    ['DECLINED', 'PAYMENT_DECLINED'],
    ['GATEWAY_TIMEOUT', 'PAYMENT_TIMEOUT'],
  ] as const)('a payment that failed as %s fails the order as %s', async (paymentReason, reason) => {
    const placed = buildOrdersPlaced();
    const reserved = inventoryReservedFor(placed);
    const failed = paymentsFailedFor(reserved, {
      reason: paymentReason,
      detail: `gateway said ${paymentReason}`,
    });
    await orders.produce('orders.placed', placed);
    await orders.produce('inventory.reserved', reserved);
    await orders.produce('payments.failed', failed);
    const finished = await orders.waitForFinished(placed.order_id);
    expect(finished).toMatchObject({
      status: 'FAILED',
      reason,
      reason_detail: `gateway said ${paymentReason}`,
      causation_id: failed.event_id,
      payment_id: null,
    });
  });
});

describe('duplicates and conflicts', () => {
  test('the same event delivered twice changes nothing and emits no second orders.finished', async () => {
    const { placed, reserved, paid } = paidFlow();
    await orders.produce('orders.placed', placed);
    await orders.produce('inventory.reserved', reserved);
    await orders.produce('payments.succeeded', paid);
    await orders.waitForFinished(placed.order_id);

    await orders.produce('payments.succeeded', paid);
    await orders.produce('orders.placed', placed);
    await orders.settled();
    expect(await orders.finished(placed.order_id)).toHaveLength(1);
    const { body } = await order(placed.order_id);
    expect(body.status).toBe('PAID');
    expect(types(body)).toEqual([
      'ORDER_PLACED',
      'INVENTORY_RESERVED',
      'PAYMENT_SUCCEEDED',
      'ORDER_FINISHED',
    ]);
  });

  test('a re-import with the same content is a duplicate; with other content a conflict, first version kept', async () => {
    const first = buildOrdersPlaced();
    // Same content under another event id (an importer that derives ids differently, say).
    const same: OrdersPlaced = { ...first, event_id: randomUUID() };
    const otherLines = [buildOrderLine({ unit_price_cents: 100, qty: 1 })];
    const other: OrdersPlaced = {
      ...first,
      event_id: randomUUID(),
      lines: otherLines,
      total_cents: 100,
      content_hash: 'f'.repeat(64),
    };
    await orders.produce('orders.placed', first, same, other);

    const body = await orderWhen(first.order_id, 'three imports recorded', (b) => b.timeline.length === 3);
    expect(body.timeline.map((e) => e.outcome)).toEqual(['applied', 'duplicate', 'conflict']);
    expect(body.timeline[2]!.note).toContain(
      `${other.content_hash} differs from the first version's ${first.content_hash}`,
    );
    expect(body).toMatchObject({ status: 'PLACED', total_cents: first.total_cents, conflicts: 1 });
    expect(body.lines.map((l) => l.sku)).toEqual(first.lines.map((l) => l.sku));
    expect(orders.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        orderId: first.order_id,
        conflict: 'CONTENT_MISMATCH',
        firstContentHash: first.content_hash,
        contentHash: other.content_hash,
      }),
    );

    const reserved = inventoryReservedFor(first);
    await orders.produce('inventory.reserved', reserved);
    await orders.produce('payments.succeeded', paymentsSucceededFor(reserved));
    const finished = await orders.waitForFinished(first.order_id);
    expect(finished).toMatchObject({ status: 'PAID', lines: first.lines, total_cents: first.total_cents });
    await orders.settled();
    expect(orders.deadLetters(first.order_id)).toEqual([]);
  });

  test('a payment success for an order whose stock was rejected does not make it PAID', async () => {
    const placed = buildOrdersPlaced();
    await orders.produce('orders.placed', placed);
    await orders.produce('inventory.rejected', inventoryRejectedFor(placed));
    await orders.waitForFinished(placed.order_id);

    const paid = paymentsSucceededFor(inventoryReservedFor(placed));
    await orders.produce('payments.succeeded', paid);
    await orders.settled();
    const { body } = await order(placed.order_id);
    expect(body).toMatchObject({ status: 'FAILED', reason: 'OUT_OF_STOCK', conflicts: 1 });
    expect(body.timeline.find((e) => e.event_id === paid.event_id)).toMatchObject({
      outcome: 'conflict',
      note: expect.stringContaining('stock was rejected'),
    });
    expect(await orders.finished(placed.order_id)).toHaveLength(1);
    expect(orders.deadLetters(placed.order_id)).toEqual([]);
    expect(orders.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        orderId: placed.order_id,
        conflict: 'PAYMENT_AFTER_REJECTION',
      }),
    );
  });
});

describe('poison messages', () => {
  test('garbage on orders.placed goes to dlq.orders and the messages after it are processed', async () => {
    const placed = buildOrdersPlaced();
    const garbage = Buffer.from('definitely not avro');
    await orders.produceRaw('orders.placed', placed.order_id, garbage);
    await orders.produce('orders.placed', placed);

    const [dead] = await waitFor('the dead letter', () => {
      const found = orders.deadLetters(placed.order_id);
      return found.length > 0 ? found : undefined;
    });
    expect(dead!.value).toEqual(garbage);
    const headers = Object.fromEntries(Object.entries(dead!.headers ?? {}).map(([k, v]) => [k, String(v)]));
    expect(headers).toMatchObject({ 'x-dlq-service': 'orders', 'x-dlq-error-code': 'UNDECODABLE' });
    // The runtime names the logical topic for an undecodable message, the physical one otherwise.
    expect([orders.topic('orders.placed'), 'orders.placed']).toContain(headers['x-dlq-origin-topic']);
    expect(headers['x-dlq-origin-offset']).toEqual(expect.any(String));
    const body = await orderWhen(placed.order_id, 'placed', (b) => b.status === 'PLACED');
    expect(body.timeline).toHaveLength(1);
  });

  test('an orders.placed that is not a usable order goes to dlq.orders', async () => {
    const placed = buildOrdersPlaced({ total_cents: 1 });
    await orders.produce('orders.placed', placed);
    const [dead] = await waitFor('the dead letter', () => {
      const found = orders.deadLetters(placed.order_id);
      return found.length > 0 ? found : undefined;
    });
    expect(String(dead!.headers?.['x-dlq-error-code'])).toBe('ORDERS.INVALID_ORDER');
    expect(String(dead!.headers?.['x-dlq-error-message'])).toContain('is not the sum of the lines');
    expect((await order(placed.order_id)).status).toBe(404);
  });
});

describe('batches', () => {
  test('many orders in each batch, facts in every arrival order: each order gets its own outcome and one orders.finished', async () => {
    const start = Date.now();
    const placed = Array.from({ length: 12 }, (_, i) => buildOrdersPlaced({ occurred_at: start + i }));
    const reserved = placed.map((p) => inventoryReservedFor(p, { occurred_at: start + 100 }));
    const paid = reserved.map((r) => paymentsSucceededFor(r, { occurred_at: start + 200 }));
    const inOrder = [0, 1, 2, 3];
    const paidFirst = [4, 5, 6, 7];
    const rejectedAfterPayment = [8, 9, 10, 11];
    const pick = <T>(events: T[], indexes: number[]) => indexes.map((i) => events[i]!);
    const rejected = pick(placed, rejectedAfterPayment).map((p) => inventoryRejectedFor(p));
    const bad = buildOrdersPlaced({ total_cents: 1 });
    const sameContent: OrdersPlaced = { ...placed[1]!, event_id: randomUUID() };
    const paidAgain = { ...paid[0]!, event_id: randomUUID() };

    // Each send is one batch per partition, several orders in each.
    await orders.produce('payments.succeeded', ...pick(paid, [...paidFirst, ...rejectedAfterPayment]));
    // A bad order in the middle of a batch, a redelivered copy and a same-content re-import.
    await orders.produce(
      'orders.placed',
      ...placed.slice(0, 6),
      bad,
      placed[0]!,
      sameContent,
      ...placed.slice(6),
    );
    await orders.produce('inventory.reserved', ...pick(reserved, [...inOrder, ...paidFirst]));
    await orders.produce('inventory.rejected', ...rejected);
    await orders.produce('payments.succeeded', ...pick(paid, inOrder), paidAgain);

    const finished = await waitFor('every order finished', async () => {
      const all = await Promise.all(placed.map((p) => orders.finished(p.order_id)));
      return all.every((f) => f.length > 0) ? all : undefined;
    });
    await orders.settled();
    for (const [i, p] of placed.entries()) {
      const emitted = await orders.finished(p.order_id);
      expect(emitted).toHaveLength(1);
      if (rejectedAfterPayment.includes(i)) {
        expect(emitted[0]).toMatchObject({ status: 'FAILED', reason: 'OUT_OF_STOCK' });
        expect(emitted[0]!.causation_id).toBe(rejected[rejectedAfterPayment.indexOf(i)]!.event_id);
      } else {
        expect(emitted[0]).toMatchObject({ status: 'PAID', causation_id: paid[i]!.event_id });
      }
    }
    expect(finished).toHaveLength(placed.length);

    const [dead] = await waitFor('the dead letter', () => {
      const found = orders.deadLetters(bad.order_id);
      return found.length > 0 ? found : undefined;
    });
    expect(String(dead!.headers?.['x-dlq-error-code'])).toBe('ORDERS.INVALID_ORDER');
    expect(orders.deadLetters(placed[0]!.order_id)).toEqual([]);

    const first = (await order(placed[0]!.order_id)).body;
    expect(first.timeline.map((e) => [e.type, e.outcome])).toEqual([
      ['ORDER_PLACED', 'applied'],
      ['INVENTORY_RESERVED', 'applied'],
      ['PAYMENT_SUCCEEDED', 'applied'],
      ['PAYMENT_SUCCEEDED', 'duplicate'],
      ['ORDER_FINISHED', undefined],
    ]);
    const second = (await order(placed[1]!.order_id)).body;
    expect(second.timeline.filter((e) => e.type === 'ORDER_PLACED').map((e) => e.outcome)).toEqual([
      'applied',
      'duplicate',
    ]);
    const early = (await order(placed[4]!.order_id)).body;
    expect(early).toMatchObject({ status: 'PAID', conflicts: 0 });
    const refused = (await order(placed[8]!.order_id)).body;
    expect(refused).toMatchObject({ status: 'FAILED', reason: 'OUT_OF_STOCK', conflicts: 1 });
    expect(refused.timeline.find((e) => e.event_id === paid[8]!.event_id)?.outcome).toBe('conflict');
    // Only the batch with the bad order was re-run message by message; the others were applied whole.
    const retried = orders.logs.filter((l) => l.msg === 'batch failed; retrying').map((l) => l.topic);
    expect(retried.filter((topic) => topic !== orders.topic('orders.placed'))).toEqual([]);
  });
});

describe('GET /orders/{id}', () => {
  test('an unknown order is a 404 problem', async () => {
    const answer = await orders.get<Problem>('/orders/no-such-order');
    expect(answer.status).toBe(404);
    expect(answer.contentType).toContain('application/problem+json');
    expect(answer.body.code).toBe('ORDERS.NOT_FOUND');
  });

  test('?wait=final answers every waiter as soon as the order finishes', async () => {
    const placed = buildOrdersPlaced();
    const reserved = inventoryReservedFor(placed);
    await orders.produce('orders.placed', placed);
    await orders.produce('inventory.reserved', reserved);
    await orderWhen(placed.order_id, 'RESERVED', (b) => b.status === 'RESERVED');

    const started = Date.now();
    const waiting = Array.from({ length: 3 }, () =>
      orders.get<OrderBody>(`/orders/${placed.order_id}?wait=final&timeout_ms=25000`),
    );
    await waitFor('three waiters', async () => (await orders.metric('orderflow_orders_final_waiters')) === 3);
    await orders.produce('payments.succeeded', paymentsSucceededFor(reserved));

    const answers = await Promise.all(waiting);
    expect(Date.now() - started).toBeLessThan(20_000);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe('PAID');
      expect(types(answer.body).at(-1)).toBe('ORDER_FINISHED');
    }
    expect(await orders.metric('orderflow_orders_final_waiters')).toBe(0);
  });

  test('?wait=final returns the current state when time runs out, and forgets clients that hang up', async () => {
    const placed = buildOrdersPlaced();
    await orders.produce('orders.placed', placed);
    await orderWhen(placed.order_id, 'PLACED', (b) => b.status === 'PLACED');

    const started = Date.now();
    const answer = await orders.get<OrderBody>(`/orders/${placed.order_id}?wait=final&timeout_ms=400`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(answer).toMatchObject({ status: 200, body: { status: 'PLACED' } });

    const hangUp = new AbortController();
    const abandoned = fetch(`${orders.baseUrl}/orders/${placed.order_id}?wait=final&timeout_ms=25000`, {
      signal: hangUp.signal,
    }).catch((error: unknown) => error);
    await waitFor('the waiter', async () => (await orders.metric('orderflow_orders_final_waiters')) === 1);
    hangUp.abort();
    await abandoned;
    await waitFor(
      'the waiter forgotten',
      async () => (await orders.metric('orderflow_orders_final_waiters')) === 0,
    );
  });

  test('?wait=final is answered by an instance that did not finish the order itself', async () => {
    // An instance that only serves HTTP: the order is finished by the other one, which announces it
    // through Postgres.
    const httpOnly = await orders.startInstance({ ...ordersService, handlers: undefined });
    const placed = buildOrdersPlaced();
    const reserved = inventoryReservedFor(placed);
    await orders.produce('orders.placed', placed);
    await orders.produce('inventory.reserved', reserved);
    await orderWhen(placed.order_id, 'RESERVED', (b) => b.status === 'RESERVED');

    const waiting = fetch(
      `http://127.0.0.1:${httpOnly.port}/orders/${placed.order_id}?wait=final&timeout_ms=25000`,
    );
    await waitFor('the waiter on the other instance', async () => {
      const text = await (await fetch(`http://127.0.0.1:${httpOnly.port}/metrics`)).text();
      return /^orderflow_orders_final_waiters(\{[^}]*\})? 1$/m.test(text);
    });
    await orders.produce('payments.succeeded', paymentsSucceededFor(reserved));
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as OrderBody).status).toBe('PAID');
  });

  test('?wait=final keeps working after the listening connection to Postgres is lost', async () => {
    const channel = `${orders.schema}_final`;
    const killed = await orders.dbQuery<{ done: boolean }>(
      `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
       WHERE application_name = 'orders-final-listener' AND query = $1`,
      [`LISTEN "${channel}"`],
    );
    // Every instance on this schema listens (the HTTP-only one of the test above too).
    expect(killed.length).toBeGreaterThan(0);
    expect(killed.every((row) => row.done)).toBe(true);
    await waitFor('listening again', async () => {
      const rows = await orders.dbQuery(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = 'orders-final-listener' AND query = $1`,
        [`LISTEN "${channel}"`],
      );
      const ready = await orders.get<{ checks: Record<string, { ok: boolean }> }>('/readyz');
      return rows.length === killed.length && ready.body.checks.order_notifications?.ok === true;
    });

    const { placed, reserved, paid } = paidFlow();
    await orders.produce('orders.placed', placed);
    await orders.produce('inventory.reserved', reserved);
    await orderWhen(placed.order_id, 'RESERVED', (b) => b.status === 'RESERVED');
    const waiting = orders.get<OrderBody>(`/orders/${placed.order_id}?wait=final&timeout_ms=25000`);
    await waitFor('the waiter', async () => (await orders.metric('orderflow_orders_final_waiters')) === 1);
    const started = Date.now();
    await orders.produce('payments.succeeded', paid);
    expect((await waiting).body.status).toBe('PAID');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('bad query parameters are refused with 400 naming the field', async () => {
    const tooLong = await orders.get<Problem>('/orders/x?wait=final&timeout_ms=30001');
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors?.map((e) => e.field)).toEqual(['query.timeout_ms']);
    const badWait = await orders.get<Problem>('/orders/x?wait=soon');
    expect(badWait.body.errors?.map((e) => e.field)).toEqual(['query.wait']);
  });
});

describe('GET /orders', () => {
  test("lists a customer's orders newest first, page by page, and filters by status", async () => {
    const customer = buildCustomer();
    const at = (minute: number) => Date.UTC(2025, 1, 1, 12, minute);
    const placedOrders = [
      buildOrdersPlaced({ customer, placed_at: at(1), order_id: uniqueId('ord-a') }),
      buildOrdersPlaced({ customer, placed_at: at(2), order_id: uniqueId('ord-b') }),
      // Two orders at the same moment: the order id breaks the tie.
      buildOrdersPlaced({ customer, placed_at: at(3), order_id: uniqueId('ord-tie-1') }),
      buildOrdersPlaced({ customer, placed_at: at(3), order_id: uniqueId('ord-tie-2') }),
    ];
    for (const placed of placedOrders) await orders.produce('orders.placed', placed);
    await orders.produce('inventory.rejected', inventoryRejectedFor(placedOrders[1]!));
    const byCustomer = `/orders?customer_id=${customer.customer_id}`;
    await waitFor('all four listed, one of them failed', async () => {
      const { body } = await orders.get<ListBody>(`${byCustomer}&limit=10`);
      return body.items.length === 4 && body.items.some((i) => i.status === 'FAILED');
    });
    const newestFirst = [placedOrders[3]!, placedOrders[2]!, placedOrders[1]!, placedOrders[0]!].map(
      (o) => o.order_id,
    );

    const first = await orders.get<ListBody>(`${byCustomer}&limit=3`);
    expect(first.body.items.map((i) => i.order_id)).toEqual(newestFirst.slice(0, 3));
    expect(first.body.items[0]).toEqual({
      order_id: newestFirst[0],
      status: 'PLACED',
      reason: null,
      customer_id: customer.customer_id,
      currency: placedOrders[3]!.currency,
      total_cents: placedOrders[3]!.total_cents,
      placed_at: new Date(at(3)).toISOString(),
      finished_at: null,
    });
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await orders.get<ListBody>(`${byCustomer}&limit=3&cursor=${first.body.next_cursor}`);
    expect(second.body).toEqual({
      items: [expect.objectContaining({ order_id: newestFirst[3] })],
      next_cursor: null,
    });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: ListBody } = await orders.get<ListBody>(
        `${byCustomer}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((i) => i.order_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(newestFirst);

    const failed = await orders.get<ListBody>(`${byCustomer}&status=FAILED`);
    expect(failed.body.items.map((i) => [i.order_id, i.status])).toEqual([
      [placedOrders[1]!.order_id, 'FAILED'],
    ]);
  });

  test.each([
    ['limit=0', 'query.limit'],
    ['limit=201', 'query.limit'],
    ['limit=ten', 'query.limit'],
    ['status=SHIPPED', 'query.status'],
    ['cursor=not-a-cursor', 'query.cursor'],
    ['customer_id=', 'query.customer_id'],
  ])('?%s is refused with 400 naming %s', async (query, field) => {
    const answer = await orders.get<Problem>(`/orders?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('HTTP.VALIDATION');
    expect(answer.body.errors?.map((e) => e.field)).toEqual([field]);
  });
});
