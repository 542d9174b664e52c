import { Client } from 'pg';
import { quoteIdent, type Logger } from '@orderflow/runtime';

/** The channel a schema's final orders are announced on (`orders_final` for the `orders` schema). */
export function finalOrderChannel(schema: string): string {
  // Channel names are identifiers: at most 63 bytes.
  return `${schema.slice(0, 57)}_final`;
}

export interface OrderFinalListenerOptions {
  connectionString: string;
  channel: string;
  logger: Logger;
  /** An order became final (in this instance or another one). */
  onFinal(orderId: string): void;
  /** Listening (again): announcements made while not listening were missed, so waiters should look again. */
  onListening(): void;
  retryMs?: { initial: number; max: number };
}

/**
 * LISTENs, on a connection of its own, for the NOTIFY that the transaction finishing an order sends at
 * commit. Every instance of the service listens, so a request waits on whichever instance it reached.
 * A lost connection is re-established with backoff.
 */
export class OrderFinalListener {
  private client: Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private stopped = false;
  private active = false;
  private readonly log: Logger;

  constructor(private readonly options: OrderFinalListenerOptions) {
    this.log = options.logger.child({ component: 'order-final-listener', channel: options.channel });
  }

  /** Whether announcements are being received right now. */
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
      application_name: 'orders-final-listener',
      keepAlive: true,
    });
    client.on('notification', (message) => {
      if (message.channel === this.options.channel && message.payload) this.options.onFinal(message.payload);
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
    this.log.warn({ err: error, delayMs: delay }, 'lost the final-order notifications; reconnecting');
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }
}
