import { connect as tcpConnect } from 'node:net';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { keyOf, type EventSerde, type TopicName, type TopicValue } from '@orderflow/contracts';
import { FatalError } from '../fatal-error';
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
}

export const DEFAULT_BATCH_SIZE = 1000;
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
 * At most one batch is in flight while the next one fills: the caller awaits `flush()` when `add()` says
 * the batch is full, which holds the CSV stream back while Kafka catches up, so memory stays flat.
 */
export class EventPublisher<T extends TopicName> {
  /** Encoded as soon as added: the batch holds views of shared buffers instead of event object graphs,
   * which would outlive young-generation GCs while the batch fills and pile up in the old generation. */
  private batch: { key: string; value: Buffer }[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private sentCount = 0;
  private readonly batchSize: number;

  private constructor(
    private readonly options: PublisherOptions<T>,
    private readonly producer: Producer,
    private readonly encoder: WireEncoder<T>,
  ) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
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
      createPartitioner: Partitioners.DefaultPartitioner,
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
    this.batch.push({ key: keyOf(this.options.topic, value), value: this.encoder.encode(value) });
    return this.batch.length >= this.batchSize;
  }

  /** Waits for the batch before, then sends the queued events without waiting. */
  async flush(): Promise<void> {
    if (this.batch.length === 0) return this.inFlight;
    const messages = this.batch;
    this.batch = [];
    const { physicalTopic } = this.options;
    await this.inFlight;
    const sending = this.producer
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
      );
    // Surfaces at the next flush or close; this only keeps Node from calling it unhandled meanwhile.
    sending.catch(() => undefined);
    this.inFlight = sending;
  }

  /** Sends what is queued, waits for every batch, and disconnects. */
  async close(): Promise<void> {
    try {
      await this.flush();
      await this.inFlight;
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
