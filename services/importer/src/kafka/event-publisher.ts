import { connect as tcpConnect } from 'node:net';
import type { Kafka, Producer } from 'kafkajs';
import { keyOf, type EventSerde, type TopicName, type TopicValue } from '@orderflow/contracts';
import { FatalError } from '../fatal-error';
import { KeyPartitioner } from './key-partitioner';
import { SendWindow } from './send-window';
import { WireEncoder } from './wire-encoder';

export interface PublisherOptions<T extends TopicName> {
  kafka: Kafka;
  serde: EventSerde;
  brokers: readonly string[];
  registryUrl: string;
  /** Logical topic (for the schema) and the physical one it is produced to (with TOPIC_PREFIX). */
  topic: T;
  physicalTopic: string;
  /** Events per produce request. */
  batchSize?: number;
  /** Full batches queued or in flight, not yet acknowledged, before reading waits. */
  maxInFlightBatches?: number;
}

export const DEFAULT_BATCH_SIZE = 1000;
export const DEFAULT_IN_FLIGHT_BATCHES = 4;
const PROBE_TIMEOUT_MS = 3_000;
const CONNECT_TIMEOUT_MS = 15_000;

/** Rejects with a FatalError when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FatalError(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The most specific short reason: a system error code (ECONNREFUSED) when there is one. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // fetch wraps the socket error, sometimes one per address tried.
  const cause = error.cause as
    { code?: unknown; errors?: { code?: unknown }[]; message?: string } | undefined;
  const causeCode = cause?.code ?? cause?.errors?.[0]?.code;
  if (typeof causeCode === 'string') return causeCode;
  return cause?.message ?? error.message;
}

/** Whether anything accepts TCP connections at host:port; kafkajs itself would retry for a minute. */
function probeTcp(address: string): Promise<string | undefined> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done('timeout'));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error) => done(reasonOf(error)));
  });
}

/** Fails fast, with one readable line, when Kafka or the schema registry cannot be reached. */
export async function checkReachable(brokers: readonly string[], registryUrl: string): Promise<void> {
  const problems = await Promise.all(brokers.map(probeTcp));
  if (problems.every((problem) => problem !== undefined)) {
    const detail = brokers.map((broker, i) => `${broker} (${problems[i]})`).join(', ');
    throw new FatalError(`Kafka unreachable: ${detail}`);
  }
  const base = registryUrl.replace(/\/+$/, '');
  try {
    const response = await fetch(`${base}/subjects`, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS + 2_000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'no answer' : reasonOf(error);
    throw new FatalError(`schema registry unreachable at ${base}: ${reason}`);
  }
}

/**
 * Produces one topic's events in batches with an idempotent producer (acks=all, one request in flight,
 * Java-compatible murmur2 partitioner, so keys land where the other services' events for them do).
 * Full batches queue in a window of `maxInFlightBatches` and go to kafkajs one at a time, each once the one
 * before is acknowledged; the caller awaits `flush()` when `add()` says the batch is full, and that waits
 * only while the window is full, which holds the CSV stream back while Kafka catches up, so memory stays
 * flat. (Waiting for each batch's acknowledgement before reading on made reading stop for every round trip
 * to a broker busy on the same cores.)
 */
export class EventPublisher<T extends TopicName> {
  /** Encoded as soon as added: the batch holds views of shared buffers instead of event object graphs,
   * which would outlive young-generation GCs while the batch fills and pile up in the old generation.
   * Keys are bytes too: kafkajs would convert a string key twice (to partition it, then to write it). */
  private batch: { key: Buffer; value: Buffer }[] = [];
  private readonly window: SendWindow;
  private sentCount = 0;
  private readonly batchSize: number;

  private constructor(
    private readonly options: PublisherOptions<T>,
    private readonly producer: Producer,
    private readonly encoder: WireEncoder<T>,
  ) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.window = new SendWindow(options.maxInFlightBatches ?? DEFAULT_IN_FLIGHT_BATCHES);
  }

  static async connect<T extends TopicName>(options: PublisherOptions<T>): Promise<EventPublisher<T>> {
    await checkReachable(options.brokers, options.registryUrl);
    let schemaId: number;
    try {
      schemaId = await withTimeout(
        options.serde.schemaId(options.topic),
        CONNECT_TIMEOUT_MS,
        'schema registry',
      );
    } catch (error) {
      if (error instanceof FatalError) throw error;
      throw new FatalError(`schema registry refused the ${options.topic} schema: ${reasonOf(error)}`);
    }
    const admin = options.kafka.admin();
    try {
      await withTimeout(admin.connect(), CONNECT_TIMEOUT_MS, 'Kafka');
      const existing = await withTimeout(admin.listTopics(), CONNECT_TIMEOUT_MS, 'Kafka');
      if (!existing.includes(options.physicalTopic)) {
        throw new FatalError(
          `topic ${options.physicalTopic} does not exist (create it with npm run topics:create)`,
        );
      }
    } catch (error) {
      if (error instanceof FatalError) throw error;
      throw new FatalError(`Kafka: ${reasonOf(error)}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const producer = options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // kafkajs' DefaultPartitioner choices (Java-compatible murmur2), without its per-message Long maths.
      createPartitioner: KeyPartitioner,
      // Bounded, unlike kafkajs' default for idempotent producers (retry for ever): an import facing a
      // broker that stays down should fail and be re-run (event ids make that safe), not hang.
      retry: { retries: 5 },
    });
    try {
      await withTimeout(producer.connect(), CONNECT_TIMEOUT_MS, 'Kafka');
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      if (error instanceof FatalError) throw error;
      throw new FatalError(`Kafka: ${reasonOf(error)}`);
    }
    return new EventPublisher(options, producer, new WireEncoder(options.topic, schemaId));
  }

  /** Events acknowledged by Kafka so far. */
  get sent(): number {
    return this.sentCount;
  }

  /** Queues an event; true when the batch is full and the caller should `await flush()`. */
  add(value: TopicValue<T>): boolean {
    this.batch.push({
      key: Buffer.from(keyOf(this.options.topic, value)),
      value: this.encoder.encode(value),
    });
    return this.batch.length >= this.batchSize;
  }

  /** Queues the events for sending behind the batches before, waiting only while the window is full. */
  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const messages = this.batch;
    this.batch = [];
    const { physicalTopic } = this.options;
    await this.window.submit(() =>
      this.producer
        .send({
          topic: physicalTopic,
          acks: -1,
          messages,
        })
        .then(
          () => {
            this.sentCount += messages.length;
          },
          (error: unknown) => {
            throw new FatalError(
              `producing to ${physicalTopic} failed after ${this.sentCount} events: ${reasonOf(error)} (importing the file again is safe)`,
              { cause: error },
            );
          },
        ),
    );
  }

  /** Sends what is queued, waits for every batch, and disconnects. */
  async close(): Promise<void> {
    try {
      await this.flush();
      await this.window.drain();
    } finally {
      await this.disconnect();
    }
  }

  /** Disconnects without sending what is queued (after a failure or an interrupt). */
  async disconnect(): Promise<void> {
    await withTimeout(this.producer.disconnect(), CONNECT_TIMEOUT_MS, 'Kafka disconnect').catch(
      () => undefined,
    );
  }
}
