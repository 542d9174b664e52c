import type { IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import {
  ConsumerRunner,
  DLQ_REPLAY_HEADER,
  OutboxRelay,
  createMetrics,
  createPrefixedTopics,
  uniqueName,
  waitFor,
  type RuntimeMetrics,
  type TopicHandler,
} from '../src';
import {
  appliedRows,
  createTestSchema,
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
let topic: string;
let dlqTopic: string;
const running: { stop(): Promise<void> }[] = [];
const schemas: { schema: string; pool: Pool }[] = [];
const groups: string[] = [];

beforeEach(async () => {
  // One producer per test: a producer remembers every topic it sent to and fails once one is deleted.
  producer = kafka.producer();
  await producer.connect();
  topic = uniqueName('rt.replay');
  dlqTopic = uniqueName('rt.replay-dlq');
  // The runtime's helper waits until the broker's metadata has every partition led.
  await createPrefixedTopics(kafka, '', [
    { topic, numPartitions: 2 },
    { topic: dlqTopic, numPartitions: 2 },
  ]);
});

afterEach(async () => {
  while (running.length > 0) await running.pop()!.stop();
  await producer.disconnect();
  for (const { schema, pool } of schemas.splice(0)) {
    await dropSchema(pool, schema);
    await pool.end();
  }
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, dlqTopic] }).catch(() => undefined);
  await admin.deleteGroups(groups.splice(0)).catch(() => undefined);
  await admin.disconnect();
});

interface Consumer {
  service: string;
  schema: string;
  pool: Pool;
  metrics: RuntimeMetrics;
  groupId: string;
}

async function consumerOf(service: string): Promise<Consumer> {
  const db = await createTestSchema();
  schemas.push(db);
  const groupId = uniqueName(`group-${service}`);
  groups.push(groupId);
  return { service, ...db, metrics: createMetrics(service, { defaultMetrics: false }), groupId };
}

/** The handler after the fix: the scripted failure is ignored. */
function fixed(handler: TopicHandler<TestEvent>): TopicHandler<TestEvent> {
  return {
    ...handler,
    decode: async (value) => ({ ...(await handler.decode(value)), fail: undefined }),
  };
}

async function start(consumer: Consumer, handler: TopicHandler<TestEvent>): Promise<() => Promise<void>> {
  const { pool, schema, metrics } = consumer;
  const relay = new OutboxRelay({ pool, kafka, schema, logger: silentLogger, metrics, pollIntervalMs: 200 });
  const runner = new ConsumerRunner({
    service: consumer.service,
    groupId: consumer.groupId,
    kafka,
    pool,
    schema,
    logger: silentLogger,
    metrics,
    dlqTopic,
    sessionTimeoutMs: 6000,
    retry: { initialMs: 20, maxMs: 200 },
    handlers: [handler],
    onOutboxWrite: () => relay.notify(),
  });
  const stop = async (): Promise<void> => {
    await runner.stop();
    await relay.stop();
  };
  running.push({ stop });
  await relay.start();
  await runner.start();
  return async () => {
    running.splice(
      running.findIndex((r) => r.stop === stop),
      1,
    );
    await stop();
  };
}

async function counter(consumer: Consumer, name: string): Promise<number> {
  const metric = (await consumer.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

/**
 * A probe for waitFor that says what the counter is while it is below `expected`. At least, not exactly:
 * Kafka may deliver a message twice (a rebalance between the transaction and the offset commit), and a
 * second copy is one more duplicate, which is what the inbox is for. What was applied is checked exactly.
 */
function counterReaches(consumer: Consumer, name: string, expected: number): () => Promise<true> {
  return async () => {
    const value = await counter(consumer, name);
    if (value < expected) throw new Error(`${consumer.service} ${name} is ${value}, want ${expected}`);
    return true;
  };
}

function strings(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

/** What `dlq replay` does: the dead letter's key and value back to its origin, marked for one service. */
async function replay(deadLetter: KafkaMessage, forService: string): Promise<void> {
  const headers = Object.fromEntries(
    Object.entries(strings(deadLetter.headers)).filter(([name]) => !name.startsWith('x-dlq-')),
  );
  await producer.send({
    topic: strings(deadLetter.headers)['x-dlq-origin-topic']!,
    messages: [
      {
        key: deadLetter.key,
        value: deadLetter.value,
        headers: { ...headers, [DLQ_REPLAY_HEADER]: forService },
      },
    ],
  });
}

async function messagesIn(name: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(name);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

async function inboxOutcome(consumer: Consumer, eventId: string): Promise<string | undefined> {
  const { rows } = await consumer.pool.query<{ outcome: string }>(
    `SELECT outcome FROM "${consumer.schema}".inbox WHERE event_id = $1`,
    [eventId],
  );
  return rows[0]?.outcome;
}

describe('replaying a dead letter', () => {
  test('the service that dead-lettered it processes it once after the fix; another group sees a duplicate', async () => {
    const poisonEvent: TestEvent = { event_id: 'p-1', key: 'order-p', n: 7, fail: 'permanent' };
    const good: TestEvent = { event_id: 'g-1', key: 'order-g', n: 1 };
    await producer.send({
      topic,
      messages: [poisonEvent, good].map((e) => ({ key: e.key, value: encode(e), headers: { trace: 't-1' } })),
    });
    const strict = await consumerOf('strict');
    // Another service consuming the same topic, for which the event was never a problem.
    const lenient = await consumerOf('lenient');
    const stopStrict = await start(strict, testHandler({ topic, schema: strict.schema }));
    await start(lenient, fixed(testHandler({ topic, schema: lenient.schema })));

    const [deadLetter] = await readMessages(kafka, dlqTopic, 1);
    expect(strings(deadLetter!.headers)['x-dlq-service']).toBe('strict');
    await waitFor(
      'lenient applied both',
      async () => (await appliedRows(lenient.pool, lenient.schema)).length === 2,
    );
    expect(await inboxOutcome(strict, 'p-1')).toBe('DEAD_LETTERED');

    // Replayed before the fix: dead-lettered again, not applied.
    await replay(deadLetter!, 'strict');
    const twice = await readMessages(kafka, dlqTopic, 2);
    expect(twice).toHaveLength(2);
    expect(strings(twice[1]!.headers)[DLQ_REPLAY_HEADER]).toBe('strict');

    // The fix is deployed; the second dead letter goes back.
    await stopStrict();
    await start(strict, fixed(testHandler({ topic, schema: strict.schema })));
    await replay(twice[1]!, 'strict');
    await waitFor('strict applied the replayed event', async () =>
      (await appliedRows(strict.pool, strict.schema)).some((r) => r.event_id === 'p-1'),
    );
    // Each copy delivered so far (original, two replays) has been seen by lenient: two duplicates.
    await waitFor(
      'lenient saw both replays as duplicates',
      counterReaches(lenient, 'orderflow_events_duplicate_total', 2),
    );
    expect((await appliedRows(strict.pool, strict.schema)).map((r) => r.event_id).sort()).toEqual([
      'g-1',
      'p-1',
    ]);
    expect((await appliedRows(lenient.pool, lenient.schema)).map((r) => r.event_id).sort()).toEqual([
      'g-1',
      'p-1',
    ]);
    expect(await inboxOutcome(strict, 'p-1')).toBe('PROCESSED');
    expect(await inboxOutcome(lenient, 'p-1')).toBe('PROCESSED');

    // A replay sent again by mistake, and one marked for another service, are plain duplicates now.
    await replay(twice[1]!, 'strict');
    await replay(twice[1]!, 'lenient');
    await waitFor('strict skipped both', counterReaches(strict, 'orderflow_events_duplicate_total', 2));
    expect((await appliedRows(strict.pool, strict.schema)).filter((r) => r.event_id === 'p-1')).toHaveLength(
      1,
    );
    expect(await counter(strict, 'orderflow_events_dead_lettered_total')).toBe(2);
    expect(await messagesIn(dlqTopic)).toBe(2);
  });

  test('a replay marked for another service, or redelivered after it failed again, is not processed again', async () => {
    const poisonEvent: TestEvent = { event_id: 'p-2', key: 'order-q', n: 3, fail: 'permanent' };
    await producer.send({ topic, messages: [{ key: poisonEvent.key, value: encode(poisonEvent) }] });
    const strict = await consumerOf('strict');
    const stop = await start(strict, testHandler({ topic, schema: strict.schema }));
    const [deadLetter] = await readMessages(kafka, dlqTopic, 1);

    // Marked for someone else: a duplicate, even though this inbox says DEAD_LETTERED.
    await replay(deadLetter!, 'someone-else');
    await waitFor(
      'the foreign replay skipped',
      counterReaches(strict, 'orderflow_events_duplicate_total', 1),
    );
    // Marked for this service while still broken: dead-lettered a second time.
    await replay(deadLetter!, 'strict');
    await readMessages(kafka, dlqTopic, 2);
    await waitFor(
      'both dead letters recorded',
      counterReaches(strict, 'orderflow_events_dead_lettered_total', 2),
    );

    // Everything delivered again (an offset reset): the copy that failed last is not reprocessed.
    await stop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: strict.groupId, topic, earliest: true });
    await admin.disconnect();
    strict.metrics = createMetrics('strict', { defaultMetrics: false });
    await start(strict, testHandler({ topic, schema: strict.schema }));
    await waitFor(
      'all three redelivered as duplicates',
      counterReaches(strict, 'orderflow_events_duplicate_total', 3),
    );
    expect(await counter(strict, 'orderflow_events_dead_lettered_total')).toBe(0);
    expect(await appliedRows(strict.pool, strict.schema)).toEqual([]);
    expect(await messagesIn(dlqTopic)).toBe(2);
    expect(await inboxOutcome(strict, 'p-2')).toBe('DEAD_LETTERED');
  });
});
