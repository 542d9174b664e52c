import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uniqueId } from '@orderflow/contracts/testing';
import { waitFor, verifyWebhook } from '@orderflow/runtime';
import { gatewayOutcome } from '../src/domain/outcome';
import { SimulatedGateway } from '../src/gateway/simulated-gateway';
import { expectDocumented, logger } from './support';

// The simulated gateway on its own, against a bare HTTP receiver: what a payments service sees of it.
const secret = 'gateway-test-secret-123';
const seed = 'gateway-test';

interface Received {
  headers: IncomingMessage['headers'];
  raw: Buffer;
}

let receiver: Server;
let callbackUrl: string;
const received: Received[] = [];
/** Per payment id, status codes the receiver answers with in turn; 200 once exhausted. */
const script = new Map<string, number[]>();

let gateway: SimulatedGateway;
let gatewayUrl: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      received.push({ headers: req.headers, raw });
      const body = JSON.parse(raw.toString('utf8')) as {
        payment_id?: unknown;
        callbacks?: { payment_id?: unknown }[];
      };
      // A batch is scripted by its first callback's payment id.
      const paymentId = String(body.payment_id ?? body.callbacks?.[0]?.payment_id);
      res.statusCode = script.get(paymentId)?.shift() ?? 200;
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/gateway`;
  gateway = new SimulatedGateway({
    secret,
    delayMs: 50,
    successRate: 0.5,
    seed,
    logger,
    callbackRetryBaseMs: 50,
  });
  gatewayUrl = (await gateway.start({ host: '127.0.0.1', port: 0 })).url;
});

afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

function chargeRequest(overrides: Record<string, unknown> = {}) {
  const orderId = uniqueId('ord');
  return {
    payment_id: `pay-${orderId}`,
    order_id: orderId,
    amount_cents: 4200,
    currency: 'EUR',
    callback_url: callbackUrl,
    ...overrides,
  };
}

async function postCharge(body: unknown) {
  const response = await fetch(`${gatewayUrl}/charges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = { status: response.status, body: (await response.json()) as Record<string, unknown> };
  expectDocumented('gateway', 'POST', response.url, {
    ...answer,
    contentType: response.headers.get('content-type'),
  });
  return answer;
}

function callbacksFor(paymentId: string): (Received & { body: Record<string, unknown> })[] {
  return received
    .map((r) => ({ ...r, body: JSON.parse(r.raw.toString('utf8')) as Record<string, unknown> }))
    .filter((r) => r.body.payment_id === paymentId);
}

describe('simulated gateway', () => {
  test('accepts a charge with 202 and calls back once, signed, with the seeded outcome', async () => {
    const request = chargeRequest();
    const accepted = await postCharge(request);
    expect(accepted).toEqual({
      status: 202,
      body: { charge_id: expect.stringMatching(/^ch_/), payment_id: request.payment_id, status: 'PENDING' },
    });

    const [callback] = await waitFor(
      'the callback',
      () => callbacksFor(request.payment_id).length > 0 && callbacksFor(request.payment_id),
    );
    const outcome = gatewayOutcome(seed, request.order_id, 0.5);
    expect(callback!.body).toEqual({
      delivery_id: callback!.headers['x-delivery-id'],
      type: outcome === 'SUCCEEDED' ? 'charge.succeeded' : 'charge.declined',
      charge_id: accepted.body.charge_id,
      payment_id: request.payment_id,
      order_id: request.order_id,
      outcome,
      amount_cents: 4200,
      currency: 'EUR',
      decided_at: expect.any(Number),
      detail: outcome === 'DECLINED' ? 'card declined (simulated)' : null,
    });
    expect(callback!.headers['content-type']).toBe('application/octet-stream');
    const signature = verifyWebhook({
      secret,
      header: callback!.headers['x-signature'] as string,
      body: callback!.raw,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    expect(signature.ok).toBe(true);
  });

  test('a repeated charge request for the same payment is answered without a second charge or callback', async () => {
    const request = chargeRequest();
    const first = await postCharge(request);
    const second = await postCharge(request);
    expect(second).toEqual({ status: 202, body: { ...first.body, status: expect.any(String) } });

    await waitFor('the callback', () => callbacksFor(request.payment_id).length > 0);
    const third = await postCharge(request);
    expect(third.body.charge_id).toBe(first.body.charge_id);
    const chargeResponse = await fetch(`${gatewayUrl}/charges/${request.payment_id}`);
    const charge = (await chargeResponse.json()) as Record<string, unknown>;
    expectDocumented('gateway', 'GET', chargeResponse.url, {
      status: chargeResponse.status,
      contentType: chargeResponse.headers.get('content-type'),
      body: charge,
    });
    expect(charge).toMatchObject({ requests: 3, delivery: { attempts: 1, delivered: true } });
    expect(callbacksFor(request.payment_id)).toHaveLength(1);
  });

  test('the same payment id with other details is refused with 409', async () => {
    const request = chargeRequest();
    await postCharge(request);
    const conflict = await postCharge({ ...request, amount_cents: 1 });
    expect(conflict).toMatchObject({ status: 409, body: { code: 'GATEWAY.IDEMPOTENCY_CONFLICT' } });
  });

  test('an invalid charge request is refused with 400 naming the field', async () => {
    const invalid = await postCharge(chargeRequest({ currency: 'euro', amount_cents: -1 }));
    expect(invalid.status).toBe(400);
    expect((invalid.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'body.amount_cents',
      'body.currency',
    ]);
  });

  test('a failed callback is retried with the same delivery id and a fresh signature', async () => {
    const request = chargeRequest();
    script.set(request.payment_id, [500, 503]);
    await postCharge(request);
    const attempts = await waitFor(
      'three attempts',
      () => callbacksFor(request.payment_id).length >= 3 && callbacksFor(request.payment_id),
    );
    expect(new Set(attempts.map((a) => a.headers['x-delivery-id'])).size).toBe(1);
    expect(
      attempts.every(
        (a) =>
          verifyWebhook({
            secret,
            header: a.headers['x-signature'] as string,
            body: a.raw,
            nowSeconds: Math.floor(Date.now() / 1000),
          }).ok,
      ),
    ).toBe(true);
    await waitFor('delivery recorded', async () => {
      const charge = (await (await fetch(`${gatewayUrl}/charges/${request.payment_id}`)).json()) as {
        delivery: { attempts: number; delivered: boolean };
      };
      return charge.delivery.delivered && charge.delivery.attempts === 3;
    });
  });

  test('a charge whose callback is done is forgotten after the retention window', async () => {
    const shortMemory = new SimulatedGateway({
      secret,
      delayMs: 10,
      successRate: 1,
      seed,
      logger,
      retentionMs: 200,
    });
    const url = (await shortMemory.start({ host: '127.0.0.1', port: 0 })).url;
    try {
      const request = chargeRequest();
      await fetch(`${url}/charges`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      await waitFor('the callback', () => callbacksFor(request.payment_id).length > 0);
      expect(shortMemory.charge(request.payment_id)).toBeDefined();
      await waitFor('the charge to be forgotten', async () => {
        const response = await fetch(`${url}/charges/${request.payment_id}`);
        await response.arrayBuffer();
        return response.status === 404;
      });
    } finally {
      await shortMemory.stop();
    }
  });
});

describe('simulated gateway, batches', () => {
  async function postBatch(body: unknown) {
    const response = await fetch(`${gatewayUrl}/charges/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = { status: response.status, body: (await response.json()) as Record<string, unknown> };
    expectDocumented('gateway', 'POST', response.url, {
      ...answer,
      contentType: response.headers.get('content-type'),
    });
    return answer;
  }

  interface BatchReceived extends Received {
    body: { batch_id: string; callbacks: Record<string, unknown>[] };
  }

  function batchesWith(paymentId: string): BatchReceived[] {
    return received
      .map((r) => ({ ...r, body: JSON.parse(r.raw.toString('utf8')) as BatchReceived['body'] }))
      .filter((r) => r.body.callbacks?.some((c) => c.payment_id === paymentId));
  }

  test('answers each charge of a batch in order, and calls back with all new outcomes in one signed POST', async () => {
    const before = chargeRequest();
    await postCharge(before);
    const fresh = [chargeRequest(), chargeRequest(), chargeRequest()];
    const batchCallbackUrl = `${callbackUrl}/batch`;
    const answer = await postBatch({
      charges: [...fresh, before, { ...before, amount_cents: 1 }],
      batch_callback_url: batchCallbackUrl,
    });
    expect(answer.status).toBe(200);
    const results = answer.body.results as Record<string, unknown>[];
    expect(results.map((r) => [r.payment_id, r.status, r.replayed])).toEqual([
      [fresh[0]!.payment_id, 202, false],
      [fresh[1]!.payment_id, 202, false],
      [fresh[2]!.payment_id, 202, false],
      [before.payment_id, 202, true],
      [before.payment_id, 409, undefined],
    ]);
    expect(results[4]).toMatchObject({ code: 'GATEWAY.IDEMPOTENCY_CONFLICT' });

    const [batch] = await waitFor('the batched callback', () => {
      const found = batchesWith(fresh[0]!.payment_id);
      return found.length > 0 && found;
    });
    expect(batchesWith(fresh[0]!.payment_id)).toHaveLength(1);
    expect(batch!.headers['x-delivery-id']).toBe(batch!.body.batch_id);
    expect(batch!.headers['content-type']).toBe('application/octet-stream');
    expect(
      verifyWebhook({
        secret,
        header: batch!.headers['x-signature'] as string,
        body: batch!.raw,
        nowSeconds: Math.floor(Date.now() / 1000),
      }).ok,
    ).toBe(true);
    // Only the charges this batch created; the replayed one was called back on its own URL before.
    expect(batch!.body.callbacks.map((c) => c.payment_id)).toEqual(fresh.map((f) => f.payment_id));
    batch!.body.callbacks.forEach((callback, index) => {
      expect(callback).toMatchObject({
        delivery_id: expect.stringMatching(/^dlv_/),
        charge_id: (results[index]!.charge as { charge_id: string }).charge_id,
        order_id: fresh[index]!.order_id,
        outcome: gatewayOutcome(seed, fresh[index]!.order_id, 0.5),
      });
    });
    expect(new Set(batch!.body.callbacks.map((c) => c.delivery_id)).size).toBe(3);
    expect(gateway.charge(fresh[0]!.payment_id)).toMatchObject({ batch_callback_url: batchCallbackUrl });
    expect(callbacksFor(before.payment_id)).toHaveLength(1);
  });

  test('a failed batched callback is retried whole, same batch and delivery ids, freshly signed', async () => {
    const fresh = [chargeRequest(), chargeRequest()];
    script.set(fresh[0]!.payment_id, [503]);
    await postBatch({ charges: fresh, batch_callback_url: `${callbackUrl}/batch` });
    const attempts = await waitFor('two attempts', () => {
      const found = batchesWith(fresh[0]!.payment_id);
      return found.length >= 2 && found;
    });
    expect(attempts.map((a) => a.raw.toString('utf8'))).toEqual([
      attempts[0]!.raw.toString('utf8'),
      attempts[0]!.raw.toString('utf8'),
    ]);
    expect(new Set(attempts.map((a) => a.headers['x-delivery-id'])).size).toBe(1);
    await waitFor(
      'delivery recorded',
      () => gateway.charge(fresh[1]!.payment_id)?.delivery.delivered === true,
    );
  });

  test('without batch_callback_url each charge of a batch is called back on its own', async () => {
    const fresh = [chargeRequest(), chargeRequest()];
    expect((await postBatch({ charges: fresh })).status).toBe(200);
    await waitFor('both callbacks', () => fresh.every((f) => callbacksFor(f.payment_id).length === 1));
    expect(batchesWith(fresh[0]!.payment_id)).toEqual([]);
  });

  test('an invalid batch is refused with 400 naming the field', async () => {
    const invalid = await postBatch({ charges: [chargeRequest(), chargeRequest({ currency: 'euro' })] });
    expect(invalid.status).toBe(400);
    expect((invalid.body.errors as { field: string }[]).map((e) => e.field)).toEqual([
      'body.charges.1.currency',
    ]);
    expect((await postBatch({ charges: [] })).status).toBe(400);
  });
});
