import { buildCustomer, buildOrdersPlaced } from '@orderflow/contracts/testing';
import type { OrdersPlaced } from '@orderflow/contracts';
import {
  ConsumerRunner,
  createLogger,
  createMetrics,
  createPool,
  eventHandler,
  migrate,
  OutboxRelay,
  poison,
  quoteIdent,
  uniqueName,
  waitFor,
  type Pool,
  type RuntimeMetrics,
} from '@orderflow/runtime';
import { closedPort, cli, databaseUrl, TopicSandbox, type CliRun } from './support';

interface ListedLetter {
  ref: string;
  partition: number;
  offset: string;
  key: string | null;
  eventId: string | null;
  origin?: { topic: string; logical: string; partition: number; offset: string };
  errorCode: string | null;
  errorMessage: string | null;
  failedAt: string | null;
  replayed?: { target_topic: string; target_partition: number; target_offset: string; replayed_at: string };
}

const sandbox = new TopicSandbox();
const logger = createLogger({ service: 'ops-test', level: 'silent' });
const run = (...argv: string[]): Promise<CliRun> => cli(argv, sandbox.env);

/** A service consuming orders.placed with the runtime's ConsumerRunner, in its own schema and group. */
class TestService {
  readonly schema = uniqueName('ops_dlq');
  readonly group: string;
  readonly pool: Pool = createPool({ connectionString: databaseUrl, applicationName: 'ops-test', max: 3 });
  metrics: RuntimeMetrics = createMetrics('ops-test', { defaultMetrics: false });
  private stopping: (() => Promise<void>) | undefined;

  constructor(readonly service: 'payments' | 'inventory') {
    this.group = sandbox.group(service);
  }

  async migrate(): Promise<void> {
    await migrate({ databaseUrl, schema: this.schema });
    await this.pool.query(
      `CREATE TABLE ${quoteIdent(this.schema)}.applied (seq bigserial PRIMARY KEY, event_id text NOT NULL)`,
    );
  }

  /** `rejectPoison`: the bug. Orders of customers named "Poison" fail as poison messages. */
  async start(rejectPoison: boolean): Promise<void> {
    const { pool, schema, metrics } = this;
    const handler = eventHandler<OrdersPlaced>(
      'orders.placed',
      (value) => sandbox.serde.decode('orders.placed', value),
      async (ctx, event) => {
        if (rejectPoison && event.value.customer.name === 'Poison')
          throw poison('TEST.POISON', `customer name not accepted in ${event.value.order_id}`);
        await ctx.tx.query(`INSERT INTO ${quoteIdent(schema)}.applied (event_id) VALUES ($1)`, [
          event.eventId,
        ]);
      },
    );
    const relay = new OutboxRelay({
      pool,
      kafka: sandbox.kafka,
      schema,
      logger,
      metrics,
      topicPrefix: sandbox.prefix,
      pollIntervalMs: 200,
    });
    const runner = new ConsumerRunner({
      service: this.service,
      kafka: sandbox.kafka,
      pool,
      schema,
      logger,
      metrics,
      handlers: [handler],
      topicPrefix: sandbox.prefix,
      groupId: this.group,
      sessionTimeoutMs: 6000,
      retry: { initialMs: 20, maxMs: 200 },
      onOutboxWrite: () => relay.notify(),
    });
    await relay.start();
    await runner.start();
    this.stopping = async () => {
      await runner.stop();
      await relay.stop();
    };
  }

  async stop(): Promise<void> {
    await this.stopping?.();
    this.stopping = undefined;
  }

  async drop(): Promise<void> {
    await this.stop();
    await this.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(this.schema)} CASCADE`);
    await this.pool.end();
  }

  async applied(): Promise<string[]> {
    const { rows } = await this.pool.query<{ event_id: string }>(
      `SELECT event_id FROM ${quoteIdent(this.schema)}.applied ORDER BY seq`,
    );
    return rows.map((r) => r.event_id);
  }

  async counter(name: string): Promise<number> {
    const metric = (await this.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
    return (metric?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
  }
}

const payments = new TestService('payments');
const inventory = new TestService('inventory');

beforeAll(async () => {
  await sandbox.start();
  await Promise.all([payments.migrate(), inventory.migrate()]);
});

afterAll(async () => {
  await Promise.all([payments.drop(), inventory.drop()]);
  await sandbox.stop();
});

async function listLetters(service: string): Promise<ListedLetter[]> {
  const { code, stdout, stderr } = await run('dlq', 'list', service, '--json');
  if (code !== 0) throw new Error(stderr);
  return (JSON.parse(stdout) as { dead_letters: ListedLetter[] }).dead_letters;
}

describe('dlq list and replay', () => {
  test('a poison message dead-lettered by the consumer is listed, replayed after the fix and processed exactly once', async () => {
    const good = [buildOrdersPlaced(), buildOrdersPlaced(), buildOrdersPlaced()];
    const bad = buildOrdersPlaced({ customer: buildCustomer({ name: 'Poison' }) });
    for (const event of [good[0]!, bad, good[1]!, good[2]!]) await sandbox.produce('orders.placed', event);
    await Promise.all([payments.start(true), inventory.start(false)]);

    await waitFor('the dead letter', async () => (await listLetters('payments')).length === 1);
    await waitFor('inventory applied all four', async () => (await inventory.applied()).length === 4);
    const [letter] = await listLetters('payments');
    expect(letter).toMatchObject({
      key: bad.order_id,
      eventId: bad.event_id,
      errorCode: 'TEST.POISON',
      errorMessage: `customer name not accepted in ${bad.order_id}`,
      origin: { topic: sandbox.topic('orders.placed'), logical: 'orders.placed' },
    });
    expect(letter!.replayed).toBeUndefined();
    expect((await payments.applied()).sort()).toEqual(good.map((e) => e.event_id).sort());

    // For people: one table row per dead letter, the event id and error below it.
    const text = await run('dlq', 'list', 'payments');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('dlq.payments: 1 dead letter, 0 replayed');
    expect(text.stdout).toMatch(
      new RegExp(
        `${letter!.ref}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+orders\\.placed ${letter!.origin!.partition}@${letter!.origin!.offset}\\s+TEST\\.POISON\\s+${bad.order_id}\\s+no`,
      ),
    );
    expect(text.stdout).toContain(`${letter!.ref}  event ${bad.event_id}  customer name not accepted`);
    for (const line of text.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);

    // Replaying needs a choice, and refuses ids it does not know, sending nothing.
    const endsBefore = await sandbox.endOffsets('orders.placed');
    const none = await run('dlq', 'replay', 'payments');
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('--id <event id or partition:offset> or --all');
    const unknown = await run('dlq', 'replay', 'payments', '--id', 'no-such-event');
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('no dead letter in dlq.payments with id no-such-event');
    const dry = await run('dlq', 'replay', 'payments', '--all', '--dry-run');
    expect(dry.stdout).toContain('would replay');
    expect(await sandbox.endOffsets('orders.placed')).toEqual(endsBefore);

    // The fix is deployed; the dead letter goes back to orders.placed.
    await payments.stop();
    await payments.start(false);
    const replay = await run('dlq', 'replay', 'payments', '--id', bad.event_id);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(
      new RegExp(`${letter!.ref}\\s+${bad.event_id}\\s+replayed\\s+orders\\.placed`),
    );
    await waitFor('payments applied the replayed event', async () =>
      (await payments.applied()).includes(bad.event_id),
    );
    // Inventory had processed the original: the copy is a duplicate there.
    await waitFor(
      'inventory skipped the copy',
      async () => (await inventory.counter('orderflow_events_duplicate_total')) === 1 || undefined,
    );
    expect(await inventory.applied()).toHaveLength(4);
    expect((await payments.applied()).filter((id) => id === bad.event_id)).toHaveLength(1);

    // The copy went to the original key's partition and is marked for payments.
    const [listed] = await listLetters('payments');
    expect(listed!.replayed).toMatchObject({
      target_topic: sandbox.topic('orders.placed'),
      target_partition: letter!.origin!.partition,
    });
    const tail = await run('topics', 'tail', 'orders.placed', '--key', bad.order_id, '--json');
    const copies = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(copies).toHaveLength(2);
    expect(copies[1].headers).toMatchObject({
      'x-test': 'ops',
      'x-dlq-replay-for': 'payments',
      'x-dlq-replay-of': `${sandbox.topic('dlq.payments')}:${letter!.partition}:${letter!.offset}`,
    });
    expect(copies[1].value.event_id).toBe(bad.event_id);
    expect((await run('dlq', 'list', 'payments')).stdout).toContain('1 dead letter, 1 replayed');

    // Replaying everything again by accident sends nothing: it was replayed already.
    const endsAfter = await sandbox.endOffsets('orders.placed');
    const again = await run('dlq', 'replay', 'payments', '--all');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('skipped');
    expect(again.stdout).toContain('already replayed 20');
    expect(again.stdout).toContain('0 replayed');
    expect(await sandbox.endOffsets('orders.placed')).toEqual(endsAfter);

    // Forced, the copy is sent, and the service recognises the event as done.
    const forced = await run('dlq', 'replay', 'payments', '--id', letter!.ref, '--force');
    expect(forced.stdout).toContain('1 replayed');
    await waitFor(
      'payments skipped the forced copy',
      async () => (await payments.counter('orderflow_events_duplicate_total')) === 1 || undefined,
    );
    expect((await payments.applied()).filter((id) => id === bad.event_id)).toHaveLength(1);

    // Status counts only dead letters not replayed.
    const env = { ...sandbox.env, PAYMENTS_PORT: String(await closedPort()) };
    const row = await waitFor('payments caught up in status', async () => {
      const status = await cli(['status', '--only', 'payments', '--json'], env);
      expect(status.code).toBe(3);
      const [first] = (JSON.parse(status.stdout) as { services: { lag: number | null }[] }).services;
      return first?.lag === 0 ? first : undefined;
    });
    expect(row).toMatchObject({
      service: 'payments',
      group: payments.group,
      dlq: { pending: 0, retained: 1, replayed: 1 },
      readiness: { state: 'down', problems: ['ECONNREFUSED'] },
    });
  });
});
