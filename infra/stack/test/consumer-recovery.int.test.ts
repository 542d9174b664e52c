// The runtime's ConsumerRunner across a broker restart: a private Kafka (same jars as the stack, its own
// ports and data) is SIGKILLed under a running consumer and started again on the same data; every event
// produced before and after must be applied exactly once, and the runner must be back in its group.
// The shared broker on 9092 is not touched.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  ConsumerRunner,
  createKafka,
  createLogger,
  createMetrics,
  createPool,
  migrate,
  quoteIdent,
  uniqueName,
  waitFor,
  type RuntimeMetrics,
  type TopicHandler,
} from '@orderflow/runtime';
import type { Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { ensureKafkaJars, startKafkaProcess, formatKafkaStorage, waitForKafka } from '../src/kafka';
import { stackPaths, type StackPaths } from '../src/paths';
import { isAlive, stopPid } from '../src/processes';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orderflow';
const HEAP = '-Xms128m -Xmx384m';
const BEFORE = 40;
const AFTER = 40;

let dir = '';
let paths: StackPaths | undefined;
let pid: number | undefined;
const ports = { plain: 0, controller: 0 };
let logFile = '';
let kafka: Kafka;
let pool: Pool | undefined;
let schema = '';
let runner: ConsumerRunner | undefined;
let metrics: RuntimeMetrics;
const clients: { disconnect(): Promise<void> }[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The stack's server.properties with this broker's listeners and data folder on top. */
function writeConfig(target: StackPaths): void {
  const template = fs.readFileSync(path.join(target.kafkaHome, 'server.properties'), 'utf8');
  const overrides = [
    `controller.quorum.bootstrap.servers=127.0.0.1:${ports.controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${ports.plain},CONTROLLER://127.0.0.1:${ports.controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.plain}`,
    `log.dirs=${target.kafkaData}`,
  ];
  fs.writeFileSync(
    target.kafkaConfig,
    `${template}\n# consumer-recovery.int.test.ts\n${overrides.join('\n')}\n`,
  );
}

function brokers(): string[] {
  return [`127.0.0.1:${ports.plain}`];
}

async function startBroker(): Promise<void> {
  pid = startKafkaProcess(paths!, { heap: HEAP });
  await waitForKafka(paths!, brokers(), 90_000, true);
}

/** Bounded, so a hanging client shows up as a failure message instead of a jest timeout. */
async function within<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function logTail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

interface RecoveryEvent {
  event_id: string;
}

function recordingHandler(topic: string): TopicHandler<RecoveryEvent> {
  return {
    topic,
    decode: async (value) => JSON.parse(value.toString('utf8')) as RecoveryEvent,
    eventId: (event) => event.event_id,
    handle: async (ctx, { value }) => {
      await ctx.tx.query(`INSERT INTO ${quoteIdent(schema)}.applied (event_id) VALUES ($1)`, [
        value.event_id,
      ]);
    },
  };
}

async function produce(topic: string, ids: string[]): Promise<void> {
  const producer: Producer = kafka.producer();
  clients.push(producer);
  await producer.connect();
  await producer.send({
    topic,
    messages: ids.map((id, i) => ({ key: `order-${i % 7}`, value: JSON.stringify({ event_id: id }) })),
  });
  await producer.disconnect();
}

async function counts(): Promise<{ rows: number; distinct: number; inbox: number }> {
  const { rows } = await pool!.query<{ rows: number; distinct: number; inbox: number }>(
    `SELECT (SELECT count(*)::int FROM ${quoteIdent(schema)}.applied) AS rows,
            (SELECT count(DISTINCT event_id)::int FROM ${quoteIdent(schema)}.applied) AS "distinct",
            (SELECT count(*)::int FROM ${quoteIdent(schema)}.inbox) AS inbox`,
  );
  return rows[0]!;
}

async function recreationsMetric(): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === 'orderflow_consumer_recreations_total',
  );
  return (metric?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-consumer-recovery-'));
  logFile = process.env.CONSUMER_RECOVERY_LOG || path.join(dir, 'runner.log');
  const shared = stackPaths();
  paths = {
    ...shared,
    state: dir,
    kafkaData: path.join(dir, 'data'),
    kafkaConfig: path.join(dir, 'server.properties'),
    kafkaLog: path.join(dir, 'kafka.log'),
    kafkaPid: path.join(dir, 'kafka.pid'),
  };
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  ensureKafkaJars(paths, () => undefined);
  writeConfig(paths);
  formatKafkaStorage(paths);
  schema = uniqueName('recovery');
  await migrate({ databaseUrl: DATABASE_URL, schema });
  pool = createPool({ connectionString: DATABASE_URL, applicationName: 'consumer-recovery-test', max: 4 });
  await pool.query(`CREATE TABLE ${quoteIdent(schema)}.applied (
    seq bigserial PRIMARY KEY, event_id text NOT NULL)`);
  await startBroker();
}, 120_000);

afterAll(async () => {
  const problems: string[] = [];
  // Leave the group while the broker may still be there; a stop that hangs is a finding, not a jest hang.
  if (runner)
    await within('runner.stop()', 20_000, runner.stop()).catch((error: Error) =>
      problems.push(error.message),
    );
  await Promise.all(clients.map((client) => client.disconnect().catch(() => undefined)));
  if (pid !== undefined) {
    await stopPid(pid, 2_000);
    await waitFor('the private broker to exit', () => !isAlive(pid!), { timeoutMs: 10_000 }).catch(
      () => undefined,
    );
  }
  if (pool) {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`).catch(() => undefined);
    await pool.end();
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  if (problems.length > 0) throw new Error(problems.join('; '));
}, 45_000);

describe('consumer runner across a broker restart', () => {
  test('after a SIGKILLed broker comes back, every event before and after is applied exactly once', async () => {
    // Synchronous appends: nothing left buffered (or open) when the test ends, and the file shows what the
    // runner and kafkajs said if this fails.
    const logger = createLogger({
      service: 'consumer-recovery-test',
      level: process.env.TEST_LOG_LEVEL ?? 'info',
      destination: {
        write: (line: string) => {
          try {
            fs.appendFileSync(logFile, line);
          } catch {
            // The temp folder is gone: a client still logging after afterAll (jest reports the handle).
          }
        },
      },
    });
    kafka = createKafka({ KAFKA_BROKERS: brokers(), KAFKA_SSL: false }, 'consumer-recovery-test', logger);
    metrics = createMetrics('consumer-recovery-test', { defaultMetrics: false });
    const topic = uniqueName('recovery.in');
    const admin = kafka.admin();
    clients.push(admin);
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();

    const groupId = uniqueName('recovery-group');
    runner = new ConsumerRunner({
      service: 'consumer-recovery-test',
      groupId,
      kafka,
      pool: pool!,
      schema,
      logger,
      metrics,
      sessionTimeoutMs: 6_000,
      retry: { initialMs: 50, maxMs: 1_000 },
      watchdog: { crashedMs: 3_000, stalledMs: 15_000, intervalMs: 500 },
      handlers: [recordingHandler(topic)],
    });
    const started = runner;
    const before = Array.from({ length: BEFORE }, (_, i) => `before-${i}`);
    const after = Array.from({ length: AFTER }, (_, i) => `after-${i}`);
    try {
      await started.start();
      await produce(topic, before);
      await waitFor('the first events applied', async () => (await counts()).inbox === BEFORE || undefined, {
        timeoutMs: 30_000,
        intervalMs: 200,
      });

      const killedAt = Date.now();
      process.kill(pid!, 'SIGKILL');
      await waitFor('the broker to die', () => !isAlive(pid!), { timeoutMs: 10_000 });
      await startBroker();
      const backAt = Date.now();

      await produce(topic, after);
      const total = BEFORE + AFTER;
      await waitFor(
        'every event applied and the runner back in its group',
        async () => {
          const now = await counts();
          const status = started.status();
          return (now.inbox === total && status.joined && !status.crashed) || undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      const appliedAt = Date.now();

      const final = await counts();
      expect(final).toEqual({ rows: total, distinct: total, inbox: total });
      const { rows } = await pool!.query<{ event_id: string }>(
        `SELECT event_id FROM ${quoteIdent(schema)}.applied ORDER BY event_id`,
      );
      expect(rows.map((r) => r.event_id)).toEqual([...before, ...after].sort());
      const status = started.status();
      expect(status).toMatchObject({ running: true, joined: true });
      expect(status.crashed).toBeUndefined();
      expect(await recreationsMetric()).toBe(status.recreations ?? 0);
      // What the logs cannot say at a glance: did kafkajs recover by itself, or did the watchdog step in?
      console.log(
        `consumer recovery: broker down+restart ${((backAt - killedAt) / 1000).toFixed(1)} s, ` +
          `applied all ${((appliedAt - backAt) / 1000).toFixed(1)} s after the broker was back ` +
          `(${((appliedAt - killedAt) / 1000).toFixed(1)} s after the kill), ` +
          `recreations=${status.recreations ?? 0}`,
      );

      // Stopped means gone: no consumer of this runner (a replaced one included) is left in the group.
      await within('runner.stop()', 20_000, started.stop());
      const probe = kafka.admin();
      clients.push(probe);
      await probe.connect();
      const {
        groups: [group],
      } = await probe.describeGroups([groupId]);
      expect({ state: group?.state, members: group?.members.length }).toEqual({ state: 'Empty', members: 0 });
    } catch (error) {
      console.error(
        `runner status ${JSON.stringify(started.status())}\n` +
          `last lines of ${logFile}:\n${logTail(logFile, 60)}\n` +
          `last lines of the broker log:\n${logTail(paths!.kafkaLog, 15)}`,
      );
      throw error;
    }
  }, 180_000);
});
