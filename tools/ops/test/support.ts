import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { Kafka, logLevel, Partitioners, type Producer, type RecordMetadata } from 'kafkajs';
import { allTopicSpecs, EventSerde, type TopicName, type TopicValue } from '@orderflow/contracts';
import { createPrefixedTopics, uniqueName } from '@orderflow/runtime';
import { runCli } from '../src';

export const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';
export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orderflow';

export function testKafka(): Kafka {
  return new Kafka({ clientId: 'ops-test', brokers, logLevel: logLevel.NOTHING });
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(chunks: string[], onWrite?: (all: string) => void): Writable {
  return new Writable({
    write: (chunk: Buffer | string, _encoding, done) => {
      chunks.push(chunk.toString());
      onWrite?.(chunks.join(''));
      done();
    },
  });
}

/** Runs the CLI in-process, as `npm run <argv[0]> -- ...` would, with the test's environment. */
export async function cli(
  argv: string[],
  env: Record<string, string>,
  options: { signal?: AbortSignal; onStdout?: (all: string) => void } = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    stdout: sink(out, options.onStdout),
    stderr: sink(err),
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    signal: options.signal,
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Every JSON line of an output. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as T);
}

/**
 * A private copy of every catalogue topic under a unique TOPIC_PREFIX, with a producer that partitions
 * like the services do and the contracts serde to write Avro.
 */
export class TopicSandbox {
  readonly prefix = `${uniqueName('ops')}.`;
  readonly kafka = testKafka();
  readonly serde = new EventSerde({ registryUrl });
  readonly admin = this.kafka.admin();
  private producer!: Producer;
  private readonly groups: string[] = [];

  topic(logical: string): string {
    return `${this.prefix}${logical}`;
  }

  get env(): Record<string, string> {
    return { TOPIC_PREFIX: this.prefix };
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await createPrefixedTopics(this.kafka, this.prefix, allTopicSpecs());
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
    const topics = (await this.admin.listTopics()).filter((t) => t.startsWith(this.prefix));
    await this.admin.deleteTopics({ topics }).catch(() => undefined);
    await this.admin.deleteGroups(this.groups).catch(() => undefined);
    await this.admin.disconnect();
  }

  /** A group deleted with the sandbox. */
  group(name: string): string {
    const id = `${this.prefix}${name}`;
    this.groups.push(id);
    return id;
  }

  async produce<T extends TopicName>(topic: T, event: TopicValue<T>): Promise<RecordMetadata> {
    const message = await this.serde.message(topic, event);
    const [sent] = await this.producer.send({
      topic: this.topic(topic),
      messages: [{ key: message.key, value: message.value, headers: { 'x-test': 'ops' } }],
    });
    return sent!;
  }

  async produceRaw(topic: string, key: string, value: Buffer): Promise<RecordMetadata> {
    const [sent] = await this.producer.send({ topic: this.topic(topic), messages: [{ key, value }] });
    return sent!;
  }

  async endOffsets(topic: string): Promise<Map<number, number>> {
    const offsets = await this.admin.fetchTopicOffsets(this.topic(topic));
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  }
}

/** A port nothing listens on (bound and released), so a service there reads as down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
