import { spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { uniqueName } from '@orderflow/runtime';

export const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function kafkaClient(): Kafka {
  return new Kafka({ clientId: 'e2e', brokers, logLevel: logLevel.NOTHING });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a built CLI as a user would, capturing its output. */
export function runCli(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every message of a topic, up to the end offsets it had when called. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
): Promise<{ key: string; partition: number; value: Buffer }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((p) => Number(p.high) > 0).map((p) => [p.partition, Number(p.high)]));
  const expected = ends.reduce((sum, p) => sum + Number(p.high), 0);
  const out: { key: string; partition: number; value: Buffer }[] = [];
  if (expected === 0) return out;
  const consumer = kafka.consumer({ groupId: uniqueName('e2e-reader'), maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${out.length}/${expected} of ${topic}`)), 60_000);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        out.push({ key: message.key?.toString() ?? '', partition, value: message.value ?? Buffer.alloc(0) });
        if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

export async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index]!);
      }
    }),
  );
  return results;
}
