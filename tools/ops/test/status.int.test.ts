import { Client } from 'pg';
import { buildOrdersPlaced } from '@orderflow/contracts/testing';
import {
  createLogger,
  quoteIdent,
  startService,
  uniqueName,
  waitFor,
  type RunningService,
} from '@orderflow/runtime';
import { ordersService } from '@orderflow/orders/dist/app';
import { loadOrdersConfig, type OrdersConfig } from '@orderflow/orders/dist/config';
import { SERVICES, type ServiceStatus } from '../src';
import { closedPort, cli, TopicSandbox } from './support';

const sandbox = new TopicSandbox();
const schema = uniqueName('ops_orders');
let orders: RunningService<OrdersConfig>;
let env: Record<string, string>;

beforeAll(async () => {
  await sandbox.start();
  const config = loadOrdersConfig({
    ...process.env,
    PORT: '0',
    TOPIC_PREFIX: sandbox.prefix,
    LOG_LEVEL: 'silent',
    // Every order not final after 1 ms is stuck; nothing else runs here, so each placed order is.
    ORDER_STUCK_AFTER_MS: '1',
    ORDER_STUCK_CHECK_INTERVAL_MS: '100',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
  });
  orders = await startService({ ...ordersService, schema }, config, {
    logger: createLogger({ service: 'orders', level: 'silent' }),
  });
  sandbox.group('orders');
  env = { ...sandbox.env, ORDERS_PORT: String(orders.port) };
  // The other services are not running here: their ports answer nothing.
  for (const service of SERVICES.filter((s) => s !== 'orders')) {
    env[`${service.toUpperCase()}_PORT`] = String(await closedPort());
  }
});

afterAll(async () => {
  await orders?.stop();
  const client = new Client({ connectionString: orders.ctx.config.DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  await client.end();
  await sandbox.stop();
});

async function status(...flags: string[]): Promise<{ code: number; rows: ServiceStatus[] }> {
  const run = await cli(['status', '--json', ...flags], env);
  return { code: run.code, rows: (JSON.parse(run.stdout) as { services: ServiceStatus[] }).services };
}

describe('status', () => {
  test('one row per service from its /readyz, its group lag, its DLQ and the stuck-order count', async () => {
    const placed = [buildOrdersPlaced(), buildOrdersPlaced()];
    for (const event of placed) await sandbox.produce('orders.placed', event);
    await sandbox.produceRaw('orders.placed', 'junk', Buffer.from('not avro'));
    // Inventory is down with a group that read nothing of orders.placed yet.
    const inventoryGroup = sandbox.group('inventory');
    await sandbox.admin.setOffsets({
      groupId: inventoryGroup,
      topic: sandbox.topic('orders.placed'),
      partitions: [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, offset: '0' })),
    });

    const { code, rows } = await waitFor(
      'orders caught up, its dead letter and stuck orders counted',
      async () => {
        const result = await status();
        const row = result.rows.find((r) => r.service === 'orders');
        return row?.lag === 0 && row.dlq?.pending === 1 && row.stuckOrders === 2 ? result : undefined;
      },
    );
    expect(code).toBe(3);
    expect(rows.map((r) => r.service)).toEqual(SERVICES);
    const byName = new Map(rows.map((r) => [r.service, r]));
    expect(byName.get('orders')).toMatchObject({
      port: orders.port,
      group: `${sandbox.prefix}orders`,
      readiness: { state: 'ready', problems: [] },
      lag: 0,
      dlq: { pending: 1, retained: 1, replayed: 0 },
      stuckOrders: 2,
    });
    expect(byName.get('inventory')).toMatchObject({
      readiness: { state: 'down', problems: ['ECONNREFUSED'] },
      group: inventoryGroup,
      lag: 3,
      dlq: { pending: 0, retained: 0, replayed: 0 },
    });
    // No group at all: lag unknown rather than zero.
    expect(byName.get('notifier')).toMatchObject({ readiness: { state: 'down' }, lag: null });
    expect(byName.get('inventory')).not.toHaveProperty('stuckOrders');
  });

  test('prints one table that fits 100 columns, and exits 0 when everything asked about is ready', async () => {
    const text = await cli(['status'], env);
    expect(text.code).toBe(3);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`TOPIC_PREFIX=${sandbox.prefix} (names below are shown without it)`);
    expect(lines[1]).toMatch(/^service\s+port\s+ready\s+lag\s+dlq\s+stuck\s+problems$/);
    expect(lines.find((l) => l.startsWith('orders '))).toMatch(
      new RegExp(`^orders\\s+${orders.port}\\s+ready\\s+0\\s+1\\s+2$`),
    );
    expect(lines.find((l) => l.startsWith('inventory '))).toMatch(
      /^inventory\s+\d+\s+down\s+3\s+0\s+ECONNREFUSED$/,
    );
    expect(lines).toHaveLength(2 + 1 + SERVICES.length);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);

    expect((await status('--only', 'orders')).code).toBe(0);
    const bad = await cli(['status', '--only', 'shipping'], env);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('expected one of orders, inventory, payments, refunds, notifier, analytics');
  });

  test('a stopped service reads as down; its lag and dead letters still show, from Kafka', async () => {
    await orders.stop();
    const { code, rows } = await status('--only', 'orders');
    expect(code).toBe(3);
    expect(rows[0]).toMatchObject({
      readiness: { state: 'down', problems: ['ECONNREFUSED'] },
      lag: 0,
      dlq: { pending: 1 },
      stuckOrders: null,
    });
  });
});
