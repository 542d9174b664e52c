import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { allTopicSpecs, EventSerde, type TopicName, type TopicValue } from '@orderflow/contracts';
import { createPrefixedTopics, uniqueName, waitFor } from '@orderflow/runtime';

export const env = {
  brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
  registryUrl: process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081',
};

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join('services', 'importer', 'src', 'cli.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs the importer CLI as a process, the way an operator does, against the given topic prefix. */
export function runCli(
  args: string[],
  extraEnv: Record<string, string> = {},
  timeoutMs = 45_000,
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: '', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`import ${args.join(' ')} did not finish in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}

/** A directory for one test file's CSVs, removed afterwards. */
export class Files {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'importer-test-'));

  write(name: string, content: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, content);
    return file;
  }

  path(name: string): string {
    return path.join(this.dir, name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Received<T extends TopicName> {
  key: string;
  partition: number;
  value: TopicValue<T>;
  /** The message value as produced. */
  raw: Buffer;
}

/**
 * A private set of topics (TOPIC_PREFIX) and a consumer that decodes everything produced to them, so a
 * test can wait for the events it expects and see every one of them.
 */
export class Stack {
  readonly prefix = `${uniqueName('imp')}.`;
  readonly kafka = new Kafka({ clientId: 'importer-test', brokers: env.brokers, logLevel: logLevel.NOTHING });
  readonly serde = new EventSerde({ registryUrl: env.registryUrl });
  readonly placed: Received<'orders.placed'>[] = [];
  readonly stockLevels: Received<'inventory.stock-levels'>[] = [];
  private consumer: Consumer | undefined;

  async start(): Promise<void> {
    await createPrefixedTopics(this.kafka, this.prefix, allTopicSpecs());
    this.consumer = this.kafka.consumer({ groupId: uniqueName('importer-test'), maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [this.topic('orders.placed'), this.topic('inventory.stock-levels')],
      fromBeginning: true,
    });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const key = message.key?.toString() ?? '';
        const raw = message.value!;
        if (topic === this.topic('orders.placed')) {
          this.placed.push({ key, partition, raw, value: await this.serde.decode('orders.placed', raw) });
        } else {
          this.stockLevels.push({
            key,
            partition,
            raw,
            value: await this.serde.decode('inventory.stock-levels', raw),
          });
        }
      },
    });
  }

  /** Stops reading and deletes this stack's topics (every run would otherwise leave ~100 partitions). */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const mine = (await admin.listTopics()).filter((topic) => topic.startsWith(this.prefix));
      await admin.deleteTopics({ topics: mine });
    } finally {
      await admin.disconnect();
    }
  }

  topic(name: TopicName): string {
    return `${this.prefix}${name}`;
  }

  /** Environment for the CLI: this stack's topics. */
  cliEnv(): Record<string, string> {
    return {
      TOPIC_PREFIX: this.prefix,
      KAFKA_BROKERS: env.brokers.join(','),
      SCHEMA_REGISTRY_URL: env.registryUrl,
    };
  }

  /** Waits until `count` orders.placed events for the given order ids have arrived, and returns them. */
  async placedFor(orderIds: string[], count = orderIds.length): Promise<Received<'orders.placed'>[]> {
    return waitFor(`${count} orders.placed events for ${orderIds.join(', ')}`, () => {
      const found = this.placed.filter((event) => orderIds.includes(event.value.order_id));
      return found.length >= count ? found : undefined;
    });
  }

  /** Messages in a topic so far: the sum of its partitions' high watermarks. */
  async messageCount(name: TopicName): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic(name));
      return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
    } finally {
      await admin.disconnect();
    }
  }
}

/** Parses the rejects file (or any small CSV) with csv-parse, as someone opening it would. */
export function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true }) as Record<string, string>[];
}
