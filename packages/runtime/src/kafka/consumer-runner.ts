import type { Pool, PoolClient } from 'pg';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { withTransaction, quoteIdent } from '../db/pool';
import { classifyError, errorCode, errorMessage } from '../errors';
import type { RuntimeMetrics } from '../metrics';
import { eventLogger } from '../logger';
import { writeOutbox, type OutboxMessage } from './outbox';

export interface ConsumedEvent<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: T;
  eventId: string;
  headers: Record<string, string>;
  /** Broker timestamp of the message, epoch millis. */
  timestamp: number;
}

export interface HandlerContext {
  /** The batch transaction: everything written through it commits with the inbox rows. */
  tx: PoolClient;
  log: Logger;
  /** Queues an outgoing message in the outbox, committed with this event's state change. */
  publish(message: OutboxMessage): void;
}

export interface TopicHandler<T = unknown> {
  topic: string;
  /** Turns the raw value into an event; throwing dead-letters the message. */
  decode(value: Buffer): Promise<T>;
  /** The event's id, the inbox key that makes redelivery harmless. */
  eventId(event: T): string;
  /** Used for log context. */
  orderId?(event: T): string | null;
  handle(ctx: HandlerContext, event: ConsumedEvent<T>): Promise<void>;
}

export interface ConsumerRunnerOptions {
  service: string;
  kafka: Kafka;
  pool: Pool;
  /** Postgres schema holding this service's inbox and outbox. */
  schema: string;
  logger: Logger;
  metrics?: RuntimeMetrics;
  handlers: TopicHandler<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  groupId?: string;
  dlqTopic?: string;
  /** Physical topic = prefix + logical topic for consumed topics (see TOPIC_PREFIX). */
  topicPrefix?: string;
  /** Called after the outbox gained rows, so a relay can publish at once. */
  onOutboxWrite?: () => void;
  /** Unknown (unclassified) errors are retried this many times before the message is dead-lettered. */
  maxUnknownAttempts?: number;
  retry?: { initialMs?: number; maxMs?: number };
  sessionTimeoutMs?: number;
  partitionsConsumedConcurrently?: number;
  maxBytesPerPartition?: number;
  fromBeginning?: boolean;
  /** The consumer crashed in a way kafkajs will not recover from: the process should exit. */
  onFatal?: (error: unknown) => void;
  /** Fault injection for tests: runs after the batch transaction committed, before the offset commit. */
  afterDbCommit?: (info: { topic: string; partition: number; lastOffset: string }) => Promise<void> | void;
}

interface Item {
  message: KafkaMessage;
  partition: number;
  inboxId: string;
  event?: ConsumedEvent<unknown>;
  decodeError?: unknown;
}

export interface ConsumerStatus {
  running: boolean;
  joined: boolean;
  crashed?: string;
  lastBatchAt?: string;
  memberId?: string;
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

class RetryBatch extends Error {}

/**
 * Effectively-once consumption: per partition batch, one Postgres transaction records every event id in
 * the inbox (a conflict means a redelivery: skipped), applies the handlers and writes their outgoing
 * events, plus any dead letters, to the outbox. Offsets are committed only after that transaction.
 *
 * Failures: transient errors roll back and retry the whole batch with backoff for as long as it takes;
 * a permanent error re-runs the batch with a savepoint per message, so only the bad message is rolled
 * back and dead-lettered (through the outbox, atomically with the rest) while the partition moves on.
 */
export class ConsumerRunner {
  private consumer: Consumer | undefined;
  private readonly handlers = new Map<string, TopicHandler<unknown>>();
  private readonly log: Logger;
  private readonly dlqTopic: string;
  private state: ConsumerStatus = { running: false, joined: false };
  private stopping = false;

  constructor(private readonly options: ConsumerRunnerOptions) {
    for (const handler of options.handlers)
      this.handlers.set(handler.topic, handler as TopicHandler<unknown>);
    this.log = options.logger.child({ component: 'consumer', group: this.groupId });
    // Logical name: the outbox relay adds the prefix, as for every other outgoing topic.
    this.dlqTopic = options.dlqTopic ?? `dlq.${options.service}`;
  }

  get groupId(): string {
    return this.options.groupId ?? this.options.service;
  }

  status(): ConsumerStatus {
    return { ...this.state };
  }

  async start(): Promise<void> {
    const consumer = this.options.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.max(1000, Math.floor((this.options.sessionTimeoutMs ?? 30_000) / 10)),
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: 500,
      retry: { retries: 10 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.state = { ...this.state, joined: true, memberId: event.payload.memberId };
      this.log.info({ assignment: event.payload.memberAssignment }, 'joined consumer group');
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      this.state = { ...this.state, joined: false, crashed: errorMessage(error) };
      this.log.error({ err: error, restart }, 'consumer crashed');
      if (!restart && !this.stopping) this.options.onFatal?.(error);
    });
    consumer.on(consumer.events.STOP, () => {
      this.state = { ...this.state, running: false, joined: false };
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: [...this.handlers.keys()].map((topic) => `${this.options.topicPrefix ?? ''}${topic}`),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.state = { ...this.state, running: true, crashed: undefined } as ConsumerStatus;
  }

  /** Lets the batch in flight finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect();
    this.state = { ...this.state, running: false, joined: false };
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.isEmpty()) return;
    const handler = this.handlers.get(batch.topic.slice((this.options.topicPrefix ?? '').length));
    if (!handler) return;
    const started = process.hrtime.bigint();
    let items: Item[] | undefined;
    const lastOffset = batch.lastOffset();
    const retry = {
      initialMs: this.options.retry?.initialMs ?? 200,
      maxMs: this.options.retry?.maxMs ?? 10_000,
    };
    const maxUnknown = this.options.maxUnknownAttempts ?? 5;
    let isolate = false;
    let unknownFailures = 0;
    for (let attempt = 0; ; attempt++) {
      if (!payload.isRunning() || payload.isStale()) return;
      try {
        items ??= await this.decodeAll(handler, batch.topic, batch.partition, batch.messages);
        const wroteOutbox = await this.applyBatch(
          handler,
          batch.topic,
          items,
          isolate,
          unknownFailures >= maxUnknown,
        );
        if (wroteOutbox) this.options.onOutboxWrite?.();
        break;
      } catch (error) {
        const kind = error instanceof RetryBatch ? 'permanent' : classifyError(error);
        this.options.metrics?.eventsFailed.inc({ topic: batch.topic, reason: kind });
        if (kind === 'permanent' && !isolate) {
          // Find the bad message without losing the good ones: same batch, one savepoint per message.
          isolate = true;
          continue;
        }
        if (kind === 'unknown') unknownFailures++;
        this.options.metrics?.batchRetries.inc({ topic: batch.topic });
        const delay = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(attempt, 16));
        this.log.warn(
          { err: error, topic: batch.topic, partition: batch.partition, attempt, delayMs: delay, kind },
          'batch failed; retrying',
        );
        if (unknownFailures >= maxUnknown) isolate = true;
        await this.backoff(payload, delay);
      }
    }
    await this.options.afterDbCommit?.({ topic: batch.topic, partition: batch.partition, lastOffset });
    payload.resolveOffset(lastOffset);
    // Through the batch payload, not consumer.commitOffsets: the latter silently does nothing once stop()
    // has begun, and the batch that stop() waits for must still get its offsets committed.
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
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.options.metrics?.batchDuration.observe({ topic: batch.topic }, seconds);
    const lag = Number(BigInt(batch.highWatermark) - BigInt(lastOffset) - 1n);
    this.options.metrics?.consumerLag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, lag),
    );
  }

  private async backoff(payload: EachBatchPayload, delayMs: number): Promise<void> {
    const deadline = Date.now() + delayMs;
    while (Date.now() < deadline && payload.isRunning() && !payload.isStale()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, deadline - Date.now())));
      // Keep the group membership alive while waiting out a long outage.
      await payload.heartbeat().catch(() => undefined);
    }
  }

  private async decodeAll(
    handler: TopicHandler<unknown>,
    topic: string,
    partition: number,
    messages: KafkaMessage[],
  ): Promise<Item[]> {
    return Promise.all(
      messages.map(async (message): Promise<Item> => {
        // A message without a decodable id still needs a stable inbox key so its dead letter is written once.
        const fallbackId = `${topic}:${partition}:${message.offset}`;
        try {
          if (!message.value) throw new Error('message has no value');
          const value = await handler.decode(message.value);
          const eventId = handler.eventId(value);
          if (!eventId) throw new Error('event has no event_id');
          return {
            message,
            partition,
            inboxId: eventId,
            event: {
              topic,
              partition,
              offset: message.offset,
              key: message.key ? message.key.toString('utf8') : null,
              value,
              eventId,
              headers: headerStrings(message.headers),
              timestamp: Number(message.timestamp),
            },
          };
        } catch (error) {
          // A registry that is down is not a bad message: retry the batch. Anything else cannot be read.
          if (classifyError(error) === 'transient') throw error;
          return { message, partition, inboxId: fallbackId, decodeError: error };
        }
      }),
    );
  }

  /** One transaction for the batch. Returns whether anything was written to the outbox. */
  private async applyBatch(
    handler: TopicHandler<unknown>,
    /** The physical topic (prefix included): what the inbox and dead letters record as the origin. */
    topic: string,
    items: Item[],
    isolate: boolean,
    deadLetterUnknown: boolean,
  ): Promise<boolean> {
    const schema = quoteIdent(this.options.schema);
    return withTransaction(this.options.pool, async (tx) => {
      const { rows } = await tx.query<{ event_id: string }>(
        `INSERT INTO ${schema}.inbox (event_id, topic, partition, "offset")
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[])
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [
          items.map((i) => i.inboxId),
          items.map(() => topic),
          items.map((i) => i.partition),
          items.map((i) => i.message.offset),
        ],
      );
      const fresh = new Set(rows.map((r) => r.event_id));
      const outgoing: OutboxMessage[] = [];
      const deadLettered: string[] = [];
      let processed = 0;
      let duplicates = 0;
      for (const item of items) {
        // `fresh` holds each new id once, so a second copy inside the same batch is a duplicate too.
        if (!fresh.delete(item.inboxId)) {
          duplicates++;
          continue;
        }
        if (item.decodeError !== undefined || !item.event) {
          outgoing.push(this.deadLetter(item, topic, item.decodeError, 'UNDECODABLE'));
          deadLettered.push(item.inboxId);
          continue;
        }
        const event = item.event;
        const log = eventLogger(this.log, {
          eventId: event.eventId,
          orderId: handler.orderId?.(event.value) ?? event.key,
          topic,
        });
        const produced: OutboxMessage[] = [];
        const ctx: HandlerContext = { tx, log, publish: (message) => produced.push(message) };
        if (isolate) await tx.query('SAVEPOINT consumer_item');
        try {
          await handler.handle(ctx, event);
          if (isolate) await tx.query('RELEASE SAVEPOINT consumer_item');
          outgoing.push(...produced);
          processed++;
        } catch (error) {
          const kind = classifyError(error);
          const permanent = kind === 'permanent' || (kind === 'unknown' && deadLetterUnknown);
          if (!isolate) throw permanent ? new RetryBatch(errorMessage(error), { cause: error }) : error;
          if (!permanent) throw error;
          await tx.query('ROLLBACK TO SAVEPOINT consumer_item');
          log.warn({ err: error }, 'dead-lettering message');
          outgoing.push(this.deadLetter(item, topic, error, errorCode(error)));
          deadLettered.push(item.inboxId);
        }
      }
      if (deadLettered.length > 0) {
        await tx.query(
          `UPDATE ${schema}.inbox SET outcome = 'DEAD_LETTERED' WHERE event_id = ANY($1::text[])`,
          [deadLettered],
        );
      }
      await writeOutbox(tx, this.options.schema, outgoing);
      this.options.metrics?.eventsProcessed.inc({ topic }, processed);
      if (duplicates > 0) this.options.metrics?.eventsDuplicate.inc({ topic }, duplicates);
      if (deadLettered.length > 0)
        this.options.metrics?.eventsDeadLettered.inc({ topic }, deadLettered.length);
      return outgoing.length > 0;
    });
  }

  private deadLetter(item: Item, topic: string, error: unknown, code: string): OutboxMessage {
    const original = headerStrings(item.message.headers);
    return {
      topic: this.dlqTopic,
      key: item.message.key ? item.message.key.toString('utf8') : null,
      value: item.message.value ?? null,
      eventId: item.event?.eventId ?? item.inboxId,
      headers: {
        ...original,
        'x-dlq-origin-topic': topic,
        'x-dlq-origin-partition': String(item.partition),
        'x-dlq-origin-offset': item.message.offset,
        'x-dlq-service': this.options.service,
        'x-dlq-error-code': code,
        'x-dlq-error-message': errorMessage(error).slice(0, 1000),
        'x-dlq-failed-at': new Date().toISOString(),
      },
    };
  }
}

/**
 * A handler for a topic whose values carry the standard envelope (`event_id`, and `order_id` on
 * order-flow topics): the id and log context come from the envelope, decoding from the caller.
 */
export function eventHandler<V extends { event_id: string; order_id?: string }>(
  topic: string,
  decode: (value: Buffer) => Promise<V>,
  handle: (ctx: HandlerContext, event: ConsumedEvent<V>) => Promise<void>,
): TopicHandler<V> {
  return {
    topic,
    decode,
    eventId: (event) => event.event_id,
    orderId: (event) => event.order_id ?? null,
    handle,
  };
}
