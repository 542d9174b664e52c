import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { allTopicSpecs } from '@orderflow/contracts';
import { createPrefixedTopics, waitFor } from '@orderflow/runtime';
import { repoRoot, servicesDown, servicesUp, stackPaths, type ServiceName } from '@orderflow/stack';
import { gatewayOutcome } from '../../../services/payments/src/domain/outcome';
import { buildDataset, type PlannedOrder } from './dataset';
import { getJson, kafkaClient, mapLimit, readTopic, runCli } from './support';

// The whole saga as a user runs it: the stack, three services as processes, the importer CLI on a CSV.
// Everything is private to this run (topic prefix, DB schemas, consumer groups, ports), so it can run
// beside a developer's own services.
const ORDER_COUNT = Number(process.env.E2E_ORDERS ?? 240);
const runId = `e2e${Date.now().toString(36)}`;
const prefix = `${runId}.`;
const seed = 'e2e-seed';
const successRate = 0.7;
const services: ServiceName[] = ['orders', 'inventory', 'payments', 'refunds', 'notifier', 'analytics'];
const ports: Record<string, number> = {
  orders: 3101,
  inventory: 3102,
  payments: 3103,
  refunds: 3104,
  notifier: 3105,
  analytics: 3106,
};
const apiToken = 'e2e-api-token-0123456789';
const root = repoRoot(__dirname);
const paths = { ...stackPaths(root), state: path.join(os.tmpdir(), runId) };
const importer = path.join(root, 'services', 'importer', 'dist', 'cli.js');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orderflow';
const kafka = kafkaClient();
const dataset = buildDataset(runId, ORDER_COUNT);
const say = (line: string): void => void process.stderr.write(`[e2e] ${line}\n`);

interface OrderView {
  order_id: string;
  status: string;
  reason: string | null;
  total_cents: number;
  currency: string;
}

function expectedOutcome(order: PlannedOrder): { status: string; reason: string | null } | undefined {
  switch (order.expected.kind) {
    case 'rejected-row':
      return undefined;
    case 'unknown-sku':
      return { status: 'FAILED', reason: 'UNKNOWN_SKU' };
    case 'out-of-stock':
      return { status: 'FAILED', reason: 'OUT_OF_STOCK' };
    case 'payable':
      return gatewayOutcome(seed, order.orderId, successRate) === 'SUCCEEDED'
        ? { status: 'PAID', reason: null }
        : { status: 'FAILED', reason: 'PAYMENT_DECLINED' };
  }
}

beforeAll(async () => {
  for (const name of services) process.env[`${name.toUpperCase()}_PORT`] = String(ports[name]);
  await createPrefixedTopics(kafka, prefix, allTopicSpecs());
  await servicesUp(paths, say, {
    only: services,
    env: {
      TOPIC_PREFIX: prefix,
      PAYMENT_SUCCESS_RATE: String(successRate),
      PAYMENT_SEED: seed,
      PAYMENT_DELAY_MS: '20',
      GATEWAY_PORT: '3113',
      GATEWAY_URL: 'http://127.0.0.1:3113',
      LOG_LEVEL: 'info',
      API_TOKEN: apiToken,
      ANALYTICS_KEY_PREFIX: runId,
    },
    envFor: (name) => ({ DB_SCHEMA: `${runId}_${name}`, CONSUMER_GROUP: `${name}.${runId}` }),
  });
  fs.writeFileSync(path.join(paths.state, 'stock.csv'), dataset.stockCsv);
  fs.writeFileSync(path.join(paths.state, 'orders.csv'), dataset.ordersCsv);
});

afterAll(async () => {
  await servicesDown(paths, say);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  for (const name of services) await client.query(`DROP SCHEMA IF EXISTS "${runId}_${name}" CASCADE`);
  await client.end();
  const admin = kafka.admin();
  await admin.connect();
  await admin
    .deleteTopics({ topics: allTopicSpecs().map((s) => `${prefix}${s.topic}`) })
    .catch(() => undefined);
  await admin.disconnect();
});

let paidOrders: PlannedOrder[] = [];
const refundedCents = new Map<string, number>();

function orderTotal(order: PlannedOrder): number {
  return order.lines.reduce((sum, l) => sum + l.qty * l.priceCents, 0);
}

describe('the order saga end to end', () => {
  test('every imported order ends exactly once as the data and the payment seed imply, stock is conserved', async () => {
    const env = { TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' };
    const stock = await runCli(
      importer,
      ['stock', path.join(paths.state, 'stock.csv'), '--currency', 'EUR', '--no-progress'],
      env,
    );
    expect({ code: stock.code, stderr: stock.code === 0 ? '' : stock.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    await waitFor('inventory has the stock levels', async () => {
      const views = await Promise.all(
        dataset.stock.map((s) =>
          getJson<{ on_hand: number }>(`http://127.0.0.1:${ports.inventory}/stock/${s.sku}`),
        ),
      );
      return (
        views.every((v, i) => v.status === 200 && v.body.on_hand === dataset.stock[i]!.onHand) || undefined
      );
    });

    const rejectsFile = path.join(paths.state, 'rejects.csv');
    const started = Date.now();
    const imported = await runCli(
      importer,
      ['orders', path.join(paths.state, 'orders.csv'), '--rejects', rejectsFile, '--no-progress'],
      env,
    );
    expect({ code: imported.code, stderr: imported.code === 2 ? '' : imported.stderr }).toEqual({
      code: 2,
      stderr: '',
    });
    const planned = dataset.orders.filter((o) => expectedOutcome(o) !== undefined);
    const rejectedIds = new Set(
      dataset.orders.filter((o) => expectedOutcome(o) === undefined).map((o) => o.orderId),
    );
    const rejectLines = fs.readFileSync(rejectsFile, 'utf8');
    for (const id of rejectedIds) expect(rejectLines).toContain(id);

    const finals = await mapLimit(planned, 25, async (order) => {
      const view = await waitFor(
        `order ${order.orderId} final`,
        async () => {
          const { status, body } = await getJson<OrderView>(
            `http://127.0.0.1:${ports.orders}/orders/${order.orderId}?wait=final&timeout_ms=5000`,
          );
          return status === 200 && (body.status === 'PAID' || body.status === 'FAILED') ? body : undefined;
        },
        { timeoutMs: 120_000 },
      );
      return { order, view };
    });
    const seconds = (Date.now() - started) / 1000;
    say(
      `${planned.length} orders final ${seconds.toFixed(1)} s after the import started (${(planned.length / seconds).toFixed(0)} orders/s)`,
    );

    // Every order's status and reason as planned.
    const mismatches = finals
      .map(({ order, view }) => ({
        id: order.orderId,
        expected: expectedOutcome(order),
        got: { status: view.status, reason: view.reason },
      }))
      .filter((m) => m.expected!.status !== m.got.status || m.expected!.reason !== m.got.reason);
    expect(mismatches).toEqual([]);
    const paid = finals.filter((f) => f.view.status === 'PAID').map((f) => f.order);
    expect(paid.length).toBeGreaterThan(0);
    paidOrders = paid;
    // Rejected orders never entered the system.
    for (const id of rejectedIds) {
      expect((await getJson(`http://127.0.0.1:${ports.orders}/orders/${id}`)).status).toBe(404);
    }

    // One kept payment per PAID order; none for orders that never got stock.
    for (const { order, view } of finals) {
      const payment = await getJson<{ status: string }>(
        `http://127.0.0.1:${ports.payments}/payments/${order.orderId}`,
      );
      if (view.status === 'PAID')
        expect([order.orderId, payment.body.status]).toEqual([order.orderId, 'SUCCEEDED']);
      else if (order.expected.kind === 'payable')
        expect([order.orderId, payment.body.status]).toEqual([order.orderId, 'FAILED']);
      else expect([order.orderId, payment.status]).toEqual([order.orderId, 404]);
    }

    // Stock at rest: nothing reserved, initial on hand = available + sold, sold = what PAID orders bought.
    await waitFor('every reservation committed or released', async () => {
      const views = await Promise.all(
        dataset.stock.map((s) =>
          getJson<{ reserved: number }>(`http://127.0.0.1:${ports.inventory}/stock/${s.sku}`),
        ),
      );
      return views.every((v) => v.body.reserved === 0) || undefined;
    });
    for (const item of dataset.stock) {
      const { body } = await getJson<{ on_hand: number; reserved: number; available: number; sold: number }>(
        `http://127.0.0.1:${ports.inventory}/stock/${item.sku}`,
      );
      const soldByPaid = paid
        .flatMap((o) => o.lines)
        .filter((l) => l.sku === item.sku)
        .reduce((sum, l) => sum + l.qty, 0);
      expect({
        sku: item.sku,
        total: body.available + body.sold,
        reserved: body.reserved,
        sold: body.sold,
      }).toEqual({
        sku: item.sku,
        total: item.onHand,
        reserved: 0,
        sold: soldByPaid,
      });
    }

    // orders.finished exactly once per order, and one order's events on one partition number everywhere.
    const partitionOf = new Map<string, number>();
    const flowTopics = [
      'orders.placed',
      'inventory.reserved',
      'inventory.rejected',
      'payments.succeeded',
      'payments.failed',
      'orders.finished',
    ];
    for (const topic of flowTopics) {
      const messages = await readTopic(kafka, `${prefix}${topic}`);
      if (topic === 'orders.finished') {
        const counts = new Map<string, number>();
        for (const m of messages) counts.set(m.key, (counts.get(m.key) ?? 0) + 1);
        expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
        expect(counts.size).toBe(planned.length);
      }
      for (const m of messages) {
        const seen = partitionOf.get(m.key);
        if (seen === undefined) partitionOf.set(m.key, m.partition);
        else expect([m.key, topic, m.partition]).toEqual([m.key, topic, seen]);
      }
    }
    expect(partitionOf.size).toBe(planned.length);
  });

  test('refunds of paid orders are decided and every outcome is notified once per channel', async () => {
    const orders = paidOrders.slice(0, 5);
    expect(orders.length).toBeGreaterThan(0);
    const refunds = await Promise.all(
      orders.map(async (order) => {
        const response = await fetch(`http://127.0.0.1:${ports.refunds}/refunds`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${apiToken}`,
            'idempotency-key': `e2e-${order.orderId}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ order_id: order.orderId, reason: 'e2e full refund' }),
        });
        expect(response.status).toBe(202);
        return ((await response.json()) as { refund_id: string }).refund_id;
      }),
    );
    for (const [i, refundId] of refunds.entries()) {
      const refund = await waitFor(`refund ${refundId} decided`, async () => {
        const { body } = await getJson<{ status: string; amount_cents: number | null }>(
          `http://127.0.0.1:${ports.refunds}/refunds/${refundId}`,
        );
        return body.status === 'REFUNDED' || body.status === 'REJECTED' ? body : undefined;
      });
      const order = orders[i]!;
      const total = orderTotal(order);
      expect([order.orderId, refund.status, refund.amount_cents]).toEqual([order.orderId, 'REFUNDED', total]);
      refundedCents.set(order.currency, (refundedCents.get(order.currency) ?? 0) + total);
    }
    // The notifier (log channel) sends one "confirmed" and one "refund processed" per order, nothing twice.
    for (const order of orders) {
      const kinds = await waitFor(`notifications of ${order.orderId}`, async () => {
        const { body } = await getJson<{ items: { kind: string; channel: string; status: string }[] }>(
          `http://127.0.0.1:${ports.notifier}/notifications?order_id=${order.orderId}`,
        );
        const sent = body.items.filter((n) => n.status === 'SENT');
        return sent.length >= 2
          ? body.items.map((n) => `${n.kind}/${n.channel}/${n.status}`).sort()
          : undefined;
      });
      expect(kinds).toEqual(['order.confirmed/log/SENT', 'refund.processed/log/SENT']);
    }
  });

  test('analytics KPIs add up, per currency and to the cent, to what the orders and refunds say', async () => {
    const today = new Date().toISOString().slice(0, 10);
    for (const currency of ['EUR', 'USD', 'GBP']) {
      const paid = paidOrders.filter((o) => o.currency === currency);
      const expected = {
        revenue_cents: paid.reduce((sum, o) => sum + orderTotal(o), 0),
        order_count: paid.length,
        refund_amount_cents: refundedCents.get(currency) ?? 0,
      };
      const totals = await waitFor(`KPIs for ${currency}`, async () => {
        const { status, body } = await getJson<
          { revenue_cents: number; order_count: number; refund_amount_cents: number }[]
        >(`http://127.0.0.1:${ports.analytics}/kpis?from=2026-11-01&to=${today}&currency=${currency}`);
        if (status !== 200) return undefined;
        const sum = (field: 'revenue_cents' | 'order_count' | 'refund_amount_cents') =>
          body.reduce((total, day) => total + day[field], 0);
        const got = {
          revenue_cents: sum('revenue_cents'),
          order_count: sum('order_count'),
          refund_amount_cents: sum('refund_amount_cents'),
        };
        return JSON.stringify(got) === JSON.stringify(expected) ? got : undefined;
      });
      expect(totals).toEqual(expected);
    }
  });
});
