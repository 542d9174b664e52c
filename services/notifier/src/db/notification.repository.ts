import type { Pool, PoolClient } from 'pg';
import { quoteIdent } from '@orderflow/runtime';
import type { NextStep } from '../domain/delivery-policy';
import type { ChannelName, NotificationKind, NotificationStatus, SourceTopic } from '../domain/notification';
import type { ChannelContent } from '../domain/templates';

type Queryable = Pool | PoolClient;

export interface NewNotification {
  notificationId: string;
  eventId: string;
  topic: SourceTopic;
  kind: NotificationKind;
  orderId: string;
  customerId: string | null;
  recipient: string | null;
  rendered: ChannelContent;
}

export interface Notification {
  notification_id: string;
  seq: number;
  event_id: string;
  topic: SourceTopic;
  kind: NotificationKind;
  channel: ChannelName;
  order_id: string;
  customer_id: string | null;
  recipient: string | null;
  content: ChannelContent['content'];
  status: NotificationStatus;
  attempts: number;
  round_attempts: number;
  manual_retries: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
}

export interface Attempt {
  attempt_no: number;
  started_at: Date;
  finished_at: Date | null;
  ok: boolean | null;
  error: string | null;
}

/** The result of one attempt and what follows from it. */
export interface AttemptOutcome {
  notificationId: string;
  attemptNo: number;
  ok: boolean;
  error: string | null;
  next: NextStep;
}

export interface ListFilter {
  orderId?: string;
  customerId?: string;
  status?: NotificationStatus;
  channel?: ChannelName;
  /** Only rows older than this position (the previous page's last seq). */
  beforeSeq?: number;
  limit: number;
}

export interface DeliveryBacklog {
  pending: number;
  due: number;
  failed: number;
  oldest_pending_seconds: number | null;
}

const COLUMNS = `notification_id, seq, event_id, topic, kind, channel, order_id, customer_id, recipient, content,
  status, attempts, round_attempts, manual_retries, next_attempt_at, last_error, created_at, updated_at, sent_at,
  failed_at`;

type NotificationRow = Omit<Notification, 'seq'> & { seq: string };

function toNotification(row: NotificationRow): Notification {
  // bigint arrives as a string; an identity column stays far below 2^53.
  return { ...row, seq: Number(row.seq) };
}

export type RetryOutcome =
  | { outcome: 'retried'; notification: Notification }
  | { outcome: 'not_found' }
  | { outcome: 'not_failed'; status: NotificationStatus };

export class NotificationRepository {
  private readonly notifications: string;
  private readonly attemptsTable: string;

  constructor(schema: string) {
    this.notifications = `${quoteIdent(schema)}.notifications`;
    this.attemptsTable = `${quoteIdent(schema)}.notification_attempts`;
  }

  /**
   * Inserts PENDING notifications (all those of a consumed batch) in one statement, in the given order, so
   * that `seq` follows it; ones that exist already are left alone. Returns how many are new.
   */
  async insertPending(tx: PoolClient, rows: readonly NewNotification[]): Promise<number> {
    if (rows.length === 0) return 0;
    const result = await tx.query(
      `INSERT INTO ${this.notifications}
         (notification_id, event_id, topic, kind, channel, order_id, customer_id, recipient, content)
       SELECT notification_id, event_id, topic, kind, channel, order_id, customer_id, recipient, content
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::text[], $9::jsonb[])
         WITH ORDINALITY AS r(notification_id, event_id, topic, kind, channel, order_id, customer_id, recipient,
                              content, n)
       ORDER BY n
       ON CONFLICT DO NOTHING`,
      [
        rows.map((r) => r.notificationId),
        rows.map((r) => r.eventId),
        rows.map((r) => r.topic),
        rows.map((r) => r.kind),
        rows.map((r) => r.rendered.channel),
        rows.map((r) => r.orderId),
        rows.map((r) => r.customerId),
        rows.map((r) => r.recipient),
        rows.map((r) => JSON.stringify(r.rendered.content)),
      ],
    );
    return result.rowCount ?? 0;
  }

  /**
   * Takes up to `limit` due PENDING notifications of the given channels and leases them for `leaseMs`, in
   * one statement: counts the attempt, opens its attempt row and closes any attempt a dead worker left open.
   * SKIP LOCKED lets several instances share the work without waiting on each other.
   */
  async claimDue(
    db: Queryable,
    options: { limit: number; leaseMs: number; channels: readonly ChannelName[] },
  ): Promise<Notification[]> {
    const { rows } = await db.query<NotificationRow>(
      `WITH due AS (
         SELECT notification_id FROM ${this.notifications}
         WHERE status = 'PENDING' AND next_attempt_at <= now() AND channel = ANY($3::text[])
         ORDER BY next_attempt_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE ${this.notifications} n
           SET attempts = n.attempts + 1, round_attempts = n.round_attempts + 1,
               next_attempt_at = now() + $2 * interval '1 millisecond', updated_at = now()
         FROM due WHERE n.notification_id = due.notification_id
         RETURNING n.*
       ), abandoned AS (
         UPDATE ${this.attemptsTable} a
           SET finished_at = now(), ok = false, error = 'abandoned: no result within the lease'
         FROM claimed c WHERE a.notification_id = c.notification_id AND a.finished_at IS NULL
       ), opened AS (
         INSERT INTO ${this.attemptsTable} (notification_id, attempt_no)
         SELECT notification_id, attempts FROM claimed
       )
       SELECT ${COLUMNS} FROM claimed ORDER BY next_attempt_at`,
      [options.limit, options.leaseMs, options.channels],
    );
    return rows.map(toNotification);
  }

  /**
   * Closes the attempts and moves each notification on (SENT, FAILED or PENDING again later), in one
   * statement. A notification changes only while its attempt is still the latest: should a lease have run
   * out and another worker taken the notification meanwhile, that worker decides. Returns what changed.
   */
  async recordOutcomes(
    db: Queryable,
    outcomes: AttemptOutcome[],
  ): Promise<{ notification_id: string; channel: ChannelName; status: NotificationStatus }[]> {
    if (outcomes.length === 0) return [];
    const { rows } = await db.query<{
      notification_id: string;
      channel: ChannelName;
      status: NotificationStatus;
    }>(
      `WITH r AS (
         SELECT * FROM unnest($1::text[], $2::int[], $3::bool[], $4::text[], $5::text[], $6::bigint[])
           AS r(notification_id, attempt_no, ok, error, next_status, delay_ms)
       ), closed AS (
         UPDATE ${this.attemptsTable} a SET finished_at = now(), ok = r.ok, error = r.error
         FROM r
         WHERE a.notification_id = r.notification_id AND a.attempt_no = r.attempt_no AND a.finished_at IS NULL
       )
       UPDATE ${this.notifications} n
         SET status = r.next_status,
             next_attempt_at = CASE WHEN r.next_status = 'PENDING'
                                    THEN now() + r.delay_ms * interval '1 millisecond'
                                    ELSE n.next_attempt_at END,
             last_error = CASE WHEN r.ok THEN NULL ELSE r.error END,
             sent_at = CASE WHEN r.next_status = 'SENT' THEN now() END,
             failed_at = CASE WHEN r.next_status = 'FAILED' THEN now() END,
             updated_at = now()
       FROM r
       WHERE n.notification_id = r.notification_id AND n.status = 'PENDING' AND n.attempts = r.attempt_no
       RETURNING n.notification_id, n.channel, n.status`,
      [
        outcomes.map((o) => o.notificationId),
        outcomes.map((o) => o.attemptNo),
        outcomes.map((o) => o.ok),
        outcomes.map((o) => (o.error === null ? null : o.error.slice(0, 1000))),
        outcomes.map((o) => o.next.status),
        outcomes.map((o) => (o.next.status === 'PENDING' ? o.next.delayMs : 0)),
      ],
    );
    return rows;
  }

  async find(db: Queryable, notificationId: string): Promise<Notification | undefined> {
    const { rows } = await db.query<NotificationRow>(
      `SELECT ${COLUMNS} FROM ${this.notifications} WHERE notification_id = $1`,
      [notificationId],
    );
    return rows[0] && toNotification(rows[0]);
  }

  async attemptsOf(db: Queryable, notificationId: string): Promise<Attempt[]> {
    const { rows } = await db.query<Attempt>(
      `SELECT attempt_no, started_at, finished_at, ok, error FROM ${this.attemptsTable}
       WHERE notification_id = $1 ORDER BY attempt_no`,
      [notificationId],
    );
    return rows;
  }

  /** Newest first, filtered, keyset-paginated on seq. */
  async list(db: Queryable, filter: ListFilter): Promise<Notification[]> {
    const values: unknown[] = [];
    const where: string[] = [];
    const param = (value: unknown): string => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.orderId !== undefined) where.push(`order_id = ${param(filter.orderId)}`);
    if (filter.customerId !== undefined) where.push(`customer_id = ${param(filter.customerId)}`);
    if (filter.status !== undefined) where.push(`status = ${param(filter.status)}`);
    if (filter.channel !== undefined) where.push(`channel = ${param(filter.channel)}`);
    if (filter.beforeSeq !== undefined) where.push(`seq < ${param(filter.beforeSeq)}`);
    const { rows } = await db.query<NotificationRow>(
      `SELECT ${COLUMNS} FROM ${this.notifications}
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq DESC LIMIT ${param(filter.limit)}`,
      values,
    );
    return rows.map(toNotification);
  }

  /** A FAILED notification goes back to PENDING, due now, with a fresh budget of attempts. */
  async retry(db: Queryable, notificationId: string): Promise<RetryOutcome> {
    const { rows } = await db.query<NotificationRow>(
      `UPDATE ${this.notifications}
         SET status = 'PENDING', round_attempts = 0, manual_retries = manual_retries + 1,
             next_attempt_at = now(), failed_at = NULL, updated_at = now()
       WHERE notification_id = $1 AND status = 'FAILED'
       RETURNING ${COLUMNS}`,
      [notificationId],
    );
    if (rows[0]) return { outcome: 'retried', notification: toNotification(rows[0]) };
    const existing = await this.find(db, notificationId);
    return existing ? { outcome: 'not_failed', status: existing.status } : { outcome: 'not_found' };
  }

  /** What is waiting: for /readyz details and the pending gauge. */
  async backlog(db: Queryable): Promise<DeliveryBacklog> {
    const { rows } = await db.query<DeliveryBacklog>(
      `SELECT count(*) FILTER (WHERE status = 'PENDING')::int AS pending,
              count(*) FILTER (WHERE status = 'PENDING' AND next_attempt_at <= now())::int AS due,
              count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
              floor(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'PENDING')))::int
                AS oldest_pending_seconds
       FROM ${this.notifications} WHERE status IN ('PENDING', 'FAILED')`,
    );
    return rows[0] ?? { pending: 0, due: 0, failed: 0, oldest_pending_seconds: null };
  }
}
