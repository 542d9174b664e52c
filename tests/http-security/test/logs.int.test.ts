import { randomBytes } from 'node:crypto';
import {
  buildCustomer,
  buildInventoryStockLevels,
  buildOrderLine,
  buildOrdersPlaced,
} from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { SecurityStack } from './stack';

/**
 * One order through all six services with every secret in play — the refunds API token, the payment
 * gateway's webhook secret, the notifier's webhook secret, an SMTP URL with a password — and a customer
 * e-mail address, then every log line at info level and above is searched for them.
 */
const stack = new SecurityStack();

beforeAll(async () => {
  await stack.start();
}, 90_000);

afterAll(async () => {
  await stack.stop();
});

async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as T };
}

test('an order, its payment, its e-mails and a refund log no token, secret, password or full e-mail', async () => {
  const email = `ada.${randomBytes(4).toString('hex')}@customer-mail.test`;
  const stock = [buildInventoryStockLevels({ on_hand: 50 }), buildInventoryStockLevels({ on_hand: 50 })];
  await stack.produce('inventory.stock-levels', ...stock);
  const inventory = stack.app('inventory').baseUrl;
  await waitFor('the stock to be known', async () => {
    for (const level of stock)
      if ((await getJson(`${inventory}/stock/${level.sku}`)).status !== 200) return false;
    return true;
  });

  const placed = buildOrdersPlaced({
    customer: buildCustomer({ email }),
    lines: stock.map((level) =>
      buildOrderLine({ sku: level.sku, unit_price_cents: level.unit_price_cents ?? 1250 }),
    ),
  });
  await stack.produce('orders.placed', placed);
  const orders = stack.app('orders').baseUrl;
  const final = await getJson<{ status: string }>(
    `${orders}/orders/${placed.order_id}?wait=final&timeout_ms=25000`,
  );
  expect(final.body.status).toBe('PAID');

  const refunds = stack.app('refunds').baseUrl;
  const refund = await getJson<{ refund_id: string }>(`${refunds}/refunds`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.secrets.apiToken}`,
      'content-type': 'application/json',
      'idempotency-key': `logs-${placed.order_id}`,
    },
    body: JSON.stringify({ order_id: placed.order_id, amount_cents: 100, reason: `customer ${email} asked` }),
  });
  expect(refund.status).toBe(202);

  // The order's e-mail and the refund's, through the SMTP server that wants the password.
  await waitFor(
    'both e-mails to be delivered',
    () => stack.smtp.messages.filter((m) => m.includes(email)).length >= 2,
    {
      timeoutMs: 30_000,
    },
  );
  expect(stack.smtp.logins).toContain(stack.secrets.smtpUser);

  const lines = stack.logs.filter((line) => ['info', 'warn', 'error', 'fatal'].includes(line.level));
  // The flow was logged (so an empty sink cannot pass), by every service.
  expect(new Set(lines.map((line) => line.service))).toEqual(
    new Set(['orders', 'inventory', 'payments', 'refunds', 'notifier', 'analytics']),
  );
  expect(lines.some((line) => JSON.stringify(line).includes(placed.order_id))).toBe(true);

  const forbidden = {
    'API token': stack.secrets.apiToken,
    'payment webhook secret': stack.secrets.webhookSecret,
    'notifier webhook secret': stack.secrets.notifyWebhookSecret,
    'SMTP password': stack.secrets.smtpPassword,
    'SMTP URL': stack.smtpUrl,
    'customer e-mail': email,
  };
  const leaks = lines.flatMap((line) => {
    const text = JSON.stringify(line);
    return Object.entries(forbidden)
      .filter(([, value]) => text.toLowerCase().includes(value.toLowerCase()))
      .map(([what]) => `${what} in ${text.slice(0, 300)}`);
  });
  expect(leaks).toEqual([]);
  // Any full address at all (masked ones, a***@example.test, are fine).
  const addresses = lines
    .map((line) => JSON.stringify(line))
    .flatMap((text) => text.match(/[A-Za-z0-9._%+-]{2,}@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g) ?? []);
  expect(addresses).toEqual([]);
}, 90_000);
