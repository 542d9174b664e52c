import { ChannelListener, type Logger } from '@orderflow/runtime';

/** The channel new payments of a schema are announced on (see the payments_due_notify migration). */
export function paymentsDueChannel(schema: string): string {
  return `${schema.slice(0, 50)}_payments_due`;
}

export interface DueListenerOptions {
  connectionString: string;
  channel: string;
  logger: Logger;
  /** New payments were committed (here or by another instance), or listening (re)started. */
  onDue(): void;
  retryMs?: { initial: number; max: number };
}

/**
 * LISTENs for the NOTIFY the payments table sends when a transaction that inserted payments commits, so
 * the charge submitter starts at once instead of at its next poll. Only a shortcut: the poll still finds
 * everything.
 */
export class DueListener extends ChannelListener {
  constructor(options: DueListenerOptions) {
    super({
      connectionString: options.connectionString,
      channel: options.channel,
      applicationName: 'payments-due-listener',
      logger: options.logger,
      onNotification: () => options.onDue(),
      onListening: () => options.onDue(),
      ...(options.retryMs ? { retryMs: options.retryMs } : {}),
    });
  }
}
