import { ChannelListener, type Logger } from '@orderflow/runtime';

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
 * LISTENs for the NOTIFY that the transaction finishing an order sends at commit (its payload is the
 * order id). Every instance of the service listens, so a request waits on whichever instance it reached.
 */
export class OrderFinalListener extends ChannelListener {
  constructor(options: OrderFinalListenerOptions) {
    super({
      connectionString: options.connectionString,
      channel: options.channel,
      applicationName: 'orders-final-listener',
      logger: options.logger,
      onNotification: (orderId) => {
        if (orderId) options.onFinal(orderId);
      },
      onListening: options.onListening,
      ...(options.retryMs ? { retryMs: options.retryMs } : {}),
    });
  }
}
