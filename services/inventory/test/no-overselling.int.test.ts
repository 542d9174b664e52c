// Proof that the inventory never oversells: three separate service processes in one consumer group race
// for the last units of the same three SKUs, from 150 orders spread over every partition.
import type { OrdersPlaced } from '@orderflow/contracts';
import { buildInventoryStockLevels, buildOrderLine, buildOrdersPlaced } from '@orderflow/contracts/testing';
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
import { metricSum, random, startProcess, stopProcess, type ServiceProcess } from './service-process';

const PROCESSES = 3;
const UNITS_PER_SKU = 20;
const ORDERS = 150;

const kafka = testKafka();
const pool = createPool({
  connectionString: env.databaseUrl,
  applicationName: 'inventory-race-test',
  max: 2,
});
const processes: ServiceProcess[] = [];
let prefix: string;
let schema: string;
let output: OutputCollector | undefined;

beforeAll(async () => {
  prefix = await createTopicSet(kafka);
  schema = uniqueName('inventory_race');
});

afterAll(async () => {
  await Promise.allSettled(processes.map(stopProcess));
  await output?.stop();
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  await pool.end();
  await deleteTopicSet(kafka, prefix);
});

test('three processes racing for the last units never reserve more than is on hand', async () => {
  const skus = ['RACE-A', 'RACE-B', 'RACE-C'];
  const producer = await TestProducer.connect(kafka, prefix);
  try {
    await producer.send(
      'inventory.stock-levels',
      skus.map((sku) => buildInventoryStockLevels({ sku, on_hand: UNITS_PER_SKU })),
    );

    for (let i = 0; i < PROCESSES; i++) processes.push(startProcess(prefix, schema));
    const ports = await Promise.all(
      processes.map((proc, i) =>
        Promise.race([
          proc.port,
          proc.exited.then((code) => {
            throw new Error(`process ${i} exited with ${code}: ${proc.stderr.join('')}`);
          }),
        ]),
      ),
    );
    const urls = ports.map((port) => `http://127.0.0.1:${port}`);

    // Race only once all three share the partitions and the stock is in place.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor(
        'three members in a stable group',
        async () => {
          const { groups } = await admin.describeGroups([`${prefix}inventory`]);
          const group = groups[0];
          return group?.state === 'Stable' && group.members.length === PROCESSES;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    } finally {
      await admin.disconnect();
    }
    await waitFor('stock levels applied', async () => {
      const shown = await Promise.all(
        skus.map(async (sku) => (await getJson<StockView>(`${urls[0]}/stock/${sku}`)).body),
      );
      return shown.every((s) => s.on_hand === UNITS_PER_SKU);
    });

    output = await OutputCollector.start(kafka, prefix);
    const next = random(20251123);
    const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!;
    const orders: OrdersPlaced[] = Array.from({ length: ORDERS }, (_, i) => {
      const first = pick(skus);
      const lineSkus =
        i % 10 === 0
          ? [first, first] // lines sharing a SKU, summed when checking stock
          : next() < 0.5
            ? [first]
            : [first, pick(skus.filter((sku) => sku !== first))];
      return buildOrdersPlaced({
        order_id: `race-${i}-${uniqueName('o')}`,
        lines: lineSkus.map((sku) => buildOrderLine({ sku, qty: 1 + Math.floor(next() * 3) })),
      });
    });
    await producer.send('orders.placed', orders);

    const collected = output;
    // Dead letters count as answers here so that a broken invariant (a CHECK violation dead-letters the
    // order) fails below with its reason instead of as a time-out.
    await waitFor(
      'an outcome or a dead letter for every order',
      () =>
        new Set([
          ...collected.outcomes.map((o) => o.value.order_id),
          ...collected.deadLetters.map((d) => d.key),
        ]).size >= ORDERS,
      { timeoutMs: 40_000, intervalMs: 200 },
    );
    expect(collected.deadLetters.map((d) => d.headers['x-dlq-error-message'])).toEqual([]);

    // Exactly one answer per order, from every partition.
    for (const placed of orders) expect(collected.outcomesOf(placed.order_id)).toHaveLength(1);
    expect(collected.outcomes).toHaveLength(ORDERS);
    expect(new Set(collected.outcomes.map((o) => o.partition)).size).toBe(6);

    // Units reserved never exceed what was on hand, and the database agrees with the events.
    const reservedUnits = new Map(skus.map((sku) => [sku, 0]));
    let reservedOrders = 0;
    for (const outcome of collected.outcomes) {
      if (outcome.topic === 'inventory.reserved') {
        reservedOrders++;
        for (const line of outcome.value.lines) {
          reservedUnits.set(line.sku, reservedUnits.get(line.sku)! + line.qty);
        }
      } else {
        expect(outcome.value.reason).toBe('OUT_OF_STOCK');
        for (const line of outcome.value.lines) expect(line.available).toBeLessThan(line.requested);
      }
    }
    expect(reservedOrders).toBeGreaterThan(0);
    expect(reservedOrders).toBeLessThan(ORDERS);
    for (const sku of skus) {
      const units = reservedUnits.get(sku)!;
      expect(units).toBeLessThanOrEqual(UNITS_PER_SKU);
      const { body } = await getJson<StockView>(`${urls[1]}/stock/${sku}`);
      expect(body).toMatchObject({
        on_hand: UNITS_PER_SKU,
        reserved: units,
        available: UNITS_PER_SKU - units,
      });
    }
    const { rows } = await pool.query<{ status: string; count: number }>(
      `SELECT status, count(*)::int AS count FROM ${quoteIdent(schema)}.reservations GROUP BY status`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.status, r.count]))).toEqual({
      RESERVED: reservedOrders,
      REJECTED: ORDERS - reservedOrders,
    });

    // It was a race: every process took part. Nothing failed, nothing was retried or dead-lettered (a
    // CHECK violation would have been), and no process ever saw a deadlock.
    const allLogs = processes.flatMap((proc) => proc.logs.map((line) => JSON.stringify(line)));
    expect(allLogs.filter((line) => /deadlock|40P01|23514|check constraint/i.test(line))).toEqual([]);
    // kafkajs reports the group's rebalances (three members joining) at error level; nothing else may be.
    const errors = processes
      .flatMap((proc) => proc.logs)
      .filter((line) => ['error', 'fatal'].includes(line.level))
      .filter((line) => !(line.component === 'kafkajs' && /rebalancing/.test(String(line.error))));
    expect(errors).toEqual([]);
    const metrics = await Promise.all(urls.map(async (url) => (await fetch(`${url}/metrics`)).text()));
    const placedTopic = `${prefix}orders.placed`;
    const processed = metrics.map((text) => metricSum(text, 'orderflow_events_processed_total', placedTopic));
    expect(processed.every((count) => count > 0)).toBe(true);
    expect(processed.reduce((a, b) => a + b, 0)).toBe(ORDERS);
    for (const text of metrics) {
      expect(metricSum(text, 'orderflow_events_failed_total')).toBe(0);
      expect(metricSum(text, 'orderflow_batch_retries_total')).toBe(0);
      expect(metricSum(text, 'orderflow_events_dead_lettered_total')).toBe(0);
    }
    const { rows: dead } = await pool.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM ${quoteIdent(schema)}.inbox WHERE outcome = 'DEAD_LETTERED'`,
    );
    expect(dead[0]!.count).toBe(0);
  } finally {
    await producer.disconnect();
  }

  const codes = await Promise.all(processes.map(stopProcess));
  expect(codes).toEqual([0, 0, 0]);
});
