import { Partitioners, type IHeaders, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';

export interface DeadLetter {
  /** Physical topic the message came from. */
  topic: string;
  partition: number;
  message: KafkaMessage;
  code: string;
  error: Error;
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}

/**
 * Sends messages that can never be applied to `dlq.analytics`, with the headers the runtime's consumer
 * uses (origin topic/partition/offset, error code and message, service, time) and the original key,
 * value and headers. Analytics has no outbox, so it produces directly, before the offset is committed:
 * a crash in between sends a dead letter twice, never loses one.
 */
export class DeadLetterProducer {
  private producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    /** Physical DLQ topic (TOPIC_PREFIX included). */
    readonly topic: string,
    private readonly service: string,
  ) {}

  async start(): Promise<void> {
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Java-compatible murmur2, like every other producer here: a dead letter keeps its key's partition.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  async send(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    if (!this.producer) throw new Error('dead-letter producer is not started');
    const failedAt = new Date().toISOString();
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: letters.map((letter) => ({
        key: letter.message.key ?? null,
        value: letter.message.value ?? null,
        headers: {
          ...headerStrings(letter.message.headers),
          'x-dlq-origin-topic': letter.topic,
          'x-dlq-origin-partition': String(letter.partition),
          'x-dlq-origin-offset': letter.message.offset,
          'x-dlq-service': this.service,
          'x-dlq-error-code': letter.code,
          'x-dlq-error-message': letter.error.message.slice(0, 1000),
          'x-dlq-failed-at': failedAt,
        },
      })),
    });
  }
}
