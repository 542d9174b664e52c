import { eventIdFrom } from '@orderflow/contracts';
import { buildOrdersPlaced, inventoryReservedFor } from '@orderflow/contracts/testing';
import { waitFor, signWebhook } from '@orderflow/runtime';
import { paymentIdFor } from '../src/domain/payment-events';
import {
  callbackFor,
  expectDocumented,
  type CallbackBody,
  deliveries,
  paymentRows,
  postCallback,
  startPayments,
  type PaymentsHarness,
} from './support';

// The gateway here waits ten minutes before calling back, so during the test the only callbacks are the
// ones the test signs itself, for payments the real (embedded) gateway has accepted.
let h: PaymentsHarness;

beforeAll(async () => {
  h = await startPayments({ PAYMENT_DELAY_MS: '600000', PAYMENT_TIMEOUT_MS: '600000' });
});

afterAll(async () => {
  await h?.close();
});

/** A payment the gateway has accepted and that waits for its callback. */
async function pendingPayment() {
  const reserved = inventoryReservedFor(buildOrdersPlaced());
  await h.reserve(reserved);
  await waitFor('the gateway to accept the charge', async () => {
    const [row] = await paymentRows(h, reserved.order_id);
    return row?.submitted_at ? row : undefined;
  });
  return {
    reserved,
    payment: {
      payment_id: paymentIdFor(reserved.order_id),
      order_id: reserved.order_id,
      amount_cents: reserved.total_cents,
      currency: reserved.currency,
    },
  };
}

async function expectUntouched(orderId: string, paymentId: string): Promise<void> {
  const [row] = await paymentRows(h, orderId);
  expect(row).toMatchObject({ status: 'PENDING', late_outcome: null });
  expect(await deliveries(h, paymentId)).toEqual([]);
}

describe('POST /webhooks/gateway', () => {
  test('a callback with a wrong or missing signature is refused with 401 and nothing is stored', async () => {
    const { payment } = await pendingPayment();
    const body = callbackFor(payment, 'SUCCEEDED');

    const wrongSecret = await postCallback(h, body, { secret: 'not-the-webhook-secret' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.contentType).toMatch(/^application\/problem\+json/);
    expect(wrongSecret.body).toMatchObject({ code: 'PAYMENTS.WEBHOOK_UNAUTHENTICATED' });
    expect((await postCallback(h, body, { signature: null })).status).toBe(401);
    expect((await postCallback(h, body, { signature: 'garbage' })).status).toBe(401);

    // Signed correctly, then altered on the way: the signature no longer covers the bytes.
    const { status: tampered } = await postCallback(h, JSON.stringify({ ...body, outcome: 'DECLINED' }), {
      deliveryId: body.delivery_id,
      signature: signWebhook(h.config.WEBHOOK_SECRET, JSON.stringify(body), Math.floor(Date.now() / 1000)),
    });
    expect(tampered).toBe(401);

    await expectUntouched(payment.order_id, payment.payment_id);
  });

  test('a callback signed more than 5 minutes ago, or ahead, is refused with 401 and nothing is stored', async () => {
    const { payment } = await pendingPayment();
    const body = callbackFor(payment, 'SUCCEEDED');
    const now = Math.floor(Date.now() / 1000);

    const stale = await postCallback(h, body, { timestamp: now - 6 * 60 });
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ code: 'PAYMENTS.WEBHOOK_EXPIRED' });
    expect((await postCallback(h, body, { timestamp: now + 6 * 60 })).status).toBe(401);

    await expectUntouched(payment.order_id, payment.payment_id);
  });

  test('a valid callback decides the payment; replaying its delivery id changes nothing', async () => {
    const { payment, reserved } = await pendingPayment();
    const body = callbackFor(payment, 'SUCCEEDED');

    const first = await postCallback(h, body);
    expect(first).toMatchObject({
      status: 200,
      body: { duplicate: false, applied: true, status: 'SUCCEEDED', delivery_id: body.delivery_id },
    });
    const outcome = await h.output.outcome(payment.order_id);
    expect(outcome.value).toMatchObject({
      event_id: eventIdFrom('payments.succeeded', payment.payment_id),
      gateway_reference: body.charge_id,
      paid_at: body.decided_at,
      causation_id: reserved.event_id,
    });

    // The same delivery again, once byte for byte and once claiming the opposite outcome.
    expect(await postCallback(h, body)).toMatchObject({ status: 200, body: { duplicate: true } });
    const replayed = await postCallback(h, { ...body, outcome: 'DECLINED', type: 'charge.declined' });
    expect(replayed).toMatchObject({ status: 200, body: { duplicate: true, delivery_id: body.delivery_id } });

    await h.settle();
    const [row] = await paymentRows(h, payment.order_id);
    expect(row).toMatchObject({ status: 'SUCCEEDED', late_outcome: null, gateway_reference: body.charge_id });
    expect(await deliveries(h, payment.payment_id)).toEqual([
      { delivery_id: body.delivery_id, outcome: 'SUCCEEDED', effect: 'APPLIED' },
    ]);
    expect((await h.output.outcomes(payment.order_id)).map((o) => o.topic)).toEqual(['payments.succeeded']);
  });

  test('a second callback with another outcome is recorded as late and never flips the result', async () => {
    const { payment } = await pendingPayment();
    const declined = callbackFor(payment, 'DECLINED');
    const succeeded = callbackFor(payment, 'SUCCEEDED');

    expect(await postCallback(h, declined)).toMatchObject({
      status: 200,
      body: { applied: true, status: 'FAILED' },
    });
    expect(await postCallback(h, succeeded)).toMatchObject({
      status: 200,
      body: { duplicate: false, applied: false, status: 'FAILED' },
    });

    await h.settle();
    const view = (await (await fetch(`${h.baseUrl}/payments/${payment.order_id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(view).toMatchObject({
      status: 'FAILED',
      reason: 'DECLINED',
      detail: 'do not honour',
      late_outcome: 'SUCCEEDED',
    });
    expect(view.late_outcome_at).toEqual(expect.any(String));
    expect(await deliveries(h, payment.payment_id)).toEqual([
      { delivery_id: declined.delivery_id, outcome: 'DECLINED', effect: 'APPLIED' },
      { delivery_id: succeeded.delivery_id, outcome: 'SUCCEEDED', effect: 'LATE' },
    ]);
    const outcomes = await h.output.outcomes(payment.order_id);
    expect(outcomes.map((o) => [o.topic, o.value.event_id])).toEqual([
      ['payments.failed', eventIdFrom('payments.failed', payment.payment_id)],
    ]);
  });

  test('a callback sent as application/json is verified over the raw bytes the runtime keeps', async () => {
    const { payment } = await pendingPayment();
    const response = await postCallback(h, callbackFor(payment, 'SUCCEEDED'), {
      contentType: 'application/json',
    });
    expect(response).toMatchObject({ status: 200, body: { applied: true, status: 'SUCCEEDED' } });
  });

  test('a JSON callback whose bytes were re-serialised differently fails the signature', async () => {
    const { payment } = await pendingPayment();
    const body = callbackFor(payment, 'SUCCEEDED');
    const response = await postCallback(h, body, {
      contentType: 'application/json',
      sendInstead: JSON.stringify(body, null, 2),
    });
    expect(response.status).toBe(401);
    await expectUntouched(payment.order_id, payment.payment_id);
  });

  test('a signed callback that is not a gateway callback, or whose delivery ids disagree, is refused with 400', async () => {
    const { payment } = await pendingPayment();
    const notJson = await postCallback(h, 'not json', { deliveryId: 'dlv-x' });
    expect(notJson).toMatchObject({ status: 400, body: { code: 'PAYMENTS.WEBHOOK_INVALID' } });
    const missingField = await postCallback(h, JSON.stringify({ delivery_id: 'dlv-y' }), {
      deliveryId: 'dlv-y',
    });
    expect(missingField.status).toBe(400);
    expect(missingField.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'body.payment_id' })]),
    );
    const swapped = await postCallback(h, callbackFor(payment, 'SUCCEEDED'), { deliveryId: 'another-id' });
    expect(swapped).toMatchObject({ status: 400, body: { code: 'PAYMENTS.WEBHOOK_INVALID' } });
    await expectUntouched(payment.order_id, payment.payment_id);
  });

  test('a callback that does not match its payment is refused with 422 and nothing is stored', async () => {
    const { payment } = await pendingPayment();
    const response = await postCallback(
      h,
      callbackFor(payment, 'SUCCEEDED', { amount_cents: payment.amount_cents + 1 }),
    );
    expect(response).toMatchObject({ status: 422, body: { code: 'PAYMENTS.WEBHOOK_MISMATCH' } });
    await expectUntouched(payment.order_id, payment.payment_id);
  });

  test('a callback for an unknown payment is 404 and not stored', async () => {
    const ghost = {
      payment_id: paymentIdFor('ghost-order'),
      order_id: 'ghost-order',
      amount_cents: 100,
      currency: 'EUR',
    };
    const response = await postCallback(h, callbackFor(ghost, 'SUCCEEDED'));
    expect(response).toMatchObject({ status: 404, body: { code: 'PAYMENTS.NOT_FOUND' } });
    expect(await deliveries(h, ghost.payment_id)).toEqual([]);
  });
});

/** Posts a batch of callbacks as the gateway does: one signature over the whole body. */
async function postBatch(
  callbacks: CallbackBody[],
  options: { secret?: string; timestamp?: number; batchId?: string; headerId?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const batchId = options.batchId ?? `bat-${callbacks[0]?.delivery_id ?? 'empty'}`;
  const raw = JSON.stringify({ batch_id: batchId, callbacks });
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(`${h.baseUrl}/webhooks/gateway/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/octet-stream',
      'x-signature': signWebhook(options.secret ?? h.config.WEBHOOK_SECRET, raw, timestamp),
      'x-delivery-id': options.headerId ?? batchId,
    },
    body: raw,
  });
  const answer = {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    contentType: response.headers.get('content-type'),
  };
  expectDocumented('payments', 'POST', response.url, answer);
  return answer;
}

function resultsOf(answer: { body: Record<string, unknown> }): unknown[] {
  return (answer.body.results as Record<string, unknown>[]).map((r) => [r.payment_id, r.result, r.status]);
}

describe('POST /webhooks/gateway/batch', () => {
  test('one signed batch decides many payments in one go; replaying it changes nothing', async () => {
    const [a, b, c] = await Promise.all([pendingPayment(), pendingPayment(), pendingPayment()]);
    const callbacks = [
      callbackFor(a!.payment, 'SUCCEEDED'),
      callbackFor(b!.payment, 'DECLINED'),
      callbackFor(c!.payment, 'SUCCEEDED'),
    ];
    const first = await postBatch(callbacks);
    expect(first.status).toBe(200);
    expect(resultsOf(first)).toEqual([
      [a!.payment.payment_id, 'APPLIED', 'SUCCEEDED'],
      [b!.payment.payment_id, 'APPLIED', 'FAILED'],
      [c!.payment.payment_id, 'APPLIED', 'SUCCEEDED'],
    ]);
    for (const [{ payment, reserved }, topic] of [
      [a!, 'payments.succeeded'],
      [b!, 'payments.failed'],
      [c!, 'payments.succeeded'],
    ] as const) {
      const outcome = await h.output.outcome(payment.order_id);
      expect(outcome.topic).toBe(topic);
      expect(outcome.value).toMatchObject({
        event_id: eventIdFrom(topic, payment.payment_id),
        causation_id: reserved.event_id,
      });
    }

    // The same batch again (a retry), and its deliveries again inside another batch claiming otherwise.
    const again = await postBatch(callbacks);
    expect(resultsOf(again)).toEqual(callbacks.map((cb) => [cb.payment_id, 'DUPLICATE', undefined]));
    const flipped = await postBatch([{ ...callbacks[0]!, outcome: 'DECLINED', type: 'charge.declined' }], {
      batchId: 'bat-other',
    });
    expect(resultsOf(flipped)).toEqual([[a!.payment.payment_id, 'DUPLICATE', undefined]]);

    await h.settle();
    expect(await deliveries(h, a!.payment.payment_id)).toEqual([
      { delivery_id: callbacks[0]!.delivery_id, outcome: 'SUCCEEDED', effect: 'APPLIED' },
    ]);
    for (const { payment } of [a!, b!, c!])
      expect((await h.output.outcomes(payment.order_id)).length).toBe(1);
  });

  test('in one batch, a second callback for a payment is late, a repeated delivery id a duplicate, and bad items are not recorded', async () => {
    const { payment } = await pendingPayment();
    const other = await pendingPayment();
    const declined = callbackFor(payment, 'DECLINED');
    const succeeded = callbackFor(payment, 'SUCCEEDED');
    const ghost = callbackFor(
      { payment_id: paymentIdFor('ghost-batch'), order_id: 'ghost-batch', amount_cents: 1, currency: 'EUR' },
      'SUCCEEDED',
    );
    const mismatch = callbackFor(other.payment, 'SUCCEEDED', {
      amount_cents: other.payment.amount_cents + 1,
    });
    const answer = await postBatch([declined, succeeded, declined, ghost, mismatch]);
    expect(answer.status).toBe(200);
    expect(resultsOf(answer)).toEqual([
      [payment.payment_id, 'APPLIED', 'FAILED'],
      [payment.payment_id, 'LATE', 'FAILED'],
      [payment.payment_id, 'DUPLICATE', undefined],
      [ghost.payment_id, 'NOT_FOUND', undefined],
      [other.payment.payment_id, 'MISMATCH', undefined],
    ]);
    await h.settle();
    const [row] = await paymentRows(h, payment.order_id);
    expect(row).toMatchObject({ status: 'FAILED', reason: 'DECLINED', late_outcome: 'SUCCEEDED' });
    const recorded = await deliveries(h, payment.payment_id);
    expect(recorded.sort((x, y) => (x.effect < y.effect ? -1 : 1))).toEqual([
      { delivery_id: declined.delivery_id, outcome: 'DECLINED', effect: 'APPLIED' },
      { delivery_id: succeeded.delivery_id, outcome: 'SUCCEEDED', effect: 'LATE' },
    ]);
    expect((await h.output.outcomes(payment.order_id)).map((o) => o.topic)).toEqual(['payments.failed']);
    expect(await deliveries(h, ghost.payment_id)).toEqual([]);
    await expectUntouched(other.payment.order_id, other.payment.payment_id);
  });

  test('a batch with a wrong or stale signature, a bad body or a swapped batch id is refused and nothing is stored', async () => {
    const { payment } = await pendingPayment();
    const callbacks = [callbackFor(payment, 'SUCCEEDED')];
    const wrong = await postBatch(callbacks, { secret: 'not-the-webhook-secret' });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'PAYMENTS.WEBHOOK_UNAUTHENTICATED' } });
    const stale = await postBatch(callbacks, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale).toMatchObject({ status: 401, body: { code: 'PAYMENTS.WEBHOOK_EXPIRED' } });
    const swapped = await postBatch(callbacks, { headerId: 'another-id' });
    expect(swapped).toMatchObject({ status: 400, body: { code: 'PAYMENTS.WEBHOOK_INVALID' } });
    const empty = await postBatch([]);
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([expect.objectContaining({ field: 'body.callbacks' })]);
    const badItem = await postBatch([{ ...callbacks[0]!, outcome: 'MAYBE' as 'SUCCEEDED' }]);
    expect(badItem.status).toBe(400);
    expect(badItem.body.errors).toEqual([expect.objectContaining({ field: 'body.callbacks.0.outcome' })]);
    await expectUntouched(payment.order_id, payment.payment_id);
  });
});
