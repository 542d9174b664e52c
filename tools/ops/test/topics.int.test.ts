import { spawn } from 'node:child_process';
import path from 'node:path';
import { buildOrdersPlaced, uniqueId } from '@orderflow/contracts/testing';
import type { OrdersPlaced } from '@orderflow/contracts';
import { waitFor } from '@orderflow/runtime';
import { partitionForKey } from '../src';
import { cli, jsonLines, TopicSandbox, type CliRun } from './support';

interface TailLine {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  schema_id?: number;
  value: { event_id?: string; order_id?: string } | null;
  note?: string;
  value_utf8?: string;
}

const sandbox = new TopicSandbox();
const orderA = uniqueId('ORD-A');
const aEvents: OrdersPlaced[] = [];
const others: OrdersPlaced[] = [];
/** Where each event landed: event id -> partition/offset. */
const placed = new Map<string, { partition: number; offset: number }>();
let rawAt: { partition: number; offset: number };

beforeAll(async () => {
  await sandbox.start();
  for (let i = 0; i < 3; i++) aEvents.push(buildOrdersPlaced({ order_id: orderA }));
  for (let i = 0; i < 24; i++) others.push(buildOrdersPlaced());
  // Interleaved, so A's events are not simply the last ones on their partition.
  const all = [
    others.slice(0, 8),
    [aEvents[0]!],
    others.slice(8, 16),
    [aEvents[1]!, aEvents[2]!],
    others.slice(16),
  ];
  for (const event of all.flat()) {
    const sent = await sandbox.produce('orders.placed', event);
    placed.set(event.event_id, { partition: sent.partition, offset: Number(sent.baseOffset) });
  }
  const raw = await sandbox.produceRaw('orders.placed', 'junk', Buffer.from('{"not":"avro"}'));
  rawAt = { partition: raw.partition, offset: Number(raw.baseOffset) };
});

afterAll(async () => {
  await sandbox.stop();
});

const run = (...argv: string[]): Promise<CliRun> => cli(argv, sandbox.env);

describe('topics list', () => {
  test('lists the prefixed topics with partitions, end offsets per partition and in total, and retention', async () => {
    const { code, stdout } = await run('topics', 'list', '--json');
    expect(code).toBe(0);
    const { prefix, topics } = JSON.parse(stdout) as {
      prefix: string;
      topics: {
        topic: string;
        physical: string;
        partitions: number;
        endOffsets: string[];
        endTotal: string;
      }[];
    };
    expect(prefix).toBe(sandbox.prefix);
    const placedTopic = topics.find((t) => t.topic === 'orders.placed')!;
    expect(placedTopic.physical).toBe(sandbox.topic('orders.placed'));
    expect(placedTopic.partitions).toBe(6);
    const ends = await sandbox.endOffsets('orders.placed');
    expect(placedTopic.endOffsets).toEqual([...ends.keys()].sort().map((p) => String(ends.get(p))));
    expect(placedTopic.endTotal).toBe(String(aEvents.length + others.length + 1));
    expect(topics.map((t) => t.topic)).toEqual(expect.arrayContaining(['dlq.orders', 'orders.finished']));
    expect(topics.every((t) => t.physical.startsWith(sandbox.prefix))).toBe(true);
    expect(topics).toHaveLength(16);
  });

  test('prints a table no wider than 100 columns, naming the prefix', async () => {
    const { code, stdout } = await run('topics', 'list');
    expect(code).toBe(0);
    expect(stdout).toContain(`TOPIC_PREFIX=${sandbox.prefix}`);
    const row = stdout.split('\n').find((line) => line.startsWith('orders.placed '))!;
    expect(row).toMatch(/^orders\.placed\s+6\s+28\s+28\s+delete 7d\s+(\d+ ){5}\d+$/);
    expect(stdout).toMatch(/orders\.finished\s+6\s+0\s+0\s+delete forever/);
    expect(stdout).toMatch(/inventory\.stock-levels\s+6\s+0\s+0\s+compact/);
    for (const line of stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  test("Kafka's internal topics only with --all", async () => {
    const plain = await cli(['topics', 'list', '--json'], { TOPIC_PREFIX: '' });
    const all = await cli(['topics', 'list', '--all', '--json'], { TOPIC_PREFIX: '' });
    const names = (run: CliRun): string[] =>
      (JSON.parse(run.stdout) as { topics: { topic: string }[] }).topics.map((t) => t.topic);
    expect(names(plain)).toContain(sandbox.topic('orders.placed'));
    expect(names(plain).some((n) => n.startsWith('__'))).toBe(false);
    expect(names(all)).toContain('__consumer_offsets');
  });
});

describe('topics lag', () => {
  test('per partition: committed offset, end offset and lag; the total per group', async () => {
    const group = sandbox.group('inventory');
    const ends = await sandbox.endOffsets('orders.placed');
    // A group that read everything on partitions 0-2, half of partition 3 and nothing on 4-5.
    const committed = new Map<number, number>([
      [0, ends.get(0)!],
      [1, ends.get(1)!],
      [2, ends.get(2)!],
      [3, Math.floor(ends.get(3)! / 2)],
    ]);
    await sandbox.admin.setOffsets({
      groupId: group,
      topic: sandbox.topic('orders.placed'),
      partitions: [...committed].map(([partition, offset]) => ({ partition, offset: String(offset) })),
    });
    const { code, stdout } = await run('topics', 'lag', '--group', group, '--json');
    expect(code).toBe(0);
    const [lag] = (JSON.parse(stdout) as { groups: Record<string, unknown>[] }).groups as {
      group: string;
      total: string;
      partitions: { topic: string; partition: number; committed: string | null; end: string; lag: string }[];
    }[];
    expect(lag!.group).toBe(group);
    const expected = [...ends].map(([partition, end]) => {
      const at = committed.get(partition);
      return {
        topic: 'orders.placed',
        partition,
        committed: at === undefined ? null : String(at),
        end: String(end),
        lag: String(end - (at ?? 0)),
      };
    });
    expect(lag!.partitions).toEqual(expected.sort((a, b) => a.partition - b.partition));
    const total = expected.reduce((sum, p) => sum + Number(p.lag), 0);
    expect(lag!.total).toBe(String(total));
    expect(total).toBeGreaterThan(0);

    // Without --group every group under the prefix is listed, as a table per group.
    const text = await run('topics', 'lag');
    expect(text.stdout).toContain(`group ${group} (Empty, 0 members): lag ${total}`);
    expect(text.stdout).toMatch(/orders\.placed\s+4\s+-\s+\d+\s+\d+/);
  });
});

describe('topics tail', () => {
  test('shows the last N messages of each partition, decoded from Avro, and exits', async () => {
    const { code, stdout, stderr } = await run('topics', 'tail', 'orders.placed', '--limit', '2', '--json');
    expect(code).toBe(0);
    const lines = jsonLines<TailLine>(stdout);
    const ends = await sandbox.endOffsets('orders.placed');
    const expected = [...ends].flatMap(([partition, end]) =>
      [end - 2, end - 1].filter((o) => o >= 0).map((offset) => `${partition}@${offset}`),
    );
    expect(lines.map((l) => `${l.partition}@${l.offset}`).sort()).toEqual(expected.sort());
    for (const line of lines) {
      if (line.partition === rawAt.partition && Number(line.offset) === rawAt.offset) continue;
      expect(line.schema_id).toEqual(expect.any(Number));
      const at = placed.get(line.value!.event_id!);
      expect(at).toEqual({ partition: line.partition, offset: Number(line.offset) });
      expect(line.key).toBe(line.value!.order_id);
      expect(line.headers).toEqual({ 'x-test': 'ops' });
    }
    expect(stderr).toContain(`${lines.length} messages from orders.placed`);
  });

  test("--key reads only the key's partition and shows that order's events in order", async () => {
    const { code, stdout } = await run('topics', 'tail', 'orders.placed', '--key', orderA, '--json');
    expect(code).toBe(0);
    const lines = jsonLines<TailLine>(stdout);
    expect(lines.map((l) => l.value!.event_id)).toEqual(aEvents.map((e) => e.event_id));
    const partition = placed.get(aEvents[0]!.event_id)!.partition;
    expect(lines.every((l) => l.partition === partition && l.key === orderA)).toBe(true);
    // The partition the CLI computes is the one the producer chose.
    const { topics } = await sandbox.admin.fetchTopicMetadata({ topics: [sandbox.topic('orders.placed')] });
    expect(partitionForKey(orderA, topics[0]!.partitions)).toBe(partition);

    const last = await run('topics', 'tail', 'orders.placed', '--key', orderA, '--limit', '1', '--json');
    expect(jsonLines<TailLine>(last.stdout).map((l) => l.value!.event_id)).toEqual([aEvents[2]!.event_id]);
  });

  test('--from-beginning shows every message; a non-Avro value is shown as text with a note', async () => {
    const { code, stdout } = await run('topics', 'tail', 'orders.placed', '--from-beginning', '--json');
    expect(code).toBe(0);
    const lines = jsonLines<TailLine>(stdout);
    expect(lines).toHaveLength(aEvents.length + others.length + 1);
    const raw = lines.find((l) => l.key === 'junk')!;
    expect(raw.value).toBeNull();
    expect(raw.note).toMatch(/not Confluent wire format/);
    expect(raw.value_utf8).toBe('{"not":"avro"}');
    expect(new Set(lines.map((l) => l.value?.event_id).filter(Boolean)).size).toBe(27);

    const firstTwo = await run(
      'topics',
      'tail',
      'orders.placed',
      '--from-beginning',
      '--limit',
      '2',
      '--json',
    );
    const ends = await sandbox.endOffsets('orders.placed');
    const expected = [...ends].flatMap(([partition, end]) =>
      [0, 1].filter((o) => o < end).map((offset) => `${partition}@${offset}`),
    );
    expect(
      jsonLines<TailLine>(firstTwo.stdout)
        .map((l) => `${l.partition}@${l.offset}`)
        .sort(),
    ).toEqual(expected.sort());
  });

  test('prints pretty JSON for people', async () => {
    const { code, stdout } = await run('topics', 'tail', 'orders.placed', '--key', orderA, '--limit', '1');
    expect(code).toBe(0);
    const partition = placed.get(aEvents[2]!.event_id)!.partition;
    expect(stdout).toContain(
      `orders.placed  partition ${partition}  offset ${placed.get(aEvents[2]!.event_id)!.offset}`,
    );
    expect(stdout).toContain(`key ${orderA}`);
    expect(stdout).toContain('  headers: x-test=ops');
    expect(stdout).toContain(`    "event_id": "${aEvents[2]!.event_id}",`);
    expect(stdout).toContain('    "lines": [');

    const junk = await run('topics', 'tail', 'orders.placed', '--key', 'junk');
    expect(junk.stdout).toContain('(not decoded: not Confluent wire format');
    expect(junk.stdout).toContain('utf8: {"not":"avro"}');
  });

  test('--follow prints what arrives later, until stopped', async () => {
    const controller = new AbortController();
    const later = buildOrdersPlaced({ order_id: orderA });
    let seen = '';
    const running = cli(
      ['topics', 'tail', 'orders.placed', '--key', orderA, '--follow', '--json'],
      sandbox.env,
      {
        signal: controller.signal,
        onStdout: (all) => {
          seen = all;
        },
      },
    );
    await waitFor('the existing events', () => jsonLines(seen).length === 3);
    await sandbox.produce('orders.placed', later);
    await waitFor('the new event', () => seen.includes(later.event_id));
    controller.abort();
    const result = await running;
    expect(result.code).toBe(0);
    expect(jsonLines<TailLine>(result.stdout).map((l) => l.value!.event_id)).toEqual([
      ...aEvents.map((e) => e.event_id),
      later.event_id,
    ]);
    aEvents.push(later);
  });

  test('an unknown topic is a one-line error, not a crash', async () => {
    const { code, stdout, stderr } = await run('topics', 'tail', 'no.such.topic');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(
      `error: topic ${sandbox.prefix}no.such.topic does not exist (npm run topics -- list shows the topics)`,
    );
    expect((await run('topics', 'tail', 'orders.placed', '--limit', 'many')).code).toBe(64);
  });

  test('bad configuration or an unreachable Kafka end with one line naming the cause', async () => {
    const bad = await cli(['topics', 'list'], { KAFKA_BROKERS: 'nonsense' });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('error: invalid configuration: KAFKA_BROKERS: expected host:port');

    // As a process: kafkajs would keep retrying for half a minute; the CLI gives up after the timeout.
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, '..', 'src', 'topics.ts'), 'list'],
      {
        env: { ...process.env, KAFKA_BROKERS: '127.0.0.1:1', OPS_CONNECT_TIMEOUT_MS: '1000', LOG_LEVEL: '' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('error: Kafka at 127.0.0.1:1 did not answer within 1000 ms (KAFKA_BROKERS)');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test('the npm entry point runs as a process and exits by itself', async () => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(__dirname, '..', 'src', 'topics.ts'),
        'tail',
        'orders.placed',
        '--key',
        orderA,
        '--json',
      ],
      { env: { ...process.env, ...sandbox.env, LOG_LEVEL: 'silent' } },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(jsonLines<TailLine>(stdout).map((l) => l.value!.event_id)).toEqual(aEvents.map((e) => e.event_id));
    expect(Date.now() - started).toBeLessThan(20_000);
    // The throwaway groups of every tail so far are gone.
    const groups = (await sandbox.admin.listGroups()).groups.map((g) => g.groupId);
    expect(groups.filter((g) => g.startsWith(`${sandbox.prefix}orderflow-ops-`))).toEqual([]);
  });
});
