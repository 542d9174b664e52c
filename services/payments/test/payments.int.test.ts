import { eventIdFrom } from '@orderflow/contracts';
import { buildOrdersPlaced, inventoryReservedFor } from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { paymentIdFor } from '../src/domain/payment-events';
import {
  expectDocumented,
  inboxHas,
  orderIdWith,
  paymentRows,
  startPayments,
  type PaymentsHarness,
} from './support';

let h: PaymentsHarness;

beforeAll(async () => {
  h = await startPayments({
    PAYMENT_SUCCESS_RATE: '0.5',
    PAYMENT_DELAY_MS: '50',
    PAYMENT_SEED: `seed-${Date.now()}`,
  });
});

afterAll(async () => {
  await h?.close();
});

function reservationFor(orderId: string) {
  return inventoryReservedFor(buildOrdersPlaced({ order_id: orderId }));
}

async function getPayment(orderId: string) {
  const response = await fetch(`${h.baseUrl}/payments/${encodeURIComponent(orderId)}`);
  const answer = {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  };
  expectDocumented('payments', 'GET', response.url, answer);
  return answer;
}

describe('inventory.reserved', () => {
  test('an order the gateway accepts ends in payments.succeeded, caused by the reservation', async () => {
    const reserved = reservationFor(orderIdWith('SUCCEEDED', h.config));
    await h.reserve(reserved);

    const outcome = await h.output.outcome(reserved.order_id);
    const paymentId = paymentIdFor(reserved.order_id);
    const [row] = await paymentRows(h, reserved.order_id);
    expect(outcome).toEqual({
      topic: 'payments.succeeded',
      value: {
        event_id: eventIdFrom('payments.succeeded', paymentId),
        occurred_at: expect.any(Number),
        order_id: reserved.order_id,
        correlation_id: reserved.correlation_id,
        causation_id: reserved.event_id,
        payment_id: paymentId,
        amount_cents: reserved.total_cents,
        currency: reserved.currency,
        gateway_reference: row!.gateway_reference,
        paid_at: expect.any(Number),
      },
    });
    expect(row!.gateway_reference).toMatch(/^ch_/);
    const [message] = h.output.messages.filter((m) => m.key === reserved.order_id);
    expect(message?.key).toBe(reserved.order_id);
  });

  test('an order the gateway declines ends in payments.failed with reason DECLINED', async () => {
    const reserved = reservationFor(orderIdWith('DECLINED', h.config));
    await h.reserve(reserved);

    const outcome = await h.output.outcome(reserved.order_id);
    expect(outcome.topic).toBe('payments.failed');
    expect(outcome.value).toMatchObject({
      event_id: eventIdFrom('payments.failed', paymentIdFor(reserved.order_id)),
      order_id: reserved.order_id,
      causation_id: reserved.event_id,
      correlation_id: reserved.correlation_id,
      amount_cents: reserved.total_cents,
      reason: 'DECLINED',
      detail: 'card declined (simulated)',
    });
  });

  test('a redelivered reservation, and a second one for the same order, make one payment and one charge', async () => {
    const reserved = reservationFor(orderIdWith('SUCCEEDED', h.config));
    const again = { ...reserved, event_id: eventIdFrom('another reservation', reserved.order_id) };
    await h.reserve(reserved, reserved);
    await h.output.outcome(reserved.order_id);
    await h.reserve(reserved, again);

    await waitFor('every copy consumed', () => inboxHas(h, [reserved.event_id, again.event_id]));
    await h.settle();
    expect(await paymentRows(h, reserved.order_id)).toHaveLength(1);
    expect((await h.output.outcomes(reserved.order_id)).map((o) => o.topic)).toEqual(['payments.succeeded']);
    const charge = (await (
      await fetch(`${h.gatewayUrl}/charges/${paymentIdFor(reserved.order_id)}`)
    ).json()) as {
      requests: number;
      delivery: { attempts: number };
    };
    expect(charge.requests).toBe(1);
    expect(charge.delivery.attempts).toBe(1);
  });

  test('a batch of reservations, with two for one order and a bad one among them, records one payment per order', async () => {
    const reservations = Array.from({ length: 30 }, () => reservationFor(orderIdWith('SUCCEEDED', h.config)));
    const first = reservations[3]!;
    const second = { ...first, event_id: eventIdFrom('second in batch', first.order_id), total_cents: 1 };
    const bad = { ...reservationFor(orderIdWith('SUCCEEDED', h.config)), total_cents: -1 };
    // One send: the reservations reach the consumer as batches of several events.
    await h.reserve(...reservations.slice(0, 10), second, bad, ...reservations.slice(10));

    await waitFor('every copy consumed', () =>
      inboxHas(h, [...reservations.map((r) => r.event_id), second.event_id, bad.event_id]),
    );
    const { rows } = await h.pool.query<{
      order_id: string;
      reserved_event_id: string;
      amount_cents: string;
    }>(
      `SELECT order_id, reserved_event_id, amount_cents FROM "${h.schema}".payments WHERE order_id = ANY($1)`,
      [[...reservations.map((r) => r.order_id), bad.order_id]],
    );
    expect(rows).toHaveLength(30);
    // In offset order: the first reservation of the order is the one recorded, with its amount.
    const recorded = rows.find((r) => r.order_id === first.order_id)!;
    expect(recorded.reserved_event_id).toBe(first.event_id);
    expect(Number(recorded.amount_cents)).toBe(first.total_cents);
    const dead = await waitFor(
      'the bad one dead-lettered',
      () => h.output.deadLetters(bad.order_id).length > 0 && h.output.deadLetters(bad.order_id),
    );
    expect(dead.map((d) => d.headers['x-dlq-error-code'])).toEqual(['PAYMENTS.INVALID_RESERVATION']);
  });

  test('a message that cannot be decoded goes to dlq.payments and the partition moves on', async () => {
    const reserved = reservationFor(orderIdWith('SUCCEEDED', h.config));
    // Same key, so the same partition: the good message must not be held up by the bad one before it.
    await h.produceRaw(reserved.order_id, Buffer.from('not avro at all'));
    await h.reserve(reserved);

    await h.output.outcome(reserved.order_id);
    const [dead] = await waitFor(
      'a dead letter',
      () => h.output.deadLetters(reserved.order_id).length > 0 && h.output.deadLetters(reserved.order_id),
    );
    expect(dead!.value.toString()).toBe('not avro at all');
    expect(dead!.headers).toMatchObject({
      'x-dlq-origin-topic': expect.stringMatching(/inventory\.reserved$/),
      'x-dlq-service': 'payments',
      'x-dlq-error-code': 'UNDECODABLE',
    });
  });

  test('a reservation that cannot be charged is dead-lettered and records no payment', async () => {
    const reserved = reservationFor(orderIdWith('SUCCEEDED', h.config));
    await h.reserve({ ...reserved, total_cents: -1 });

    const [dead] = await waitFor(
      'a dead letter',
      () => h.output.deadLetters(reserved.order_id).length > 0 && h.output.deadLetters(reserved.order_id),
    );
    expect(dead!.headers['x-dlq-error-code']).toBe('PAYMENTS.INVALID_RESERVATION');
    expect(dead!.headers['x-dlq-error-message']).toMatch(/total_cents -1/);
    expect(await paymentRows(h, reserved.order_id)).toEqual([]);
  });
});

describe('GET /payments/{order_id}', () => {
  test('shows the payment of an order', async () => {
    const reserved = reservationFor(orderIdWith('DECLINED', h.config));
    await h.reserve(reserved);
    await h.output.outcome(reserved.order_id);

    const { status, body } = await getPayment(reserved.order_id);
    expect(status).toBe(200);
    expect(body).toEqual({
      payment_id: paymentIdFor(reserved.order_id),
      order_id: reserved.order_id,
      status: 'FAILED',
      amount_cents: reserved.total_cents,
      currency: reserved.currency,
      reason: 'DECLINED',
      detail: 'card declined (simulated)',
      gateway_reference: expect.stringMatching(/^ch_/),
      attempts: 1,
      submitted_at: expect.any(String),
      created_at: expect.any(String),
      decided_at: expect.any(String),
      late_outcome: null,
      late_outcome_at: null,
    });
    expect(Date.parse(body.decided_at as string)).toBeGreaterThanOrEqual(
      Date.parse(body.created_at as string),
    );
  });

  test('answers 404 problem+json for an order without a payment', async () => {
    const { status, contentType, body } = await getPayment('no-such-order');
    expect(status).toBe(404);
    expect(contentType).toMatch(/^application\/problem\+json/);
    expect(body).toMatchObject({ status: 404, code: 'PAYMENTS.NOT_FOUND' });
  });
});

describe('the charge submitter', () => {
  test('is woken by a committed payment instead of waiting for its poll', async () => {
    // A poll of a minute: only the NOTIFY of the new payment can get the charge out in time.
    const slow = await startPayments({
      PAYMENT_POLL_MS: '60000',
      PAYMENT_DELAY_MS: '20',
      PAYMENT_SUCCESS_RATE: '1',
    });
    try {
      // After start-up: the first round, which runs at once, has found nothing.
      await slow.settle();
      const reserved = reservationFor(orderIdWith('SUCCEEDED', slow.config));
      await slow.reserve(reserved);
      const row = await waitFor(
        'the charge to be accepted',
        async () => {
          const [found] = await paymentRows(slow, reserved.order_id);
          return found?.submitted_at ? found : undefined;
        },
        { timeoutMs: 20_000 },
      );
      expect(row.submit_attempts).toBe(1);
    } finally {
      await slow.close();
    }
  });
});
