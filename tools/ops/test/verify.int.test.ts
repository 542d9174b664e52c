import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { Partitioners, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { EventSerde, type TopicName, type TopicValue } from '@orderflow/contracts';
import { uniqueName } from '@orderflow/runtime';
import { repoRoot, servicesDown, stackPaths } from '@orderflow/stack';
import { cleanupIsolated, isolationStateDir } from '@orderflow/demo';
import type { InvariantKey, VerifyReport } from '../src';
import { cli, databaseUrl, jsonLines, registryUrl, testKafka } from './support';

// A real isolated demo run (its own topics, schemas and Redis keys) verified as it is, then corrupted one
// invariant at a time: each corruption must fail exactly its invariant, naming the id. Store and Redis
// corruptions are undone after their check; topic ones cannot be, so later checks leave their orders out
// with --orders-from-file.
const root = repoRoot(__dirname);
const name = uniqueName('verify')
  .replace(/[^a-z0-9_]/g, '_')
  .slice(0, 39);
const demoCli = path.join(root, 'tools', 'demo', 'src', 'cli', 'demo.ts');
const kafka = testKafka();
const serde = new EventSerde({ registryUrl });
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const db = new Client({ connectionString: databaseUrl });
const redis = new Redis(redisUrl, { lazyConnect: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-verify-'));
let producer: Producer;
let placedIds: string[] = [];

function runDemo(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', demoCli, ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

async function verify(extra: string[] = []): Promise<VerifyReport & { code: number }> {
  const run = await cli(['verify', '--isolate', name, '--json', '--limit', '20', ...extra], {});
  if (run.code !== 0 && run.code !== 1) throw new Error(`verify exit ${run.code}: ${run.stderr}`);
  return { ...(JSON.parse(run.stdout) as VerifyReport), code: run.code };
}

/** Which invariants failed, with the ids they name. */
function failures(report: VerifyReport): Partial<Record<InvariantKey, string[]>> {
  return Object.fromEntries(
    report.invariants.filter((i) => !i.ok).map((i) => [i.key, i.violations.map((v) => v.id)]),
  );
}

const schema = (service: string): string => `"${name}_${service}"`;

async function one<T>(sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await db.query(sql, params);
  if (!rows[0]) throw new Error(`no row for ${sql}`);
  return rows[0] as T;
}

/** The newest copy of an order's event in a topic, decoded. */
async function eventOf<T extends TopicName>(
  topic: T,
  orderId: string,
): Promise<{ value: TopicValue<T>; partition: number }> {
  const run = await cli(['topics', 'tail', topic, '--key', orderId, '--json'], { TOPIC_PREFIX: `${name}.` });
  const lines = jsonLines<{ partition: number; value: TopicValue<T> }>(run.stdout);
  const last = lines[lines.length - 1];
  if (!last) throw new Error(`no ${topic} event of ${orderId}: ${run.stderr}`);
  return last;
}

async function produce<T extends TopicName>(
  topic: T,
  value: TopicValue<T>,
  partition?: number,
): Promise<void> {
  const message = await serde.message(topic, value);
  await producer.send({
    topic: `${name}.${topic}`,
    messages: [{ key: message.key, value: message.value, ...(partition === undefined ? {} : { partition }) }],
  });
}

function scopeFile(excluded: string[]): string {
  const file = path.join(tmp, `scope-${excluded.length}.txt`);
  fs.writeFileSync(file, `${placedIds.filter((id) => !excluded.includes(id)).join('\n')}\n`);
  return file;
}

beforeAll(async () => {
  const demo = await runDemo(['--isolate', name, '--count', '100', '--seed', 'verify-int', '--detach']);
  if (demo.code !== 0) throw new Error(`demo failed (${demo.code}):\n${demo.output.slice(-3000)}`);
  // Nothing may react to the corruptions: the services stop, their data stays.
  await servicesDown({ ...stackPaths(root), state: isolationStateDir(name) }, () => undefined);
  await db.connect();
  await redis.connect();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  placedIds = (
    await db.query<{ order_id: string }>(
      `SELECT order_id FROM ${schema('orders')}.orders WHERE placed_event_id IS NOT NULL`,
    )
  ).rows.map((r) => r.order_id);
}, 400_000);

afterAll(async () => {
  await producer?.disconnect();
  redis.disconnect();
  await db.end();
  await cleanupIsolated(name, () => undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
}, 120_000);

describe('verify', () => {
  test('a clean run passes every invariant, with a row per invariant in the table', async () => {
    const report = await verify();
    expect(failures(report)).toEqual({});
    expect(report.code).toBe(0);
    expect(report.scope.placed_orders).toBe(placedIds.length);
    expect(report.invariants.map((i) => i.key)).toEqual([
      'finished-once',
      'stock',
      'payments',
      'refunds',
      'notifications',
      'analytics',
      'partitions',
    ]);
    for (const inv of report.invariants) expect([inv.key, inv.checked > 0]).toEqual([inv.key, true]);

    const table = await cli(['verify', '--isolate', name], {});
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/every order finished exactly once\s+PASS/);
    expect(table.stdout).toContain('all invariants hold');
  }, 120_000);

  test('stock: a changed on-hand count fails conservation for that SKU', async () => {
    const { sku } = await one<{ sku: string }>(
      `SELECT sku FROM ${schema('inventory')}.stock WHERE sold > 0 ORDER BY sku LIMIT 1`,
    );
    await db.query(`UPDATE ${schema('inventory')}.stock SET on_hand = on_hand + 1 WHERE sku = $1`, [sku]);
    try {
      const report = await verify();
      expect(failures(report)).toEqual({ stock: [sku] });
      expect(report.code).toBe(1);
    } finally {
      await db.query(`UPDATE ${schema('inventory')}.stock SET on_hand = on_hand - 1 WHERE sku = $1`, [sku]);
    }
  }, 120_000);

  test('payments: a PAID order whose payment is not its total fails', async () => {
    const { order_id } = await one<{ order_id: string }>(
      `SELECT order_id FROM ${schema('orders')}.orders WHERE status = 'PAID' ORDER BY order_id LIMIT 1`,
    );
    const sql = (by: number): string =>
      `UPDATE ${schema('payments')}.payments SET amount_cents = amount_cents + ${by} WHERE order_id = $1`;
    await db.query(sql(1), [order_id]);
    try {
      expect(failures(await verify())).toEqual({ payments: [order_id] });
    } finally {
      await db.query(sql(-1), [order_id]);
    }
  }, 120_000);

  test('notifications: an outcome without its log notification fails', async () => {
    const { notification_id, order_id } = await one<{ notification_id: string; order_id: string }>(
      `SELECT notification_id, order_id FROM ${schema('notifier')}.notifications
        WHERE topic LIKE '%orders.finished' AND channel = 'log' ORDER BY order_id LIMIT 1`,
    );
    const sql = (channel: string): string =>
      `UPDATE ${schema('notifier')}.notifications SET channel = '${channel}' WHERE notification_id = $1`;
    await db.query(sql('webhook'), [notification_id]);
    try {
      expect(failures(await verify())).toEqual({ notifications: [order_id] });
    } finally {
      await db.query(sql('log'), [notification_id]);
    }
  }, 120_000);

  test('analytics: a KPI one cent off fails with its day, currency and counter', async () => {
    const active = await redis.get(`${name}:active`);
    const [key] = (await redis.keys(`${name}:${active}:kpi:*`)).sort();
    const fields = Object.keys(await redis.hgetall(key!)).filter((f) => f.endsWith(':revenue_cents'));
    const field = fields.sort()[0]!;
    await redis.hincrby(key!, field, 1);
    try {
      const day = key!.slice(-10);
      expect(failures(await verify())).toEqual({
        analytics: [`${day} ${field.replace(':', ' ')}`],
      });
    } finally {
      await redis.hincrby(key!, field, -1);
    }
  }, 120_000);

  // Topic corruptions from here: each stays, so the next ones leave its order out.
  const excluded: string[] = [];

  test('refunds: an idempotency key requested as a second refund fails with the key', async () => {
    const { order_id, idempotency_key } = await one<{ order_id: string; idempotency_key: string }>(
      `SELECT order_id, idempotency_key FROM ${schema('refunds')}.refunds ORDER BY order_id LIMIT 1`,
    );
    const { value } = await eventOf('refunds.requested', order_id);
    await produce('refunds.requested', { ...value, event_id: randomUUID(), refund_id: randomUUID() });
    expect(failures(await verify())).toEqual({ refunds: [idempotency_key] });
    excluded.push(order_id);
  }, 120_000);

  test('finished once: a second orders.finished with a new event id fails that order', async () => {
    const orderId = placedIds.filter((id) => !excluded.includes(id)).sort()[0]!;
    const { value } = await eventOf('orders.finished', orderId);
    await produce('orders.finished', { ...value, event_id: randomUUID(), occurred_at: Date.now() });
    const report = await verify(['--orders-from-file', scopeFile(excluded)]);
    expect(report.scope.restricted).toBe(true);
    expect(failures(report)).toEqual({ 'finished-once': [orderId] });
    excluded.push(orderId);
  }, 120_000);

  test("partitions: an order's event on another partition number fails that order", async () => {
    const { order_id: orderId } = await one<{ order_id: string }>(
      `SELECT order_id FROM ${schema('orders')}.orders WHERE status = 'PAID' AND NOT (order_id = ANY($1))
        ORDER BY order_id LIMIT 1`,
      [excluded],
    );
    const { value, partition } = await eventOf('inventory.reserved', orderId);
    const admin = kafka.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [`${name}.inventory.reserved`] });
    await admin.disconnect();
    const partitions = metadata.topics[0]!.partitions.length;
    await produce('inventory.reserved', { ...value, event_id: randomUUID() }, (partition + 1) % partitions);
    const report = await verify(['--orders-from-file', scopeFile(excluded)]);
    expect(failures(report)).toEqual({ partitions: [orderId] });
  }, 120_000);
});
