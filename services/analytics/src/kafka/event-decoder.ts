import { DecodeError, type EventSerde } from '@orderflow/contracts';
import type { KafkaMessage } from 'kafkajs';
import {
  InvalidEventError,
  orderFinishedEffects,
  refundProcessedEffects,
  type EventEffects,
} from '../domain/event-effects';

/** The topics analytics consumes (logical names; the physical ones carry TOPIC_PREFIX). */
export const CONSUMED_TOPICS = ['orders.finished', 'refunds.processed'] as const;
export type ConsumedTopic = (typeof CONSUMED_TOPICS)[number];

export type DecodedMessage =
  | { ok: true; message: KafkaMessage; effects: EventEffects }
  | { ok: false; message: KafkaMessage; error: Error; code: string };

/** A message that can never be applied: not decodable, or not a usable event. */
function isPoison(error: unknown): error is DecodeError | InvalidEventError {
  return error instanceof DecodeError || error instanceof InvalidEventError;
}

/**
 * Raw Kafka messages -> event effects. Undecodable or invalid events come back as failures to
 * dead-letter; anything else that goes wrong (the registry unreachable) is thrown, so the caller retries
 * the batch instead of losing a good event.
 */
export class EventDecoder {
  constructor(
    private readonly serde: EventSerde,
    private readonly topicPrefix: string,
  ) {}

  physicalTopics(): string[] {
    return CONSUMED_TOPICS.map((topic) => `${this.topicPrefix}${topic}`);
  }

  logicalTopic(physical: string): ConsumedTopic | undefined {
    const logical = physical.slice(this.topicPrefix.length);
    return (CONSUMED_TOPICS as readonly string[]).includes(logical) ? (logical as ConsumedTopic) : undefined;
  }

  async decodeAll(physicalTopic: string, messages: KafkaMessage[]): Promise<DecodedMessage[]> {
    const topic = this.logicalTopic(physicalTopic);
    return Promise.all(
      messages.map(async (message): Promise<DecodedMessage> => {
        try {
          if (!topic) throw new InvalidEventError(`not a consumed topic: ${physicalTopic}`);
          if (!message.value) throw new InvalidEventError('message has no value');
          const effects =
            topic === 'orders.finished'
              ? orderFinishedEffects(await this.serde.decode('orders.finished', message.value))
              : refundProcessedEffects(await this.serde.decode('refunds.processed', message.value));
          return { ok: true, message, effects };
        } catch (error) {
          if (!isPoison(error)) throw error;
          return { ok: false, message, error, code: error.code };
        }
      }),
    );
  }
}
