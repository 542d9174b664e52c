import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import {
  ConsumerRunner,
  OutboxRelay,
  createMetrics,
  uniqueName,
  waitFor,
  writeOutbox,
  type RuntimeMetrics,
} from '../src';
import {
  appliedRows,
  createTestSchema,
  createTopics,
  dropSchema,
  encode,
  readMessages,
  silentLogger,
  testHandler,
  testKafka,
  type TestEvent,
} from './support';

const kafka: Kafka = testKafka();
let producer: Producer;
let schema: string;
let pool: Pool;
let topic: string;
let outTopic: string;
let dlqTopic: string;
let metrics: RuntimeMetrics;
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
});

beforeEach(async () => {
  ({ schema, pool } = await createTestSchema());
  topic = uniqueName('rt.in');
  outTopic = uniqueName('rt.out');
  dlqTopic = uniqueName('rt.dlq');
  await createTopics(kafka, [topic, outTopic, dlqTopic]);
  metrics = createMetrics('runtime-test', { defaultMetrics: false });
});

afterEach(async () => {
  while (running.length > 0) await running.pop()!.stop();
  await dropSchema(pool, schema);
  await pool.end();
});

function events(count: number, prefix = 'e', keys = 5): TestEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    event_id: `${prefix}-${i}`,
    key: `order-${i % keys}`,
    n: i,
  }));
}

async function produce(list: (TestEvent | Buffer)[]): Promise<void> {
  await producer.send({
    topic,
    messages: list.map((e) =>
      Buffer.isBuffer(e) ? { key: 'junk', value: e } : { key: e.key, value: encode(e) },
    ),
  });
}

function startRunner(
  overrides: Partial<ConstructorParameters<typeof ConsumerRunner>[0]> = {},
): ConsumerRunner {
  const relay = new OutboxRelay({ pool, kafka, schema, logger: silentLogger, metrics, pollIntervalMs: 200 });
  const runner = new ConsumerRunner({
    service: 'runtime-test',
    groupId: `group-${topic}`,
    kafka,
    pool,
    schema,
    logger: silentLogger,
    metrics,
    dlqTopic,
    sessionTimeoutMs: 6000,
    retry: { initialMs: 20, maxMs: 200 },
    handlers: [testHandler({ topic, schema, outTopic })],
    onOutboxWrite: () => relay.notify(),
    ...overrides,
  });
  running.push({
    stop: async () => {
      await runner.stop();
      await relay.stop();
    },
  });
  void relay.start();
  void runner.start();
  return runner;
}

async function counterValue(name: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

async function committedOffsets(groupId: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

async function messageCount(name: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(name);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('consumer runner', () => {
  test('a redelivered event is applied once, inside a batch and across restarts', async () => {
    const list = events(30);
    await produce([...list, list[3]!, list[7]!]);
    startRunner();
    await waitFor('30 applied', async () => (await appliedRows(pool, schema)).length === 30 || undefined);
    await waitFor(
      'offsets committed',
      async () => (await committedOffsets(`group-${topic}`)) === 32 || undefined,
    );
    expect(await counterValue('orderflow_events_duplicate_total')).toBe(2);

    // Replay the whole topic into the same group: the inbox recognises every event.
    await running.pop()!.stop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: `group-${topic}`, topic, earliest: true });
    await admin.disconnect();
    startRunner();
    await waitFor(
      'replayed as duplicates',
      async () => (await counterValue('orderflow_events_duplicate_total')) === 34 || undefined,
    );
    const rows = await appliedRows(pool, schema);
    expect(rows.map((r) => r.event_id).sort()).toEqual(list.map((e) => e.event_id).sort());
  });

  test('outgoing events go through the outbox, one per applied event', async () => {
    const list = events(20);
    await produce(list);
    startRunner();
    const out = await readMessages(kafka, outTopic, 20);
    expect(new Set(out.map((m) => JSON.parse(m.value!.toString()).event_id)).size).toBe(20);
    await waitFor('outbox emptied', async () => {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`);
      return rows[0].n === 0 || undefined;
    });
  });

  test('a batch is tried whole first; a poison message in it falls back to one savepoint per message', async () => {
    // One key, so one partition and (produced before the runner starts) one batch.
    const list = events(6, 'opt', 1);
    const poisonEvent: TestEvent = { event_id: 'opt-bad', key: 'order-0', n: 99, fail: 'permanent' };
    await produce([...list.slice(0, 3), poisonEvent, ...list.slice(3)]);
    const attempts = new Map<string, number>();
    startRunner({ handlers: [testHandler({ topic, schema, outTopic, attempts })] });
    await waitFor(
      'offsets past the batch',
      async () => (await committedOffsets(`group-${topic}`)) === 7 || undefined,
    );
    // The optimistic pass ran the events before the poison one and was rolled back; the isolating pass
    // applied the good events once and dead-lettered the poison one.
    expect(list.slice(0, 3).map((e) => attempts.get(e.event_id))).toEqual([2, 2, 2]);
    expect(attempts.get('opt-bad')).toBe(2);
    const applied = await appliedRows(pool, schema);
    expect(applied.map((r) => r.event_id)).toEqual(list.map((e) => e.event_id));
    const dead = await readMessages(kafka, dlqTopic, 1);
    expect(dead.map((m) => JSON.parse(m.value!.toString()).event_id)).toEqual(['opt-bad']);
    await waitFor('outbox emptied', async () => {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`);
      return rows[0].n === 0 || undefined;
    });
    expect(await messageCount(outTopic)).toBe(6);
    expect(await messageCount(dlqTopic)).toBe(1);
  });

  test('partitions are applied concurrently, each in order, and every event once', async () => {
    const list = events(90, 'cc', 9);
    await produce(list);
    const base = testHandler({ topic, schema, outTopic, perEventDelayMs: 15 });
    let inFlight = 0;
    let maxInFlight = 0;
    const handler: typeof base = {
      ...base,
      handle: async (ctx, event) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          await base.handle(ctx, event);
        } finally {
          inFlight--;
        }
      },
    };
    startRunner({ handlers: [handler], partitionsConsumedConcurrently: 3 });
    const out = await readMessages(kafka, outTopic, 90);
    expect(maxInFlight).toBeGreaterThan(1);
    const applied = await appliedRows(pool, schema);
    expect(applied).toHaveLength(90);
    for (let k = 0; k < 9; k++) {
      const key = `order-${k}`;
      const expected = list.filter((e) => e.key === key).map((e) => e.n);
      const inputKey = new Map(list.map((e) => [e.event_id, e.key]));
      expect(applied.filter((r) => inputKey.get(r.event_id) === key).map((r) => r.n)).toEqual(expected);
      expect(
        out.filter((m) => m.key?.toString() === key).map((m) => JSON.parse(m.value!.toString()).n),
      ).toEqual(expected);
    }
  });

  test('a poison message lands in the DLQ with its origin and error, and later messages are processed', async () => {
    const good = events(10);
    const poisonEvent: TestEvent = { event_id: 'bad-1', key: 'order-x', n: 99, fail: 'permanent' };
    await produce([...good.slice(0, 4), Buffer.from('{not json'), poisonEvent, ...good.slice(4)]);
    startRunner();
    await waitFor(
      'good events applied',
      async () => (await appliedRows(pool, schema)).length === 10 || undefined,
    );
    const dead = await readMessages(kafka, dlqTopic, 2);
    const headers = dead.map((m) =>
      Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
    );
    expect(headers.map((h) => h['x-dlq-error-code']).sort()).toEqual(['TEST.POISON', 'UNDECODABLE']);
    for (const h of headers) {
      expect(h['x-dlq-origin-topic']).toBe(topic);
      expect(h['x-dlq-origin-offset']).toMatch(/^\d+$/);
      expect(h['x-dlq-error-message']).toBeTruthy();
    }
    expect(dead.find((m) => m.key?.toString() === 'junk')?.value?.toString()).toBe('{not json');
    // The poison event's own insert was rolled back with its savepoint; only good events are applied.
    expect((await appliedRows(pool, schema)).map((r) => r.event_id)).not.toContain('bad-1');
    await waitFor(
      'offsets past the poison',
      async () => (await committedOffsets(`group-${topic}`)) === 12 || undefined,
    );
  });

  test('transient failures are retried with backoff and never skip or double an event', async () => {
    const list = events(8);
    list[2]!.fail = 'transient:3';
    await produce(list);
    startRunner();
    await waitFor('all applied', async () => (await appliedRows(pool, schema)).length === 8 || undefined);
    expect(await counterValue('orderflow_batch_retries_total')).toBeGreaterThanOrEqual(3);
    expect(await counterValue('orderflow_events_dead_lettered_total')).toBe(0);
    const rows = await appliedRows(pool, schema);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(8);
  });

  test('an unclassified error is retried a few times, then dead-lettered so the partition moves on', async () => {
    const list = events(6);
    list[1]!.fail = 'bug';
    await produce(list);
    startRunner({ maxUnknownAttempts: 2 });
    await waitFor(
      'the other five applied',
      async () => (await appliedRows(pool, schema)).length === 5 || undefined,
    );
    const [dead] = await readMessages(kafka, dlqTopic, 1);
    expect(dead!.headers?.['x-dlq-error-code']?.toString()).toBe('TypeError');
    expect(await counterValue('orderflow_batch_retries_total')).toBeGreaterThanOrEqual(2);
  });

  test('a decoder failing transiently (registry down) retries instead of dead-lettering', async () => {
    const list = events(4);
    await produce(list);
    const base = testHandler({ topic, schema });
    let failures = 0;
    const flaky = {
      ...base,
      decode: async (value: Buffer) => {
        if (failures < 3) {
          failures++;
          throw Object.assign(new Error('registry unavailable (scripted)'), { retryable: true });
        }
        return base.decode(value);
      },
    };
    startRunner({ handlers: [flaky] });
    await waitFor('all applied', async () => (await appliedRows(pool, schema)).length === 4 || undefined);
    expect(await counterValue('orderflow_events_dead_lettered_total')).toBe(0);
  });

  test('a crash after the DB commit and before the offset commit loses nothing and doubles nothing', async () => {
    const list = events(40);
    await produce(list);
    const groupId = `group-${topic}`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'fixtures', 'crash-consumer.ts')],
      { env: { ...process.env, SCHEMA: schema, TOPIC: topic, GROUP: groupId }, stdio: 'inherit' },
    );
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, sig) => resolve(sig)),
    );
    expect(signal).toBe('SIGKILL');
    const committedByCrashed = (await appliedRows(pool, schema)).length;
    expect(committedByCrashed).toBeGreaterThan(0);
    expect(await committedOffsets(groupId)).toBe(0);

    startRunner({ groupId });
    await waitFor(
      'all 40 applied',
      async () => (await appliedRows(pool, schema)).length === 40 || undefined,
      {
        timeoutMs: 45_000,
      },
    );
    await waitFor('offsets committed', async () => (await committedOffsets(groupId)) === 40 || undefined, {
      timeoutMs: 20_000,
    });
    const rows = await appliedRows(pool, schema);
    expect(rows.map((r) => r.event_id).sort()).toEqual(list.map((e) => e.event_id).sort());
    expect(await counterValue('orderflow_events_duplicate_total')).toBeGreaterThanOrEqual(committedByCrashed);
  });

  test('stopping mid-batch finishes and commits the batch in flight; a successor loses and doubles nothing', async () => {
    const list = events(60);
    await produce(list);
    const slow = testHandler({ topic, schema, outTopic, perEventDelayMs: 50 });
    startRunner({ handlers: [slow] });
    await waitFor('some applied', async () => (await appliedRows(pool, schema)).length > 0 || undefined);
    await running.pop()!.stop();
    const afterStop = (await appliedRows(pool, schema)).length;
    // Every batch in flight (one per partition being applied) finished and committed its offsets.
    expect(await committedOffsets(`group-${topic}`)).toBe(afterStop);
    await produce(events(30, 'late'));
    startRunner();
    await waitFor('all applied', async () => (await appliedRows(pool, schema)).length === 90 || undefined);
    const rows = await appliedRows(pool, schema);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(90);
  });
});

describe('outbox relay', () => {
  test('pipelined batches publish every row exactly once, in order per key, and empty the outbox', async () => {
    const relay = new OutboxRelay({
      pool,
      kafka,
      schema,
      logger: silentLogger,
      pollIntervalMs: 60_000,
      batchSize: 20,
    });
    running.push(relay);
    await relay.start();
    const keys = ['a', 'b', 'c'];
    const perKey = 90;
    for (let seq = 0; seq < perKey; seq += 15) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await writeOutbox(
          client,
          schema,
          Array.from({ length: 15 }, (_, i) => i + seq).flatMap((s) =>
            keys.map((key) => ({
              topic: outTopic,
              key,
              value: Buffer.from(JSON.stringify({ key, seq: s })),
            })),
          ),
        );
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }
    // Only the NOTIFY written with the rows wakes the relay: the poll is far longer than the wait below.
    const messages = await readMessages(kafka, outTopic, keys.length * perKey, 20_000);
    for (const key of keys) {
      const seqs = messages
        .filter((m) => m.key?.toString() === key)
        .map((m) => JSON.parse(m.value!.toString()).seq);
      expect(seqs).toEqual(Array.from({ length: perKey }, (_, i) => i));
    }
    await waitFor('outbox emptied', async () => {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`);
      return rows[0].n === 0 || undefined;
    });
    expect(await messageCount(outTopic)).toBe(keys.length * perKey);
  });

  test('publishes in order per key, with two relays competing for the same outbox', async () => {
    const relays = [0, 1].map(
      () => new OutboxRelay({ pool, kafka, schema, logger: silentLogger, pollIntervalMs: 50, batchSize: 37 }),
    );
    for (const relay of relays) {
      running.push(relay);
      await relay.start();
    }
    const keys = ['k1', 'k2', 'k3', 'k4'];
    const perKey = 100;
    // Many small transactions, keys interleaved, while both relays run.
    for (let seq = 0; seq < perKey; seq += 10) {
      const values: string[] = [];
      const params: unknown[] = [];
      for (let s = seq; s < seq + 10; s++) {
        for (const key of keys) {
          params.push(outTopic, key, Buffer.from(JSON.stringify({ key, seq: s })));
          values.push(`($${params.length - 2}, $${params.length - 1}, $${params.length})`);
        }
      }
      await pool.query(
        `INSERT INTO "${schema}".outbox (topic, message_key, value) VALUES ${values.join(',')}`,
        params,
      );
      relays[seq % 2]!.notify();
    }
    const messages = await readMessages(kafka, outTopic, keys.length * perKey);
    for (const key of keys) {
      const seqs = messages
        .filter((m) => m.key?.toString() === key)
        .map((m) => JSON.parse(m.value!.toString()).seq);
      expect(seqs).toEqual(Array.from({ length: perKey }, (_, i) => i));
    }
    expect(relays.filter((r) => r.status().leader).length).toBeLessThanOrEqual(1);
  });
});
