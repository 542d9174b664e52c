import { createServer } from 'node:net';
import { eventIdFrom } from '@orderflow/contracts';
import { buildOrdersPlaced, inventoryReservedFor } from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { paymentIdFor } from '../src/domain/payment-events';
import { SimulatedGateway } from '../src/gateway/simulated-gateway';
import { deliveries, logger, orderIdWith, paymentRows, startPayments, type PaymentsHarness } from './support';

function reservationFor(orderId: string) {
  return inventoryReservedFor(buildOrdersPlaced({ order_id: orderId }));
}

describe('a gateway slower than PAYMENT_TIMEOUT_MS', () => {
  let h: PaymentsHarness;

  beforeAll(async () => {
    h = await startPayments({
      PAYMENT_DELAY_MS: '3000',
      PAYMENT_TIMEOUT_MS: '500',
      PAYMENT_SUCCESS_RATE: '0.5',
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  test('the payment fails as GATEWAY_TIMEOUT; the late success callback is recorded and does not flip it', async () => {
    const reserved = reservationFor(orderIdWith('SUCCEEDED', h.config));
    const paymentId = paymentIdFor(reserved.order_id);
    await h.reserve(reserved);

    const outcome = await h.output.outcome(reserved.order_id);
    expect(outcome).toMatchObject({
      topic: 'payments.failed',
      value: {
        event_id: eventIdFrom('payments.failed', paymentId),
        reason: 'GATEWAY_TIMEOUT',
        detail: 'gateway timeout: no callback within 500 ms',
        causation_id: reserved.event_id,
      },
    });

    // The gateway still calls back, about 3 s after accepting the charge.
    const late = await waitFor(
      'the late callback',
      async () => {
        const [row] = await paymentRows(h, reserved.order_id);
        return row?.late_outcome ? row : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(late).toMatchObject({ status: 'FAILED', reason: 'GATEWAY_TIMEOUT', late_outcome: 'SUCCEEDED' });
    expect(await deliveries(h, paymentId)).toEqual([
      { delivery_id: expect.stringMatching(/^dlv_/), outcome: 'SUCCEEDED', effect: 'LATE' },
    ]);
    await h.settle();
    expect((await h.output.outcomes(reserved.order_id)).map((o) => o.topic)).toEqual(['payments.failed']);
    const view = (await (await fetch(`${h.baseUrl}/payments/${reserved.order_id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(view).toMatchObject({ status: 'FAILED', reason: 'GATEWAY_TIMEOUT', late_outcome: 'SUCCEEDED' });
  });
});

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('an unreachable gateway (GATEWAY_EMBEDDED=false)', () => {
  test('charge requests are retried with backoff, and the payment goes through once the gateway is back', async () => {
    const port = await freePort();
    const h = await startPayments({
      GATEWAY_EMBEDDED: 'false',
      GATEWAY_URL: `http://127.0.0.1:${port}`,
      PAYMENT_TIMEOUT_MS: '20000',
      PAYMENT_SUCCESS_RATE: '1',
    });
    const gateway = new SimulatedGateway({
      secret: h.config.WEBHOOK_SECRET,
      delayMs: 20,
      successRate: 1,
      seed: h.config.PAYMENT_SEED,
      logger,
    });
    try {
      const reserved = reservationFor(orderIdWith('SUCCEEDED', h.config));
      await h.reserve(reserved);
      const failing = await waitFor('a few failed charge requests', async () => {
        const [row] = await paymentRows(h, reserved.order_id);
        return row && row.submit_attempts >= 3 ? row : undefined;
      });
      expect(failing).toMatchObject({
        status: 'PENDING',
        submitted_at: null,
        last_error: expect.any(String),
      });

      await gateway.start({ host: '127.0.0.1', port });
      const outcome = await h.output.outcome(reserved.order_id);
      expect(outcome.topic).toBe('payments.succeeded');
      expect(gateway.charge(paymentIdFor(reserved.order_id))?.requests).toBe(1);
    } finally {
      await gateway.stop();
      await h.close();
    }
  });

  test('a payment the gateway never accepts times out, saying so', async () => {
    const h = await startPayments({
      GATEWAY_EMBEDDED: 'false',
      GATEWAY_URL: `http://127.0.0.1:${await freePort()}`,
      PAYMENT_TIMEOUT_MS: '1500',
    });
    try {
      const reserved = reservationFor(orderIdWith('SUCCEEDED', h.config));
      await h.reserve(reserved);
      const outcome = await h.output.outcome(reserved.order_id);
      expect(outcome.value).toMatchObject({
        reason: 'GATEWAY_TIMEOUT',
        detail: 'gateway timeout: the gateway did not accept the charge within 1500 ms',
      });
      const [row] = await paymentRows(h, reserved.order_id);
      expect(row!.submit_attempts).toBeGreaterThan(1);
      expect(row!.submitted_at).toBeNull();
    } finally {
      await h.close();
    }
  });
});

describe('a gateway that refuses one charge of a batch (GATEWAY_EMBEDDED=false)', () => {
  test('that payment fails as GATEWAY_ERROR; the others of the batch go through', async () => {
    const port = await freePort();
    const gateway = new SimulatedGateway({
      secret: 'timeouts-test-secret-0123',
      delayMs: 20,
      successRate: 1,
      seed: 'refusal',
      logger,
    });
    await gateway.start({ host: '127.0.0.1', port });
    const h = await startPayments({
      GATEWAY_EMBEDDED: 'false',
      GATEWAY_URL: `http://127.0.0.1:${port}`,
      WEBHOOK_SECRET: 'timeouts-test-secret-0123',
      PAYMENT_SEED: 'refusal',
      PAYMENT_SUCCESS_RATE: '1',
    });
    try {
      const refused = reservationFor(orderIdWith('SUCCEEDED', h.config));
      const fine = reservationFor(orderIdWith('SUCCEEDED', h.config));
      // The gateway already knows this payment id with another amount: it answers that item with 409.
      const conflict = await fetch(`http://127.0.0.1:${port}/charges`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          payment_id: paymentIdFor(refused.order_id),
          order_id: refused.order_id,
          amount_cents: refused.total_cents + 1,
          currency: refused.currency,
          callback_url: 'http://127.0.0.1:9/nowhere',
        }),
      });
      expect(conflict.status).toBe(202);
      await h.reserve(refused, fine);
      const failed = await h.output.outcome(refused.order_id);
      expect(failed).toMatchObject({
        topic: 'payments.failed',
        value: {
          reason: 'GATEWAY_ERROR',
          detail: expect.stringContaining('gateway refused the charge (409): GATEWAY.IDEMPOTENCY_CONFLICT'),
        },
      });
      expect((await h.output.outcome(fine.order_id)).topic).toBe('payments.succeeded');
    } finally {
      await h.close();
      await gateway.stop();
    }
  });
});
