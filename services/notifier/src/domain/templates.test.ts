import type { FailureReason, RefundRejectReason } from '@orderflow/contracts';
import {
  buildOrdersPlaced,
  ordersFinishedFor,
  refundsProcessedFor,
  refundsRejectedFor,
  refundsRequestedFor,
} from '@orderflow/contracts/testing';
import {
  factsFromOrdersFinished,
  factsFromRefundsProcessed,
  factsFromRefundsRejected,
  type NotificationFacts,
} from './notification';
import { failureReasonText, renderContent, renderEmail, renderLogLine, webhookPayload } from './templates';

const customer = { customer_id: 'cust-42', email: 'ada@example.test', name: 'Ada Lovelace' };
const placed = buildOrdersPlaced({
  order_id: 'ord-1001',
  currency: 'EUR',
  customer,
  lines: [
    { sku: 'GEAR', name: 'Analytical Engine gear', unit_price_cents: 1250, qty: 2 },
    { sku: 'CRANK', name: 'Crank', unit_price_cents: 399, qty: 1 },
  ],
  total_cents: 2899,
});
const paid = ordersFinishedFor(placed, { payment_id: 'pay-7', finished_at: Date.UTC(2025, 0, 15, 11) });
const failed = (reason: FailureReason | null) =>
  ordersFinishedFor(placed, { status: 'FAILED', reason, reason_detail: 'card declined', payment_id: null });
const requested = refundsRequestedFor(paid, {
  refund_id: 'ref-9',
  amount_cents: 1000,
  reason: 'damaged on arrival',
});

/** What every notification says, whatever its kind: order, customer, status, total and currency. */
function expectEssentials(
  facts: NotificationFacts,
  status: string,
  total: string,
  totalCents: number | null,
) {
  const email = renderEmail(facts, 'en-US');
  expect(`${email.subject}\n${email.text}`).toContain(facts.orderId);
  expect(email.text).toContain('cust-42');
  expect(email.text).toMatch(new RegExp(`Status: +${status}\n`));
  expect(email.text).toContain(total);
  expect(email.html).toContain(total);
  const payload = webhookPayload(facts, 'n-1', 'en-US');
  expect(payload).toMatchObject({
    notification_id: 'n-1',
    event_id: facts.eventId,
    order_id: facts.orderId,
    status,
    total_cents: totalCents,
    total_formatted: total,
  });
  const line = renderLogLine(facts, 'en-US');
  expect(line).toContain(facts.orderId);
  expect(line).toContain(total);
  expect(line).toContain(status);
  expect(line).not.toContain('\n');
}

describe('order confirmed (PAID)', () => {
  const facts = factsFromOrdersFinished(paid);

  test('subject, greeting, lines and total for the customer', () => {
    const email = renderEmail(facts, 'en-US');
    expect(email.subject).toBe('Order ord-1001 confirmed: €28.99');
    expect(email.toName).toBe('Ada Lovelace');
    expect(email.text).toContain('Hello Ada Lovelace,');
    expect(email.text).toContain('We received your payment of €28.99');
    expect(email.text).toMatch(/2 x Analytical Engine gear +€25\.00/);
    expect(email.text).toMatch(/1 x Crank +€3\.99/);
    expectEssentials(facts, 'PAID', '€28.99', 2899);
  });

  test('the webhook carries raw cents, currency, customer id and payment, but no e-mail address', () => {
    const payload = webhookPayload(facts, 'n-1', 'en-US');
    expect(payload).toMatchObject({
      type: 'order.confirmed',
      topic: 'orders.finished',
      occurred_at: '2025-01-15T11:00:00.000Z',
      customer_id: 'cust-42',
      currency: 'EUR',
      reason: null,
      reason_text: null,
      payment_id: 'pay-7',
    });
    expect(JSON.stringify(payload)).not.toContain('ada@example.test');
  });

  test('the log line', () => {
    expect(renderLogLine(facts, 'en-US')).toBe('order ord-1001 confirmed for cust-42: €28.99 (PAID)');
  });

  test('money follows the locale', () => {
    expect(renderEmail(facts, 'de-DE').subject).toBe('Order ord-1001 confirmed: 28,99\u00a0€');
  });
});

describe('order failed', () => {
  const reasons: [FailureReason | null, string][] = [
    ['OUT_OF_STOCK', 'some items are out of stock'],
    ['UNKNOWN_SKU', 'the order contains an unknown product'],
    ['PAYMENT_DECLINED', 'the payment was declined'],
    ['PAYMENT_TIMEOUT', 'the payment timed out'],
    ['PAYMENT_ERROR', 'the payment could not be processed'],
    [null, 'the order could not be completed'],
  ];

  test.each(reasons)('%s is explained as "%s" in every channel', (reason, text) => {
    const facts = factsFromOrdersFinished(failed(reason));
    expect(failureReasonText(reason)).toBe(text);
    const email = renderEmail(facts, 'en-US');
    expect(email.subject).toBe('Order ord-1001 could not be completed');
    expect(email.text).toContain(`could not be completed because ${text}.`);
    expect(email.text).toContain('No payment has been kept');
    expect(webhookPayload(facts, 'n-1', 'en-US')).toMatchObject({
      type: 'order.failed',
      reason,
      reason_text: text,
      reason_detail: 'card declined',
    });
    expect(renderLogLine(facts, 'en-US')).toBe(`order ord-1001 failed for cust-42: €28.99 (FAILED, ${text})`);
    expectEssentials(facts, 'FAILED', '€28.99', 2899);
  });
});

describe('refund processed', () => {
  const facts = factsFromRefundsProcessed(refundsProcessedFor(paid, requested));

  test('amount, what was refunded so far and what is left', () => {
    const email = renderEmail(facts, 'en-US');
    expect(email.subject).toBe('Refund of €10.00 for order ord-1001');
    expect(email.text).toContain(
      'We have refunded €10.00 of your order ord-1001 (your reason: damaged on arrival).',
    );
    expect(email.text).toContain('Refunded so far: €10.00. Still refundable: €18.99.');
    expect(webhookPayload(facts, 'n-1', 'en-US')).toMatchObject({
      type: 'refund.processed',
      refund_id: 'ref-9',
      refunded_total_cents: 1000,
      remaining_refundable_cents: 1899,
      refund_reason: 'damaged on arrival',
    });
    expect(renderLogLine(facts, 'en-US')).toBe(
      'refund ref-9 of €10.00 processed for order ord-1001 of cust-42 (REFUNDED)',
    );
    expectEssentials(facts, 'REFUNDED', '€10.00', 1000);
  });
});

describe('refund rejected', () => {
  const reasons: [RefundRejectReason, string][] = [
    ['ORDER_NOT_PAID', 'the order was not paid'],
    ['ORDER_UNKNOWN', 'we could not find the order'],
    ['AMOUNT_EXCEEDS_REMAINING', 'the amount asked for is more than what can still be refunded (€5.00)'],
    ['NOTHING_LEFT_TO_REFUND', 'the order has already been refunded in full'],
  ];

  test.each(reasons)('%s is explained as "%s"', (reason, text) => {
    const facts = factsFromRefundsRejected(
      refundsRejectedFor(paid, requested, { reason, remaining_refundable_cents: 500 }),
    );
    const email = renderEmail(facts, 'en-US');
    expect(email.subject).toBe('Refund request for order ord-1001 declined');
    expect(email.text).toContain(`We could not refund €10.00 of your order ord-1001: ${text}.`);
    expect(webhookPayload(facts, 'n-1', 'en-US')).toMatchObject({
      type: 'refund.rejected',
      reason,
      reason_text: text,
    });
    expect(renderLogLine(facts, 'en-US')).toContain(`(REJECTED, ${text})`);
    expectEssentials(facts, 'REJECTED', '€10.00', 1000);
  });

  test('a request for everything left says so instead of an amount', () => {
    const facts = factsFromRefundsRejected(
      refundsRejectedFor(paid, requested, { requested_amount_cents: null, reason: 'NOTHING_LEFT_TO_REFUND' }),
    );
    expect(renderEmail(facts, 'en-US').text).toContain(
      'We could not refund the remaining amount of your order',
    );
    expect(webhookPayload(facts, 'n-1', 'en-US')).toMatchObject({ total_cents: null, total_formatted: null });
  });

  test('for an unknown order there is no customer and no currency, and every channel still renders', () => {
    const facts = factsFromRefundsRejected(
      refundsRejectedFor(paid, requested, {
        reason: 'ORDER_UNKNOWN',
        customer: null,
        currency: null,
        remaining_refundable_cents: null,
      }),
    );
    expect(facts.customer).toBeNull();
    expect(renderLogLine(facts, 'en-US')).toBe(
      'refund ref-9 of 1000 (minor units) rejected for order ord-1001 of an unknown customer (REJECTED, we could not find the order)',
    );
    expect(webhookPayload(facts, 'n-1', 'en-US')).toMatchObject({
      customer_id: null,
      currency: null,
      total_cents: 1000,
    });
  });
});

describe('rendering', () => {
  test('the HTML part escapes what came from outside', () => {
    const facts = factsFromOrdersFinished(
      ordersFinishedFor(placed, { customer: { ...customer, name: '<script>alert("x")</script> & co' } }),
    );
    const { html, text } = renderEmail(facts, 'en-US');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(text).toContain('<script>alert("x")</script> & co');
  });

  test('each channel gets its own content; the webhook body is the JSON payload as sent', () => {
    const facts = factsFromOrdersFinished(paid);
    expect(renderContent('email', facts, 'n-1', 'en-US')).toMatchObject({
      channel: 'email',
      content: { subject: expect.any(String) },
    });
    const webhook = renderContent('webhook', facts, 'n-1', 'en-US');
    expect(webhook.channel === 'webhook' && JSON.parse(webhook.content.body)).toEqual(
      webhookPayload(facts, 'n-1', 'en-US'),
    );
    expect(renderContent('log', facts, 'n-1', 'en-US')).toEqual({
      channel: 'log',
      content: {
        line: 'order ord-1001 confirmed for cust-42: €28.99 (PAID)',
        fields: {
          kind: 'order.confirmed',
          orderId: 'ord-1001',
          customerId: 'cust-42',
          status: 'PAID',
          totalCents: 2899,
          currency: 'EUR',
        },
      },
    });
  });
});
