// Two instances of the inventory in one consumer group (issue 7's horizontal scaling) under load: orders
// with several SKUs each, so batches on the two instances lock overlapping rows, while outcomes of earlier
// orders are settled at the same time. Nothing may deadlock or retry, every order is answered once, and
// the stock adds up to the unit.
import type { OrdersPlaced } from '@orderflow/contracts';
import {
  buildInventoryStockLevels,
  buildOrderLine,
  buildOrdersPlaced,
  ordersFinishedFor,
} from '@orderflow/contracts/testing';
import { createPool, quoteIdent, uniqueName, waitFor } from '@orderflow/runtime';
import {
  createTopicSet,
  deleteTopicSet,
  env,
  getJson,
  OutputCollector,
  TestProducer,
  testKafka,
  type StockView,
} from './support';
import {
  metricSum,
  portsOf,
  random,
  startProcess,
  stopProcess,
  type ServiceProcess,
} from './service-process';

const INSTANCES = 2;
const WAVES = 4;
const ORDERS_PER_WAVE = 200;
const ORDERS = WAVES * ORDERS_PER_WAVE;
// Two scarce SKUs so that some orders are rejected, the rest with room for every order.
const SKUS = Array.from({ length: 10 }, (_, i) => ({
  sku: `LOAD-${String.fromCharCode(65 + i)}`,
  onHand: i < 2 ? 60 : 5_000,
}));

const kafka = testKafka();
const pool = createPool({
  connectionString: env.databaseUrl,
  applicationName: 'inventory-load-test',
  max: 2,
});
const processes: ServiceProcess[] = [];
let prefix: string;
let schema: string;
let output: OutputCollector | undefined;

beforeAll(async () => {
  prefix = await createTopicSet(kafka);
  schema = uniqueName('inventory_load');
});

afterAll(async () => {
  await Promise.allSettled(processes.map(stopProcess));
  await output?.stop();
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  await pool.end();
  await deleteTopicSet(kafka, prefix);
});

test('two instances in one group reserve and settle 800 multi-SKU orders without deadlock or overselling', async () => {
  const producer = await TestProducer.connect(kafka, prefix);
  try {
    for (let i = 0; i < INSTANCES; i++) processes.push(startProcess(prefix, schema));
    const urls = (await portsOf(processes)).map((port) => `http://127.0.0.1:${port}`);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor(
        'both instances in a stable group',
        async () => {
          const { groups } = await admin.describeGroups([`${prefix}inventory`]);
          return groups[0]?.state === 'Stable' && groups[0].members.length === INSTANCES;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    } finally {
      await admin.disconnect();
    }
    await producer.send(
      'inventory.stock-levels',
      SKUS.map(({ sku, onHand }) => buildInventoryStockLevels({ sku, on_hand: onHand })),
    );
    await waitFor('stock levels applied', async () => {
      const shown = await Promise.all(
        SKUS.map(async ({ sku }) => (await getJson<StockView>(`${urls[0]}/stock/${sku}`)).body),
      );
      return shown.every((s, i) => s.on_hand === SKUS[i]!.onHand);
    });

    output = await OutputCollector.start(kafka, prefix);
    const collected = output;
    const next = random(20261123);
    const waves: OrdersPlaced[][] = Array.from({ length: WAVES }, (_, w) =>
      Array.from({ length: ORDERS_PER_WAVE }, (_, i) => {
        // 1-4 distinct SKUs in random order: batches lock overlapping sets of rows.
        const picked = [...SKUS].sort(() => next() - 0.5).slice(0, 1 + Math.floor(next() * 4));
        return buildOrdersPlaced({
          order_id: `load-${w}-${i}-${uniqueName('o')}`,
          lines: picked.map(({ sku }) => buildOrderLine({ sku, qty: 1 + Math.floor(next() * 3) })),
        });
      }),
    );

    // Outcomes: every third reserved order fails (released), the others are paid (committed).
    const soldUnits = new Map(SKUS.map(({ sku }) => [sku, 0]));
    const expectedStatus = new Map<string, string>();
    let finishedCount = 0;
    const finish = async (wave: OrdersPlaced[]): Promise<void> => {
      await waitFor(
        'an outcome or a dead letter for every order of the wave',
        () =>
          wave.every(
            (o) =>
              collected.outcomesOf(o.order_id).length > 0 ||
              collected.deadLetters.some((d) => d.key === o.order_id),
          ),
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      const finished = wave.map((placed) => {
        const outcome = collected.outcomesOf(placed.order_id)[0];
        const paid = outcome?.topic === 'inventory.reserved' && finishedCount++ % 3 !== 0;
        if (outcome?.topic === 'inventory.reserved') {
          expectedStatus.set(placed.order_id, paid ? 'COMMITTED' : 'RELEASED');
          if (paid) {
            for (const line of outcome.value.lines)
              soldUnits.set(line.sku, soldUnits.get(line.sku)! + line.qty);
          }
        } else {
          expectedStatus.set(placed.order_id, 'REJECTED');
        }
        return paid
          ? ordersFinishedFor(placed)
          : ordersFinishedFor(placed, { status: 'FAILED', reason: 'PAYMENT_DECLINED', payment_id: null });
      });
      await producer.send('orders.finished', finished);
    };
    // Orders of one wave are reserved while the outcomes of the wave before are settled.
    for (let w = 0; w < WAVES; w++) {
      await producer.send('orders.placed', waves[w]!);
      if (w > 0) await finish(waves[w - 1]!);
    }
    await finish(waves[WAVES - 1]!);

    expect(collected.deadLetters.map((d) => d.headers['x-dlq-error-message'])).toEqual([]);
    const all = waves.flat();
    for (const placed of all) expect(collected.outcomesOf(placed.order_id)).toHaveLength(1);
    const rejected = collected.outcomes.filter((o) => o.topic === 'inventory.rejected');
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.length).toBeLessThan(ORDERS / 2);

    const table = `${quoteIdent(schema)}.reservations`;
    await waitFor(
      'every outcome applied',
      async () => {
        const { rows } = await pool.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM ${table} WHERE finished_event_id IS NOT NULL OR status = 'REJECTED'`,
        );
        return rows[0]!.count === ORDERS;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const { rows } = await pool.query<{ order_id: string; status: string }>(
      `SELECT order_id, status FROM ${table}`,
    );
    expect(new Map(rows.map((r) => [r.order_id, r.status]))).toEqual(expectedStatus);

    // Stock adds up: nothing left reserved, sold = the paid units, on hand = initial - sold.
    for (const { sku, onHand } of SKUS) {
      const { body } = await getJson<StockView>(`${urls[1]}/stock/${sku}`);
      const sold = soldUnits.get(sku)!;
      expect(body).toMatchObject({ on_hand: onHand - sold, reserved: 0, sold, available: onHand - sold });
    }

    const allLogs = processes.flatMap((proc) => proc.logs.map((line) => JSON.stringify(line)));
    expect(
      allLogs.filter((line) => /deadlock|\b40P01\b|\b23514\b|\b23505\b|check constraint/i.test(line)),
    ).toEqual([]);
    const metrics = await Promise.all(urls.map(async (url) => (await fetch(`${url}/metrics`)).text()));
    for (const topic of ['orders.placed', 'orders.finished']) {
      const processed = metrics.map((text) =>
        metricSum(text, 'orderflow_events_processed_total', `${prefix}${topic}`),
      );
      // Both instances did part of the work on both topics.
      expect(processed.every((count) => count > 0)).toBe(true);
      expect(processed.reduce((a, b) => a + b, 0)).toBe(ORDERS);
    }
    for (const text of metrics) {
      expect(metricSum(text, 'orderflow_events_failed_total')).toBe(0);
      expect(metricSum(text, 'orderflow_batch_retries_total')).toBe(0);
    }
  } finally {
    await producer.disconnect();
  }
  expect(await Promise.all(processes.map(stopProcess))).toEqual([0, 0]);
}, 240_000);
