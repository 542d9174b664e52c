import { Client } from 'pg';
import type { Logger } from '../logger';
import { quoteIdent } from './pool';

export interface ChannelListenerOptions {
  connectionString: string;
  channel: string;
  /** Shown in pg_stat_activity, and the `component` of the log lines. */
  applicationName: string;
  logger: Logger;
  /** A NOTIFY arrived on the channel (its payload, empty when none was sent). */
  onNotification(payload: string): void;
  /** Listening (again): anything announced while not listening was missed, so look again. */
  onListening(): void;
  retryMs?: { initial: number; max: number };
}

/**
 * LISTENs on a Postgres channel on a connection of its own (a pooled client would be returned to the
 * pool), for a NOTIFY sent at commit by some transaction. Notifications are a shortcut, never the only
 * way work is found, so a lost connection is simply re-established with backoff and `onListening` tells
 * the owner to look again for what it may have missed.
 */
export class ChannelListener {
  private client: Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private stopped = false;
  private active = false;
  private readonly log: Logger;

  constructor(private readonly options: ChannelListenerOptions) {
    this.log = options.logger.child({ component: options.applicationName, channel: options.channel });
  }

  /** Whether notifications are being received right now. */
  get listening(): boolean {
    return this.active;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    this.active = false;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName,
      keepAlive: true,
    });
    client.on('notification', (message) => {
      if (message.channel === this.options.channel) this.options.onNotification(message.payload ?? '');
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.options.channel)}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.stopped || this.client !== client) return;
    this.active = true;
    if (this.attempts > 0) this.log.info('listening again');
    this.attempts = 0;
    this.options.onListening();
  }

  private lost(client: Client, error?: unknown): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    this.active = false;
    client.end().catch(() => undefined);
    const retry = this.options.retryMs ?? { initial: 200, max: 5000 };
    const delay = Math.min(retry.max, retry.initial * 2 ** this.attempts++);
    this.log.warn({ err: error, delayMs: delay }, 'lost the notification connection; reconnecting');
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }
}
