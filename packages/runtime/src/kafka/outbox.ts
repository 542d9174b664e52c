import type { Pool, PoolClient } from 'pg';
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { RuntimeMetrics } from '../metrics';
import { quoteIdent } from '../db/pool';

export interface OutboxMessage {
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers?: Record<string, string>;
  eventId?: string;
}

/** Channel the relay listens on; NOTIFY inside the writing transaction fires at commit. */
export function outboxChannel(schema: string): string {
  return `${schema}_outbox`;
}

/**
 * Writes messages to the service's outbox, inside the caller's transaction, and queues the relay's
 * notification (delivered at commit): one round trip, whatever the number of messages.
 */
export async function writeOutbox(
  client: PoolClient,
  schema: string,
  messages: OutboxMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  await client.query(
    `WITH written AS (
       INSERT INTO ${quoteIdent(schema)}.outbox (topic, message_key, value, headers, event_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::jsonb[], $5::text[])
     )
     SELECT pg_notify($6, '')`,
    [
      messages.map((m) => m.topic),
      messages.map((m) => m.key),
      messages.map((m) => m.value),
      messages.map((m) => JSON.stringify(m.headers ?? {})),
      messages.map((m) => m.eventId ?? null),
      outboxChannel(schema),
    ],
  );
}

export interface OutboxRelayOptions {
  pool: Pool;
  kafka: Kafka;
  schema: string;
  logger: Logger;
  metrics?: RuntimeMetrics;
  batchSize?: number;
  /** Prepended to every row's topic when publishing (see TOPIC_PREFIX); rows hold logical names. */
  topicPrefix?: string;
  /** Fallback poll when no notification arrives (another instance wrote, or a NOTIFY was lost). */
  pollIntervalMs?: number;
  /** A relay that doesn't hold the leader lock checks again this often. */
  standbyIntervalMs?: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Publishes outbox rows in id order with an idempotent producer, then deletes them. Exactly one relay per
 * schema publishes at a time (a session advisory lock): two relays taking rows side by side could send a
 * later event of an order before an earlier one. A crash between send and delete republishes rows,
 * which consumers' inboxes recognise by event id.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly standbyIntervalMs: number;
  private readonly log: Logger;
  private producer: Producer | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  private leader = false;
  private lastError: string | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 1000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.standbyIntervalMs = options.standbyIntervalMs ?? 2000;
    this.log = options.logger.child({ component: 'outbox-relay' });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.producer = this.options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
    this.running = true;
    this.loop = this.run();
  }

  /** Nudges the relay after a local commit so it doesn't wait for the poll. */
  notify(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  status(): { running: boolean; leader: boolean; lastError?: string } {
    return {
      running: this.running,
      leader: this.leader,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** Publishes what is left (bounded by `drainTimeoutMs`), releases leadership, closes the producer. */
  async stop(drainTimeoutMs = 5000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.producer) {
      await this.drain(drainTimeoutMs).catch((error) => this.log.warn({ err: error }, 'outbox drain failed'));
      await this.producer.disconnect();
    }
  }

  private async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const client = await this.options.pool.connect();
    try {
      if (!(await this.tryLock(client))) return;
      try {
        while (Date.now() < deadline && (await this.publishBatch(client)) > 0);
      } finally {
        await this.unlock(client);
      }
    } finally {
      client.release();
    }
  }

  private lockKey(): string {
    return `orderflow.outbox.${this.options.schema}`;
  }

  private async tryLock(client: PoolClient): Promise<boolean> {
    const result = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [this.lockKey()],
    );
    return result.rows[0]?.locked === true;
  }

  private async unlock(client: PoolClient): Promise<void> {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [this.lockKey()]);
  }

  private async run(): Promise<void> {
    // The leader holds its client for as long as it leads, mostly idle (LISTEN). A checked-out client has
    // no pool listener, so a connection dropped meanwhile (Postgres restarted) would be an unhandled
    // 'error' event and end the process: note it, and wake the loop so the next query fails and retries.
    const onClientError = (error: Error): void => {
      this.lastError = error.message;
      this.log.warn({ err: error }, 'outbox relay lost its database connection');
      this.notify();
    };
    while (this.running) {
      let client: PoolClient | undefined;
      let broken = false;
      try {
        client = await this.options.pool.connect();
        client.on('error', onClientError);
        if (!(await this.tryLock(client))) {
          this.leader = false;
          client.off('error', onClientError);
          client.release();
          client = undefined;
          await this.sleep(this.standbyIntervalMs);
          continue;
        }
        this.leader = true;
        await this.lead(client);
        await this.unlock(client);
      } catch (error) {
        broken = true;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.log.warn({ err: error }, 'outbox relay failed; retrying');
        await this.sleep(500);
      } finally {
        this.leader = false;
        // A broken client keeps the listener: it is discarded, and may still report its end.
        if (!broken) client?.off('error', onClientError);
        client?.release(broken);
      }
    }
  }

  private async lead(client: PoolClient): Promise<void> {
    const channel = outboxChannel(this.options.schema);
    const onNotification = (): void => this.notify();
    client.on('notification', onNotification);
    await client.query(`LISTEN ${quoteIdent(channel)}`);
    try {
      while (this.running) {
        this.pendingWake = false;
        const published = await this.publishBatch(client);
        this.lastError = undefined;
        if (published >= this.batchSize || this.pendingWake) continue;
        await this.sleep(this.pollIntervalMs);
      }
    } finally {
      client.off('notification', onNotification);
      await client.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
    }
  }

  /** Sends the oldest unpublished rows and deletes them; returns how many went out. */
  private async publishBatch(client: PoolClient): Promise<number> {
    const { rows } = await client.query<OutboxRow>(
      `SELECT id, topic, message_key, value, headers FROM ${quoteIdent(this.options.schema)}.outbox
       ORDER BY id LIMIT $1`,
      [this.batchSize],
    );
    if (rows.length === 0) {
      this.options.metrics?.outboxPending.set(0);
      return 0;
    }
    const byTopic = new Map<string, Message[]>();
    const prefix = this.options.topicPrefix ?? '';
    for (const row of rows) {
      const topic = `${prefix}${row.topic}`;
      const messages = byTopic.get(topic) ?? [];
      messages.push({ key: row.message_key, value: row.value, headers: row.headers });
      byTopic.set(topic, messages);
    }
    await this.producer!.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    await client.query(`DELETE FROM ${quoteIdent(this.options.schema)}.outbox WHERE id = ANY($1::bigint[])`, [
      rows.map((r) => r.id),
    ]);
    for (const [topic, messages] of byTopic)
      this.options.metrics?.outboxPublished.inc({ topic }, messages.length);
    if (rows.length < this.batchSize) this.options.metrics?.outboxPending.set(0);
    return rows.length;
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
