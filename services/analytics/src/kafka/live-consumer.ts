import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { errorMessage, type Logger, type RuntimeMetrics } from '@orderflow/runtime';
import type { EventEffects } from '../domain/event-effects';
import type { AnalyticsStore } from '../redis/analytics.store';
import { isNoGeneration } from '../redis/lua-script';
import { backoff, DEFAULT_RETRY, retryDelay, type RetryPolicy } from './batch-retry';
import type { DeadLetter, DeadLetterProducer } from './dead-letter.producer';
import type { DecodedMessage, EventDecoder } from './event-decoder';

export interface LiveConsumerOptions {
  kafka: Kafka;
  groupId: string;
  decoder: EventDecoder;
  store: AnalyticsStore;
  deadLetters: DeadLetterProducer;
  logger: Logger;
  metrics?: RuntimeMetrics;
  sessionTimeoutMs: number;
  retry?: RetryPolicy;
  /** Redis holds no generation to write to: the data is gone and a rebuild is needed. */
  onNoGeneration?: () => void;
}

export interface LiveConsumerStatus {
  running: boolean;
  joined: boolean;
  crashed?: string;
  lastBatchAt?: string;
  retrying?: string;
}

/**
 * Consumes orders.finished and refunds.processed into Redis. Per partition batch: decode everything,
 * apply the good events with one script call (each event id at most once), dead-letter the bad ones,
 * and only then commit the offset. A failure of Redis, the registry or the DLQ retries the whole batch
 * with backoff for as long as it takes; nothing is skipped.
 */
export class LiveConsumer {
  private consumer: Consumer | undefined;
  private state: LiveConsumerStatus = { running: false, joined: false };
  private readonly log: Logger;

  constructor(private readonly options: LiveConsumerOptions) {
    this.log = options.logger.child({ component: 'live-consumer', group: options.groupId });
  }

  status(): LiveConsumerStatus {
    return { ...this.state };
  }

  async start(): Promise<void> {
    const { sessionTimeoutMs } = this.options;
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: Math.max(1000, Math.floor(sessionTimeoutMs / 10)),
      maxBytesPerPartition: 1_048_576,
      maxWaitTimeInMs: 500,
      retry: { retries: 10 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.state = { ...this.state, joined: true };
      this.log.info({ assignment: event.payload.memberAssignment }, 'joined consumer group');
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.state = { ...this.state, joined: false, crashed: errorMessage(event.payload.error) };
      this.log.error({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
    });
    consumer.on(consumer.events.STOP, () => {
      this.state = { ...this.state, running: false, joined: false };
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.options.decoder.physicalTopics(), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.state = { ...this.state, running: true, crashed: undefined };
  }

  /** Lets the batch in flight finish and commit its offset, then leaves the group. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.state = { ...this.state, running: false, joined: false };
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.isEmpty()) return;
    const started = process.hrtime.bigint();
    const metrics = this.options.metrics;
    const labels = { topic: batch.topic };
    const lastOffset = batch.lastOffset();
    let decoded: DecodedMessage[] | undefined;
    let applied: number | undefined;
    let deadLettered = false;
    for (let attempt = 0; ; attempt++) {
      if (!payload.isRunning() || payload.isStale()) return;
      try {
        decoded ??= await this.options.decoder.decodeAll(batch.topic, batch.messages);
        const effects: EventEffects[] = [];
        const letters: DeadLetter[] = [];
        for (const item of decoded) {
          if (item.ok) effects.push(item.effects);
          else letters.push({ topic: batch.topic, partition: batch.partition, ...item });
        }
        // A retry after the script succeeded re-runs it harmlessly: every id is known by then.
        applied ??= await this.options.store.apply(effects, { kind: 'live' });
        if (!deadLettered && letters.length > 0) {
          for (const letter of letters) {
            this.log.warn(
              {
                err: letter.error,
                partition: batch.partition,
                offset: letter.message.offset,
                code: letter.code,
              },
              'dead-lettering message',
            );
          }
          await this.options.deadLetters.send(letters);
          deadLettered = true;
          metrics?.eventsDeadLettered.inc(labels, letters.length);
        }
        metrics?.eventsProcessed.inc(labels, applied);
        if (effects.length > applied) metrics?.eventsDuplicate.inc(labels, effects.length - applied);
        this.state.retrying = undefined;
        break;
      } catch (error) {
        if (isNoGeneration(error)) this.options.onNoGeneration?.();
        metrics?.eventsFailed.inc({ ...labels, reason: 'transient' });
        metrics?.batchRetries.inc(labels);
        const delayMs = retryDelay(attempt, this.options.retry ?? DEFAULT_RETRY);
        this.state.retrying = errorMessage(error);
        this.log.warn(
          { err: error, topic: batch.topic, partition: batch.partition, attempt, delayMs },
          'batch failed; retrying',
        );
        await backoff(payload, delayMs);
      }
    }
    payload.resolveOffset(lastOffset);
    // Explicit offsets through the batch payload: consumer.commitOffsets does nothing once stop() has
    // begun, and the batch stop() waits for must still commit.
    await payload.commitOffsetsIfNecessary({
      topics: [
        {
          topic: batch.topic,
          partitions: [{ partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() }],
        },
      ],
    });
    await payload.heartbeat();
    this.state.lastBatchAt = new Date().toISOString();
    metrics?.batchDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    const lag = Number(BigInt(batch.highWatermark) - BigInt(lastOffset) - 1n);
    metrics?.consumerLag.set({ ...labels, partition: String(batch.partition) }, Math.max(0, lag));
  }
}
