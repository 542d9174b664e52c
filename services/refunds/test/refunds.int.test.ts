import { eventIdFrom } from '@orderflow/contracts';
import { refundsRequestedFor } from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { refundIdFor } from '../src/domain/refund-request';
import { finishedOrder, newKey, RefundsHarness } from './support';

const h = new RefundsHarness();

beforeAll(async () => {
  await h.start();
});

afterAll(async () => {
  await h.stop();
});

async function refundStatus(refundId: string): Promise<string | undefined> {
  const { status, body } = await h.get(`/refunds/${refundId}`);
  return status === 200 ? (body.status as string) : undefined;
}

describe('POST /refunds on a PAID order', () => {
  test('answers 202 at once, emits refunds.requested keyed by order id, then refunds.processed', async () => {
    const order = finishedOrder({ total_cents: 10_000 });
    await h.finish(order);
    const key = newKey();

    const answer = await h.post(
      { order_id: order.order_id, amount_cents: 2_500, reason: 'damaged' },
      { key },
    );

    const refundId = refundIdFor(key);
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ refund_id: refundId, status: 'REQUESTED' });
    expect(answer.headers.get('location')).toBe(`/refunds/${refundId}`);
    const outcome = await h.outcome(order.order_id, refundId);
    const [requested] = await h.requested(order.order_id);
    expect(requested).toEqual({
      event_id: eventIdFrom('refunds.requested', refundId),
      occurred_at: expect.any(Number),
      order_id: order.order_id,
      correlation_id: refundId,
      causation_id: null,
      refund_id: refundId,
      idempotency_key: key,
      amount_cents: 2_500,
      reason: 'damaged',
      requested_at: expect.any(Number),
    });
    expect(outcome).toEqual({
      topic: 'refunds.processed',
      key: order.order_id,
      value: {
        event_id: eventIdFrom('refunds.processed', refundId),
        occurred_at: expect.any(Number),
        order_id: order.order_id,
        correlation_id: refundId,
        causation_id: requested!.event_id,
        refund_id: refundId,
        amount_cents: 2_500,
        currency: order.currency,
        customer: order.customer,
        order_placed_at: order.placed_at,
        refunded_total_cents: 2_500,
        remaining_refundable_cents: 7_500,
        reason: 'damaged',
        processed_at: expect.any(Number),
      },
    });
    const shown = await h.get(`/refunds/${refundId}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({
      refund_id: refundId,
      order_id: order.order_id,
      status: 'REFUNDED',
      requested_amount_cents: 2_500,
      amount_cents: 2_500,
      currency: order.currency,
      reason: 'damaged',
      rejection_reason: null,
      rejection_detail: null,
      refunded_total_cents: 2_500,
      remaining_refundable_cents: 7_500,
      requested_at: expect.any(String),
      waiting_since: null,
      decided_at: expect.any(String),
    });
  });

  test('without an amount, everything that remains is refunded; after that nothing is left', async () => {
    const order = finishedOrder({ total_cents: 4_321 });
    await h.finish(order);

    const first = await h.post({ order_id: order.order_id, reason: 'changed my mind' });
    const firstOutcome = await h.outcome(order.order_id, first.body.refund_id as string);
    const second = await h.post({ order_id: order.order_id, amount_cents: 1, reason: 'one more cent' });
    const secondOutcome = await h.outcome(order.order_id, second.body.refund_id as string);

    expect(firstOutcome.topic).toBe('refunds.processed');
    expect(firstOutcome.value).toMatchObject({
      amount_cents: 4_321,
      refunded_total_cents: 4_321,
      remaining_refundable_cents: 0,
    });
    expect(secondOutcome).toMatchObject({
      topic: 'refunds.rejected',
      value: {
        reason: 'NOTHING_LEFT_TO_REFUND',
        requested_amount_cents: 1,
        remaining_refundable_cents: 0,
        currency: order.currency,
        customer: order.customer,
      },
    });
  });

  test('more than remains is rejected with what remains, and changes nothing', async () => {
    const order = finishedOrder({ total_cents: 1_000 });
    await h.finish(order);
    const granted = await h.post({ order_id: order.order_id, amount_cents: 600, reason: 'scratched' });
    await h.outcome(order.order_id, granted.body.refund_id as string);

    const tooMuch = await h.post({
      order_id: order.order_id,
      amount_cents: 401,
      reason: 'the rest and a cent',
    });
    const outcome = await h.outcome(order.order_id, tooMuch.body.refund_id as string);

    expect(outcome).toMatchObject({
      topic: 'refunds.rejected',
      value: {
        event_id: eventIdFrom('refunds.rejected', tooMuch.body.refund_id as string),
        reason: 'AMOUNT_EXCEEDS_REMAINING',
        requested_amount_cents: 401,
        remaining_refundable_cents: 400,
      },
    });
    const listed = await h.get(`/orders/${order.order_id}/refunds`);
    expect(listed.body).toMatchObject({
      order_id: order.order_id,
      order_status: 'PAID',
      currency: order.currency,
      paid_cents: 1_000,
      refunded_cents: 600,
      remaining_refundable_cents: 400,
    });
    expect((listed.body.refunds as { status: string }[]).map((r) => r.status)).toEqual([
      'REFUNDED',
      'REJECTED',
    ]);
  });
});

describe('orders that cannot be refunded', () => {
  test('a FAILED order rejects the request as ORDER_NOT_PAID', async () => {
    const order = finishedOrder({ status: 'FAILED', reason: 'PAYMENT_DECLINED', payment_id: null });
    await h.finish(order);

    const answer = await h.post({ order_id: order.order_id, reason: 'never arrived' });
    expect(answer.status).toBe(202);
    const outcome = await h.outcome(order.order_id, answer.body.refund_id as string);

    expect(outcome).toMatchObject({
      topic: 'refunds.rejected',
      value: {
        reason: 'ORDER_NOT_PAID',
        requested_amount_cents: null,
        remaining_refundable_cents: null,
        currency: order.currency,
        customer: order.customer,
      },
    });
    const listed = await h.get(`/orders/${order.order_id}/refunds`);
    expect(listed.body).toMatchObject({
      order_status: 'FAILED',
      paid_cents: 0,
      remaining_refundable_cents: 0,
    });
  });
});

describe('a request that arrives before the order outcome', () => {
  test('waits, then is decided with the others in request order when orders.finished arrives', async () => {
    const order = finishedOrder({ total_cents: 3_000 });
    const full = await h.post({ order_id: order.order_id, reason: 'all of it' });
    const more = await h.post({ order_id: order.order_id, amount_cents: 100, reason: 'and a bit' });
    const fullId = full.body.refund_id as string;
    const moreId = more.body.refund_id as string;
    await waitFor('both requests to wait', async () => {
      return (await refundStatus(fullId)) === 'WAITING' && (await refundStatus(moreId)) === 'WAITING';
    });
    const waiting = await h.get(`/orders/${order.order_id}/refunds`);
    expect(waiting.body).toMatchObject({
      order_status: null,
      paid_cents: null,
      remaining_refundable_cents: null,
    });
    expect((await h.outcomes(order.order_id)).length).toBe(0);

    await h.produce('orders.finished', order);

    const first = await h.outcome(order.order_id, fullId);
    const second = await h.outcome(order.order_id, moreId);
    expect(first).toMatchObject({ topic: 'refunds.processed', value: { amount_cents: 3_000 } });
    expect(second).toMatchObject({ topic: 'refunds.rejected', value: { reason: 'NOTHING_LEFT_TO_REFUND' } });
    const shown = await h.get(`/refunds/${fullId}`);
    expect(shown.body).toMatchObject({ status: 'REFUNDED', waiting_since: expect.any(String) });
  });
});

describe('idempotency keys', () => {
  test('the same key with the same request returns the same refund and emits nothing new', async () => {
    const order = finishedOrder();
    await h.finish(order);
    const key = newKey();
    const body = { order_id: order.order_id, amount_cents: 100, reason: 'dent' };
    const first = await h.post(body, { key });
    await h.outcome(order.order_id, first.body.refund_id as string);

    const again = await h.post(body, { key });

    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual({ refund_id: first.body.refund_id, status: 'REFUNDED' });
    await h.settled();
    expect(await h.requested(order.order_id)).toHaveLength(1);
    expect(await h.outcomes(order.order_id)).toHaveLength(1);
  });

  test('the same key with another request is a 422 and changes nothing', async () => {
    const order = finishedOrder();
    await h.finish(order);
    const key = newKey();
    const first = await h.post({ order_id: order.order_id, amount_cents: 100, reason: 'dent' }, { key });

    for (const other of [
      { order_id: order.order_id, amount_cents: 101, reason: 'dent' },
      { order_id: order.order_id, reason: 'dent' },
      { order_id: order.order_id, amount_cents: 100, reason: 'scratch' },
      { order_id: `${order.order_id}-other`, amount_cents: 100, reason: 'dent' },
    ]) {
      const answer = await h.post(other, { key });
      expect(answer.status).toBe(422);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ code: 'REFUNDS.IDEMPOTENCY_CONFLICT' });
    }
    await h.outcome(order.order_id, first.body.refund_id as string);
    await h.settled();
    expect(await h.requested(order.order_id)).toHaveLength(1);
    expect((await h.get(`/refunds/${first.body.refund_id}`)).body).toMatchObject({
      requested_amount_cents: 100,
    });
  });
});

describe('authentication', () => {
  test.each([
    ['without a token', null, 'HTTP.UNAUTHORIZED'],
    ['with a wrong token', 'not-the-token-at-all', 'HTTP.INVALID_TOKEN'],
  ])('a request %s is a 401 and stores nothing', async (_case, token, code) => {
    const key = newKey();
    const answer = await h.post({ order_id: 'ord-401', reason: 'x' }, { key, token });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(answer.body).toMatchObject({ code });
    expect((await h.get(`/refunds/${refundIdFor(key)}`)).status).toBe(404);
  });
});

describe('validation', () => {
  test('a request without Idempotency-Key is a 400 naming the header', async () => {
    const answer = await h.post({ order_id: 'ord-1', reason: 'x' }, { key: null });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      code: 'HTTP.VALIDATION',
      errors: [{ field: 'headers.Idempotency-Key', message: 'is required' }],
    });
  });

  test('an Idempotency-Key longer than 200 characters is a 400 naming the header', async () => {
    const answer = await h.post({ order_id: 'ord-1', reason: 'x' }, { key: 'k'.repeat(201) });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ field: 'headers.Idempotency-Key', message: expect.any(String) }]);
  });

  test.each([
    ['amount 0', { order_id: 'ord-1', amount_cents: 0, reason: 'x' }, 'body.amount_cents'],
    ['a negative amount', { order_id: 'ord-1', amount_cents: -5, reason: 'x' }, 'body.amount_cents'],
    ['a fractional amount', { order_id: 'ord-1', amount_cents: 12.5, reason: 'x' }, 'body.amount_cents'],
    ['an amount as text', { order_id: 'ord-1', amount_cents: '100', reason: 'x' }, 'body.amount_cents'],
    ['no order id', { reason: 'x' }, 'body.order_id'],
    ['an empty order id', { order_id: '', reason: 'x' }, 'body.order_id'],
    ['an order id with spaces around it', { order_id: ' ord-1 ', reason: 'x' }, 'body.order_id'],
    ['an order id that is too long', { order_id: 'o'.repeat(257), reason: 'x' }, 'body.order_id'],
    ['a numeric order id', { order_id: 42, reason: 'x' }, 'body.order_id'],
    ['no reason', { order_id: 'ord-1' }, 'body.reason'],
    ['a blank reason', { order_id: 'ord-1', reason: '   ' }, 'body.reason'],
    ['a reason that is too long', { order_id: 'ord-1', reason: 'r'.repeat(501) }, 'body.reason'],
  ])('%s is a 400 naming the field, and nothing is stored', async (_case, body, field) => {
    const key = newKey();
    const answer = await h.post(body, { key });
    expect(answer.status).toBe(400);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ code: 'HTTP.VALIDATION', errors: [{ field }] });
    expect(answer.body.detail).toContain(field);
    expect((await h.get(`/refunds/${refundIdFor(key)}`)).status).toBe(404);
  });

  test('every wrong field is named in one answer', async () => {
    const answer = await h.post({ order_id: '', amount_cents: 0 }, { key: null });
    expect(answer.status).toBe(400);
    expect((answer.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'body.amount_cents',
      'body.order_id',
      'body.reason',
      'headers.Idempotency-Key',
    ]);
  });

  test('a body that is not JSON is refused', async () => {
    expect((await h.post('{"order_id":', {})).status).toBe(400);
    expect((await h.post('order_id=1', { headers: { 'content-type': 'text/plain' } })).status).toBe(415);
  });
});

describe('queries', () => {
  test('an unknown refund is a 404 problem', async () => {
    const answer = await h.get('/refunds/no-such-refund');
    expect(answer.status).toBe(404);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 404, code: 'REFUNDS.NOT_FOUND' });
  });

  test('an order with neither an outcome nor a refund is a 404 problem', async () => {
    const answer = await h.get('/orders/no-such-order/refunds');
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ code: 'REFUNDS.ORDER_NOT_FOUND' });
  });

  test('a finished order without refunds lists none, with its totals', async () => {
    const order = finishedOrder({ total_cents: 777 });
    await h.finish(order);
    const answer = await h.get(`/orders/${encodeURIComponent(order.order_id)}/refunds`);
    expect(answer.body).toEqual({
      order_id: order.order_id,
      order_status: 'PAID',
      currency: order.currency,
      paid_cents: 777,
      refunded_cents: 0,
      remaining_refundable_cents: 777,
      refunds: [],
    });
  });
});

describe('the worker', () => {
  test('a request produced by another service is recorded and decided like one from the API', async () => {
    const order = finishedOrder({ total_cents: 5_000 });
    await h.finish(order);
    const request = refundsRequestedFor(order, { amount_cents: 1_200 });

    await h.produce('refunds.requested', request);

    const outcome = await h.outcome(order.order_id, request.refund_id);
    expect(outcome).toMatchObject({
      topic: 'refunds.processed',
      value: { amount_cents: 1_200, correlation_id: request.correlation_id, causation_id: request.event_id },
    });
    expect((await h.get(`/refunds/${request.refund_id}`)).body).toMatchObject({ status: 'REFUNDED' });
  });

  test('redelivered requests and outcomes change nothing; a second, different outcome is ignored', async () => {
    const order = finishedOrder({ total_cents: 2_000 });
    await h.finish(order);
    const request = refundsRequestedFor(order, { amount_cents: 1_500 });
    const sameRefundNewEvent = { ...request, event_id: eventIdFrom('another copy', request.refund_id) };

    await h.produce('refunds.requested', request, request, sameRefundNewEvent);
    await h.produce('orders.finished', order, {
      ...order,
      event_id: eventIdFrom('late', order.order_id),
      status: 'FAILED',
    });
    await h.settled();

    expect(await h.outcomes(order.order_id)).toEqual([
      expect.objectContaining({
        topic: 'refunds.processed',
        value: expect.objectContaining({ amount_cents: 1_500 }),
      }),
    ]);
    expect((await h.get(`/orders/${order.order_id}/refunds`)).body).toMatchObject({
      order_status: 'PAID',
      refunded_cents: 1_500,
    });
    expect(
      h.logs.some((l) => l.msg === 'order outcome already recorded; ignored' && l.level === 'warn'),
    ).toBe(true);
  });
});

describe('poison messages', () => {
  test('undecodable messages go to dlq.refunds and the partition moves on', async () => {
    const order = finishedOrder({ total_cents: 900 });
    // Same key, so the same partition as the good messages that follow.
    await h.produceRaw('orders.finished', order.order_id, Buffer.from('not avro'));
    await h.finish(order);
    await h.produceRaw('refunds.requested', order.order_id, Buffer.from('not avro either'));
    const answer = await h.post({ order_id: order.order_id, reason: 'after the bad ones' });
    await h.outcome(order.order_id, answer.body.refund_id as string);

    const dead = await waitFor('two dead letters', () => {
      const found = h.deadLetters(order.order_id);
      return found.length === 2 && found;
    });
    expect(dead.map((m) => m.value!.toString()).sort()).toEqual(['not avro', 'not avro either']);
    for (const message of dead) {
      expect(message.headers!['x-dlq-error-code']!.toString()).toBe('UNDECODABLE');
      expect(message.headers!['x-dlq-service']!.toString()).toBe('refunds');
    }
  });

  test('a request that can never be decided is dead-lettered and records nothing', async () => {
    const order = finishedOrder();
    await h.finish(order);
    const bad = refundsRequestedFor(order, { amount_cents: -5 });
    const good = refundsRequestedFor(order, { amount_cents: 5 });

    await h.produce('refunds.requested', bad, good);

    await h.outcome(order.order_id, good.refund_id);
    const [dead] = await waitFor(
      'a dead letter',
      () => h.deadLetters(order.order_id).length > 0 && h.deadLetters(order.order_id),
    );
    expect(dead!.headers!['x-dlq-error-code']!.toString()).toBe('REFUNDS.INVALID_REQUEST');
    expect(dead!.headers!['x-dlq-error-message']!.toString()).toMatch(/amount_cents -5/);
    expect((await h.get(`/refunds/${bad.refund_id}`)).status).toBe(404);
  });
});
