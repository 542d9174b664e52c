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
  /**
   * Optional: applies all the new events of a batch at once (in offset order, duplicates and undecodable
   * messages left out), for multi-row SQL. Used instead of `handle` when the batch is applied as a whole;
   * when a permanent error makes the runner re-run the batch message by message to find the bad one,
   * `handle` is called for each event. So both must give the same result.
   */
  handleBatch?(ctx: HandlerContext, events: ConsumedEvent<T>[]): Promise<void>;
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
  /**
   * Partitions whose batches are applied at the same time, each in its own transaction (default
   * DEFAULT_PARTITION_CONCURRENCY). Batches of one partition never overlap, so per-key order holds;
   * handlers already face concurrent transactions from a second instance in the group.
   */
  partitionsConsumedConcurrently?: number;
  maxBytesPerPartition?: number;
  fromBeginning?: boolean;
  /**
   * The consumer could not be brought back: recreating it failed `maxRecreateFailures` times in a row.
   * The process should exit so its supervisor starts it again.
   */
  onFatal?: (error: unknown) => void;
  /**
   * Self-healing. A consumer that crashed and is not running again after `crashedMs` (kafkajs gave up,
   * or said it would restart and did not), or whose fetch loop has been silent for `stalledMs` outside a
   * batch, is disconnected and replaced by a new one. Defaults: 15 s, 60 s, checked every 5 s.
   */
  watchdog?: { crashedMs?: number; stalledMs?: number; intervalMs?: number; maxRecreateFailures?: number };
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
  /** How many times the watchdog replaced a crashed or stalled consumer. */
  recreations?: number;
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
 * Partition batches applied at once. One at a time left a service mostly waiting on round trips when
 * batches are small (a steady feed): at 500 orders/s the orders service fell behind while 85 % idle.
 * Overlapping partitions in separate transactions is safe: batches of one partition never overlap, and
 * handlers already face concurrent transactions from a second instance in the group.
 */
export const DEFAULT_PARTITION_CONCURRENCY = 6;

/**
 * Set by `npm run dlq -- replay <service>` on a dead letter it sends back to its origin topic: the name of
 * the service whose dead letter it is. That service's inbox holds the event as DEAD_LETTERED, and for it
 * alone the replayed copy counts as new; every other consumer of the topic still sees a duplicate.
 */
export const DLQ_REPLAY_HEADER = 'x-dlq-replay-for';

function headerValue(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

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
  /** Last sign of life of the fetch loop (a fetch started, a group joined, a batch ended). */
  private lastActivityAt = Date.now();
  private crashedAt: number | undefined;
  private batchesInFlight = 0;
  private readonly drainWaiters: (() => void)[] = [];
  private watchdogTimer: NodeJS.Timeout | undefined;
  private recreating: Promise<void> | undefined;
  private recreateFailures = 0;
  private recreations = 0;

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
    return { ...this.state, ...(this.recreations > 0 ? { recreations: this.recreations } : {}) };
  }

  async start(): Promise<void> {
    this.stopping = false;
    await this.createConsumer();
    const every = this.options.watchdog?.intervalMs ?? 5000;
    this.watchdogTimer = setInterval(() => this.checkHealth(), every);
    this.watchdogTimer.unref();
  }

  /** Lets the batch in flight finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.watchdogTimer);
    await this.recreating?.catch(() => undefined);
    const consumer = this.consumer;
    // No longer current: should a restart kafkajs had already begun still get going, it is retired at once.
    this.consumer = undefined;
    // Batches already being applied finish and commit their offsets first; none starts from here on. With
    // several partitions in flight, kafkajs' disconnect() does not wait for all of them: a batch still
    // committing would find its connection closed.
    await this.batchesDrained(30_000);
    await consumer?.disconnect();
    this.state = { ...this.state, running: false, joined: false };
  }

  private checkHealth(): void {
    if (this.stopping || this.recreating || !this.consumer) return;
    const now = Date.now();
    const crashedMs = this.options.watchdog?.crashedMs ?? 15_000;
    const stalledMs = this.options.watchdog?.stalledMs ?? 60_000;
    if (this.crashedAt !== undefined && now - this.crashedAt > crashedMs) {
      this.recreate(`crashed ${Math.round((now - this.crashedAt) / 1000)} s ago and not running again`);
    } else if (this.batchesInFlight === 0 && now - this.lastActivityAt > stalledMs) {
      this.recreate(`no fetch for ${Math.round((now - this.lastActivityAt) / 1000)} s`);
    }
  }

  /** Replaces the consumer: the old one leaves (its batch in flight commits first), a new one joins. */
  private recreate(reason: string): void {
    this.log.warn({ reason }, 'consumer unhealthy; replacing it');
    this.options.metrics?.consumerRecreations.inc();
    this.recreations++;
    const old = this.consumer;
    this.consumer = undefined;
    this.recreating = (async () => {
      // Bounded: with the broker gone, leaving the group can hang in retries; the new consumer takes over
      // the old one's partitions after its session times out either way.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        old?.disconnect(),
        new Promise((resolve) => {
          timer = setTimeout(resolve, 30_000);
        }),
      ])
        .catch((error: unknown) => this.log.warn({ err: error }, 'disconnecting the old consumer failed'))
        .finally(() => clearTimeout(timer));
      if (this.stopping) return;
      try {
        await this.createConsumer();
        this.recreateFailures = 0;
      } catch (error) {
        this.recreateFailures++;
        this.crashedAt = Date.now();
        this.state = { ...this.state, running: false, joined: false, crashed: errorMessage(error) };
        this.log.error({ err: error, failures: this.recreateFailures }, 'starting a new consumer failed');
        if (this.recreateFailures >= (this.options.watchdog?.maxRecreateFailures ?? 10))
          this.options.onFatal?.(error);
      }
    })().finally(() => {
      this.recreating = undefined;
    });
  }

  private async createConsumer(): Promise<void> {
    const consumer = this.options.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.max(1000, Math.floor((this.options.sessionTimeoutMs ?? 30_000) / 10)),
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: 500,
      // A consumer that was replaced or stopped is not restarted by kafkajs after its next crash.
      retry: { retries: 10, restartOnFailure: async () => current() && !this.stopping },
    });
    this.consumer = consumer;
    this.lastActivityAt = Date.now();
    this.crashedAt = undefined;
    // Events of a consumer that has been replaced say nothing about the current one.
    const current = (): boolean => this.consumer === consumer;
    let retired = false;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (!current()) return;
      this.lastActivityAt = Date.now();
      this.crashedAt = undefined;
      this.state = { ...this.state, running: true, joined: true, memberId: event.payload.memberId };
      this.state.crashed = undefined;
      this.log.info({ assignment: event.payload.memberAssignment }, 'joined consumer group');
    });
    consumer.on(consumer.events.FETCH_START, () => {
      if (current()) {
        this.lastActivityAt = Date.now();
        return;
      }
      // A replaced or stopped consumer fetching again: kafkajs ignores disconnect() while a restart after a
      // crash is still connecting (its runner is not running yet, the restart timer already fired), so that
      // restart goes on and joins the group unseen. Its first fetch is the first moment it can be stopped.
      if (retired) return;
      retired = true;
      this.log.warn('a replaced consumer restarted by kafkajs; disconnecting it');
      consumer
        .disconnect()
        .catch((error: unknown) => this.log.warn({ err: error }, 'disconnecting a replaced consumer failed'));
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!current()) return;
      const { error, restart } = event.payload;
      // Since the first crash: kafkajs can crash and restart every few hundred ms without ever joining
      // (coordinator loading, not found); each crash must not push the watchdog's deadline back.
      this.crashedAt ??= Date.now();
      this.state = { ...this.state, joined: false, crashed: errorMessage(error) };
      this.log.error({ err: error, restart }, 'consumer crashed');
      // kafkajs will not restart it: replace it now rather than wait for the watchdog.
      if (!restart && !this.stopping) this.recreate(`crashed: ${errorMessage(error)}`);
    });
    consumer.on(consumer.events.STOP, () => {
      if (current()) this.state = { ...this.state, running: false, joined: false };
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: [...this.handlers.keys()].map((topic) => `${this.options.topicPrefix ?? ''}${topic}`),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently:
        this.options.partitionsConsumedConcurrently ?? DEFAULT_PARTITION_CONCURRENCY,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.state = { ...this.state, running: true, crashed: undefined } as ConsumerStatus;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    // Stopping: left uncommitted, for whoever takes the partition next.
    if (this.stopping) return;
    this.batchesInFlight++;
    try {
      await this.applyAndCommit(payload);
    } finally {
      this.batchesInFlight--;
      this.lastActivityAt = Date.now();
      if (this.batchesInFlight === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  /** Resolves once no batch is being applied, or after `timeoutMs`. */
  private async batchesDrained(timeoutMs: number): Promise<void> {
    if (this.batchesInFlight === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.drainWaiters.push(resolve);
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
  }

  private async applyAndCommit(payload: EachBatchPayload): Promise<void> {
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
      for (const id of await this.reclaimReplays(tx, topic, items, fresh)) fresh.add(id);
      const outgoing: OutboxMessage[] = [];
      const deadLettered: string[] = [];
      let processed = 0;
      let duplicates = 0;
      // With a batch handler (and not isolating a bad message): the new events are collected, then applied
      // by one call. A failure fails the whole batch, as a failing `handle` does.
      const batched: ConsumedEvent<unknown>[] | undefined = handler.handleBatch && !isolate ? [] : undefined;
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
        if (batched) {
          batched.push(event);
          continue;
        }
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
      if (batched && batched.length > 0) {
        const ctx: HandlerContext = {
          tx,
          log: eventLogger(this.log, { topic }),
          publish: (message) => outgoing.push(message),
        };
        try {
          await handler.handleBatch!(ctx, batched);
        } catch (error) {
          const kind = classifyError(error);
          const permanent = kind === 'permanent' || (kind === 'unknown' && deadLetterUnknown);
          throw permanent ? new RetryBatch(errorMessage(error), { cause: error }) : error;
        }
        processed += batched.length;
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

  /**
   * Replayed dead letters of this service whose inbox row still says DEAD_LETTERED: the row is taken over
   * by the replayed copy (its offset recorded, outcome reset) and the event is processed again in this
   * transaction. A redelivery of that same copy after it failed again is not: the row already points at
   * it. Returns the reclaimed event ids.
   */
  private async reclaimReplays(
    tx: PoolClient,
    topic: string,
    items: Item[],
    fresh: ReadonlySet<string>,
  ): Promise<string[]> {
    const replays = items.filter(
      (item) =>
        !fresh.has(item.inboxId) &&
        headerValue(item.message.headers, DLQ_REPLAY_HEADER) === this.options.service,
    );
    if (replays.length === 0) return [];
    const { rows } = await tx.query<{ event_id: string }>(
      `UPDATE ${quoteIdent(this.options.schema)}.inbox AS inbox
         SET outcome = 'PROCESSED', topic = $1, partition = r.partition, "offset" = r."offset",
             received_at = now()
       FROM unnest($2::text[], $3::int[], $4::bigint[]) AS r(event_id, partition, "offset")
       WHERE inbox.event_id = r.event_id AND inbox.outcome = 'DEAD_LETTERED'
         AND (inbox.topic, inbox.partition, inbox."offset") IS DISTINCT FROM ($1, r.partition, r."offset")
       RETURNING inbox.event_id`,
      [
        topic,
        replays.map((i) => i.inboxId),
        replays.map((i) => i.partition),
        replays.map((i) => i.message.offset),
      ],
    );
    if (rows.length > 0)
      this.log.info(
        { topic, eventIds: rows.map((r) => r.event_id) },
        'processing replayed dead letters again',
      );
    return rows.map((r) => r.event_id);
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

/**
 * Like `eventHandler`, for a handler written once for a list of events: the runner's batch path hands it
 * the whole batch (one round of multi-row SQL), the message-by-message path it falls back to when
 * isolating a bad message, a list of one. `logFor` gives each event's logger: on the batch path a child
 * bound to the event's ids, on the other the runner's own (already bound).
 */
export function batchEventHandler<V extends { event_id: string; order_id?: string }>(
  topic: string,
  decode: (value: Buffer) => Promise<V>,
  apply: (
    ctx: HandlerContext,
    events: readonly ConsumedEvent<V>[],
    logFor: (event: ConsumedEvent<V>) => Logger,
  ) => Promise<void>,
): TopicHandler<V> {
  return {
    ...eventHandler(topic, decode, (ctx, event) => apply(ctx, [event], () => ctx.log)),
    handleBatch: (ctx, events) =>
      apply(ctx, events, (event) =>
        eventLogger(ctx.log, { eventId: event.value.event_id, orderId: event.value.order_id }),
      ),
  };
}
