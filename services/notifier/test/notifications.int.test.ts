import { createHmac } from 'node:crypto';
import {
  buildCustomer,
  buildOrdersPlaced,
  ordersFinishedFor,
  refundsProcessedFor,
  refundsRejectedFor,
  refundsRequestedFor,
  uniqueId,
} from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { notificationIdFor } from '../src/domain/notification';
import { SmtpSink } from './smtp-sink';
import { API_TOKEN, NotifierHarness, WEBHOOK_SECRET, type NotificationBody } from './support';
import { WebhookSink } from './webhook-sink';

const smtp = new SmtpSink();
const hooks = new WebhookSink();
const notifier = new NotifierHarness(() => ({
  NOTIFY_CHANNELS: 'log,email,webhook',
  SMTP_URL: smtp.url,
  MAIL_FROM: 'orderflow shop <orders@shop.example>',
  NOTIFY_WEBHOOK_URL: hooks.url,
  NOTIFY_RETRY_BASE_MS: '100',
  NOTIFY_RETRY_MAX_MS: '500',
}));

beforeAll(async () => {
  await Promise.all([smtp.start(), hooks.start()]);
  await notifier.start();
});
afterAll(async () => {
  await notifier.stop();
  await Promise.all([smtp.stop(), hooks.stop()]);
});

const allSent = (n: NotificationBody) => n.status === 'SENT';
const byChannel = (list: NotificationBody[], channel: string) => list.find((n) => n.channel === channel)!;

function paidOrder(overrides: Parameters<typeof buildOrdersPlaced>[0] = {}) {
  const placed = buildOrdersPlaced({
    lines: [
      { sku: 'GEAR', name: 'Analytical Engine gear', unit_price_cents: 1250, qty: 2 },
      { sku: 'CRANK', name: 'Crank', unit_price_cents: 399, qty: 1 },
    ],
    total_cents: 2899,
    ...overrides,
  });
  return ordersFinishedFor(placed);
}

/** Verifies X-Signature the way a receiver would, independently of the service's own signer. */
function signatureValid(header: string | undefined, body: string): { ok: boolean; timestamp: number } {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return { ok: false, timestamp: 0 };
  const expected = createHmac('sha256', WEBHOOK_SECRET).update(`${match[1]}.${body}`).digest('hex');
  return { ok: expected === match[2], timestamp: Number(match[1]) };
}

describe('orders.finished PAID', () => {
  test('the e-mail arrives with the right content, the webhook with a valid signature, the log line masked', async () => {
    const customer = buildCustomer({ name: 'Ada Lovelace' });
    const finished = paidOrder({ customer });
    await notifier.produce('orders.finished', finished);

    const notifications = await notifier.waitForNotifications(finished.order_id, 3, 'SENT', allSent);
    expect(notifications.map((n) => n.channel).sort()).toEqual(['email', 'log', 'webhook']);
    for (const n of notifications) {
      expect(n).toMatchObject({
        notification_id: notificationIdFor(finished.event_id, n.channel),
        event_id: finished.event_id,
        kind: 'order.confirmed',
        customer_id: customer.customer_id,
        attempt_count: 1,
      });
    }

    // E-mail: one message, to the customer, with order id and formatted total, Message-ID from the notification.
    const email = byChannel(notifications, 'email');
    const messageId = `<${email.notification_id}@shop.example>`;
    const [mail, ...more] = smtp.withMessageId(messageId);
    expect(more).toHaveLength(0);
    expect(mail).toBeDefined();
    expect(mail!.to).toMatchObject({ value: [{ address: customer.email, name: 'Ada Lovelace' }] });
    expect(mail!.from).toMatchObject({ value: [{ address: 'orders@shop.example', name: 'orderflow shop' }] });
    expect(mail!.subject).toBe(`Order ${finished.order_id} confirmed: €28.99`);
    expect(mail!.text).toContain(`Thank you for your order ${finished.order_id}`);
    expect(mail!.text).toContain('We received your payment of €28.99');
    expect(mail!.text).toMatch(/Status: +PAID/);
    expect(mail!.text).toContain(customer.customer_id);
    expect(mail!.html).toContain('€28.99');
    expect(mail!.headers.get('x-notification-id')).toBe(email.notification_id);

    // Webhook: signed over the exact body, delivery id = notification id, raw cents in the JSON.
    const webhook = byChannel(notifications, 'webhook');
    const [request, ...again] = hooks.withDeliveryId(webhook.notification_id);
    expect(again).toHaveLength(0);
    expect(request!.headers['content-type']).toBe('application/json');
    const signature = signatureValid(request!.headers['x-signature'] as string, request!.body);
    expect(signature.ok).toBe(true);
    expect(Math.abs(signature.timestamp - Date.now() / 1000)).toBeLessThan(60);
    expect(JSON.parse(request!.body)).toMatchObject({
      notification_id: webhook.notification_id,
      type: 'order.confirmed',
      event_id: finished.event_id,
      order_id: finished.order_id,
      customer_id: customer.customer_id,
      status: 'PAID',
      total_cents: 2899,
      currency: 'EUR',
      total_formatted: '€28.99',
      payment_id: finished.payment_id,
    });
    expect(request!.body).not.toContain(customer.email);

    // Log: one info line with the masked address; the address itself appears in no log line.
    const line = notifier.logs.find(
      (l) => l.notificationId === byChannel(notifications, 'log').notification_id,
    );
    expect(line).toMatchObject({
      level: 'info',
      msg: `order ${finished.order_id} confirmed for ${customer.customer_id}: €28.99 (PAID)`,
      orderId: finished.order_id,
      customerId: customer.customer_id,
      email: `${customer.email[0]}***@example.test`,
      totalCents: 2899,
      currency: 'EUR',
    });
    expect(JSON.stringify(notifier.logs)).not.toContain(customer.email);

    // The API shows the address masked, the e-mail's content and the attempt.
    const detail = await notifier.notification(email.notification_id);
    expect(detail.recipient).toBe(`${customer.email[0]}***@example.test`);
    expect(detail.content).toMatchObject({ subject: `Order ${finished.order_id} confirmed: €28.99` });
    expect(detail.attempts).toEqual([
      { attempt: 1, started_at: expect.any(String), finished_at: expect.any(String), ok: true, error: null },
    ]);
    expect(
      await notifier.metric('orderflow_notifications_sent_total', { channel: 'email' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await notifier.metric('orderflow_notifications_sent_total', { channel: 'webhook' }),
    ).toBeGreaterThanOrEqual(1);
  });
});

describe('other kinds', () => {
  test('a FAILED order tells the reason', async () => {
    const finished = ordersFinishedFor(buildOrdersPlaced(), {
      status: 'FAILED',
      reason: 'OUT_OF_STOCK',
      reason_detail: 'SKU-1: requested 3, available 1',
      payment_id: null,
    });
    await notifier.produce('orders.finished', finished);
    const notifications = await notifier.waitForNotifications(finished.order_id, 3, 'SENT', allSent);
    const mail = smtp.withMessageId(
      `<${byChannel(notifications, 'email').notification_id}@shop.example>`,
    )[0]!;
    expect(mail.subject).toBe(`Order ${finished.order_id} could not be completed`);
    expect(mail.text).toContain('because some items are out of stock.');
    const request = hooks.withDeliveryId(byChannel(notifications, 'webhook').notification_id)[0]!;
    expect(JSON.parse(request.body)).toMatchObject({
      type: 'order.failed',
      status: 'FAILED',
      reason: 'OUT_OF_STOCK',
      reason_text: 'some items are out of stock',
      reason_detail: 'SKU-1: requested 3, available 1',
    });
  });

  test('refunds processed and rejected are notified; a rejection without a customer gets no e-mail', async () => {
    const finished = paidOrder();
    const requested = refundsRequestedFor(finished, { amount_cents: 1000 });
    const processed = refundsProcessedFor(finished, requested);
    const rejected = refundsRejectedFor(finished, refundsRequestedFor(finished), {
      reason: 'AMOUNT_EXCEEDS_REMAINING',
      remaining_refundable_cents: 1899,
    });
    const unknownOrder = uniqueId('ord');
    const orphan = refundsRejectedFor(finished, refundsRequestedFor(finished), {
      order_id: unknownOrder,
      reason: 'ORDER_UNKNOWN',
      customer: null,
      currency: null,
      remaining_refundable_cents: null,
    });
    await notifier.produce('refunds.processed', processed);
    await notifier.produce('refunds.rejected', rejected, orphan);

    const forOrder = await notifier.waitForNotifications(finished.order_id, 6, 'SENT', allSent);
    const processedMail = smtp.withMessageId(
      `<${notificationIdFor(processed.event_id, 'email')}@shop.example>`,
    )[0]!;
    expect(processedMail.subject).toBe(`Refund of €10.00 for order ${finished.order_id}`);
    const rejectedMail = smtp.withMessageId(
      `<${notificationIdFor(rejected.event_id, 'email')}@shop.example>`,
    )[0]!;
    expect(rejectedMail.text).toContain('more than what can still be refunded (€18.99)');
    expect(forOrder.filter((n) => n.kind === 'refund.processed')).toHaveLength(3);

    const forOrphan = await notifier.waitForNotifications(unknownOrder, 2, 'SENT', allSent);
    expect(forOrphan.map((n) => n.channel).sort()).toEqual(['log', 'webhook']);
    expect(forOrphan.every((n) => n.customer_id === null && n.recipient === null)).toBe(true);
    const request = hooks.withDeliveryId(byChannel(forOrphan, 'webhook').notification_id)[0]!;
    expect(JSON.parse(request.body)).toMatchObject({
      type: 'refund.rejected',
      reason: 'ORDER_UNKNOWN',
      currency: null,
    });
  });
});

describe('duplicates', () => {
  test('a redelivered event makes one notification per channel and one message each', async () => {
    const finished = paidOrder();
    await notifier.produce('orders.finished', finished, finished);
    await notifier.waitForNotifications(finished.order_id, 3, 'SENT', allSent);
    // Again, once the first copy is delivered: the inbox and the unique (event, channel) both stand in the way.
    await notifier.produce('orders.finished', finished);
    await notifier.consumed();

    const notifications = await notifier.notificationsOf(finished.order_id);
    expect(notifications).toHaveLength(3);
    expect(notifications.every((n) => n.attempt_count === 1 && n.status === 'SENT')).toBe(true);
    expect(
      smtp.withMessageId(`<${notificationIdFor(finished.event_id, 'email')}@shop.example>`),
    ).toHaveLength(1);
    expect(hooks.withDeliveryId(notificationIdFor(finished.event_id, 'webhook'))).toHaveLength(1);
    const rows = await notifier.dbQuery<{ n: number }>(
      'SELECT count(*)::int AS n FROM {schema}.notifications WHERE event_id = $1',
      [finished.event_id],
    );
    expect(rows).toEqual([{ n: 3 }]);
  });
});

describe('poison messages', () => {
  test('undecodable bytes and an event with a bad currency go to dlq.notifier; the partition moves on', async () => {
    const key = uniqueId('ord');
    const bad = paidOrder({ order_id: key, currency: 'EURO' });
    const good = paidOrder({ order_id: key });
    await notifier.produceRaw('orders.finished', key, Buffer.from('not avro at all'));
    await notifier.produce('orders.finished', bad, good);

    await notifier.waitForNotifications(
      key,
      3,
      'SENT for the good event',
      (n) => n.event_id === good.event_id && n.status === 'SENT',
    );
    const letters = await waitFor('two dead letters', () => {
      const found = notifier.deadLettersFor(key);
      return found.length === 2 ? found : undefined;
    });
    const codes = letters.map((m) => m.headers?.['x-dlq-error-code']?.toString()).sort();
    expect(codes).toEqual(['NOTIFIER.INVALID_EVENT', 'UNDECODABLE']);
    for (const letter of letters) {
      expect(letter.headers?.['x-dlq-origin-topic']?.toString()).toBe(notifier.topic('orders.finished'));
      expect(letter.headers?.['x-dlq-service']?.toString()).toBe('notifier');
    }
    const invalid = letters.find(
      (m) => m.headers?.['x-dlq-error-code']?.toString() === 'NOTIFIER.INVALID_EVENT',
    )!;
    expect(invalid.headers?.['x-dlq-error-message']?.toString()).toContain(
      'currency "EURO" is not an ISO 4217 code',
    );
  });
});

describe('GET /notifications', () => {
  test('filters by customer, order, status and channel, newest first, page by page', async () => {
    const customer = buildCustomer();
    const orders = [paidOrder({ customer }), paidOrder({ customer }), paidOrder({ customer })];
    // One after the other: orders on different partitions may otherwise be consumed in any order.
    for (const finished of orders) {
      await notifier.produce('orders.finished', finished);
      await notifier.waitForNotifications(finished.order_id, 3, 'SENT', allSent);
    }

    const seen: NotificationBody[] = [];
    let cursor: string | null = null;
    const pageSizes: number[] = [];
    do {
      const path: string = `/notifications?customer_id=${customer.customer_id}&limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await notifier.http<{ items: NotificationBody[]; next_cursor: string | null }>(
        'GET',
        path,
      );
      expect(status).toBe(200);
      pageSizes.push(body.items.length);
      seen.push(...body.items);
      cursor = body.next_cursor;
    } while (cursor);
    expect(pageSizes).toEqual([4, 4, 1]);
    expect(new Set(seen.map((n) => n.notification_id)).size).toBe(9);
    expect(seen.every((n) => n.customer_id === customer.customer_id)).toBe(true);
    // Newest first: the last order's notifications lead.
    expect(seen.slice(0, 3).every((n) => n.order_id === orders[2]!.order_id)).toBe(true);
    expect(seen.slice(6).every((n) => n.order_id === orders[0]!.order_id)).toBe(true);

    const byOrder = await notifier.http<{ items: NotificationBody[] }>(
      'GET',
      `/notifications?order_id=${orders[1]!.order_id}&channel=email&status=SENT`,
    );
    expect(byOrder.body.items).toHaveLength(1);
    expect(byOrder.body.items[0]).toMatchObject({
      order_id: orders[1]!.order_id,
      channel: 'email',
      status: 'SENT',
    });
    const none = await notifier.http<{ items: unknown[] }>(
      'GET',
      `/notifications?customer_id=${customer.customer_id}&status=FAILED`,
    );
    expect(none.body).toEqual({ items: [], next_cursor: null });
  });

  test('bad query fields are a 400 naming each of them', async () => {
    const { status, headers, body } = await notifier.http<{ code: string; errors: { field: string }[] }>(
      'GET',
      '/notifications?limit=0&status=LOST&channel=sms&cursor=bogus',
    );
    expect(status).toBe(400);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body.code).toBe('HTTP.VALIDATION');
    expect(body.errors.map((e) => e.field).sort()).toEqual([
      'query.channel',
      'query.cursor',
      'query.limit',
      'query.status',
    ]);
  });

  test('an unknown notification is a 404', async () => {
    const { status, body } = await notifier.http<{ code: string }>('GET', `/notifications/${uniqueId('n')}`);
    expect(status).toBe(404);
    expect(body.code).toBe('NOTIFIER.NOT_FOUND');
  });
});

describe('POST /notifications/{id}/retry', () => {
  test('needs the bearer token; only a FAILED notification can be retried', async () => {
    const finished = paidOrder();
    await notifier.produce('orders.finished', finished);
    const [sent] = await notifier.waitForNotifications(finished.order_id, 3, 'SENT', allSent);
    const path = `/notifications/${sent!.notification_id}/retry`;

    const anonymous = await notifier.http<{ code: string }>('POST', path);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await notifier.http<{ code: string }>('POST', path, {
      Authorization: 'Bearer not-the-token-at-all',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('HTTP.INVALID_TOKEN');

    const auth = { Authorization: `Bearer ${API_TOKEN}` };
    const conflict = await notifier.http<{ code: string; detail: string }>('POST', path, auth);
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('NOTIFIER.NOT_FAILED');
    expect(conflict.body.detail).toContain('is SENT');
    const unknown = await notifier.http('POST', `/notifications/${uniqueId('n')}/retry`, auth);
    expect(unknown.status).toBe(404);
    expect((await notifier.notification(sent!.notification_id)).attempt_count).toBe(1);
  });
});
