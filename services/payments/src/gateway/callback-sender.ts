import { type Logger, DELIVERY_ID_HEADER, SIGNATURE_HEADER, signWebhook } from '@orderflow/runtime';

/**
 * The receiver cannot take `application/json` and still check the signature on the exact bytes (the
 * shared HTTP stack parses JSON bodies before any route sees them), so the JSON goes out as opaque bytes.
 */
export const CALLBACK_CONTENT_TYPE = 'application/octet-stream';

export interface DeliveryState {
  attempts: number;
  delivered: boolean;
  lastStatus?: number;
  lastError?: string;
}

export interface CallbackSenderOptions {
  secret: string;
  logger: Logger;
  /** Attempts per delivery before the gateway gives up, like a real provider's retry schedule. */
  maxAttempts?: number;
  requestTimeoutMs?: number;
  /** Backoff before attempt n+1 is `retryBaseMs * 2^(n-1)`, capped at 10 s. */
  retryBaseMs?: number;
}

/**
 * Posts signed callbacks: each attempt is signed afresh (a retry an hour later must not look stale), and
 * every attempt of one delivery carries the same delivery id so the receiver can drop repeats.
 */
export class CallbackSender {
  private readonly stopped = new AbortController();
  private readonly pauses = new Set<() => void>();

  constructor(private readonly options: CallbackSenderOptions) {}

  async deliver(url: string, deliveryId: string, body: string, state: DeliveryState): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 8;
    const log = this.options.logger.child({ deliveryId });
    while (!this.stopped.signal.aborted && state.attempts < maxAttempts) {
      state.attempts++;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': CALLBACK_CONTENT_TYPE,
            [SIGNATURE_HEADER]: signWebhook(this.options.secret, body, Math.floor(Date.now() / 1000)),
            [DELIVERY_ID_HEADER]: deliveryId,
          },
          body,
          signal: AbortSignal.any([
            this.stopped.signal,
            AbortSignal.timeout(this.options.requestTimeoutMs ?? 5_000),
          ]),
        });
        state.lastStatus = response.status;
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          state.delivered = true;
          log.debug({ status: response.status, attempt: state.attempts }, 'callback delivered');
          return;
        }
        state.lastError = `HTTP ${response.status}`;
      } catch (error) {
        if (this.stopped.signal.aborted) return;
        state.lastError = error instanceof Error ? error.message : String(error);
      }
      log.warn({ attempt: state.attempts, error: state.lastError }, 'callback failed');
      const base = this.options.retryBaseMs ?? 500;
      await this.pause(Math.min(10_000, base * 2 ** (state.attempts - 1)));
    }
    if (!state.delivered && !this.stopped.signal.aborted)
      log.error({ attempts: state.attempts, error: state.lastError }, 'callback given up');
  }

  /** Cancels waits and requests in flight; pending deliveries end without another attempt. */
  stop(): void {
    this.stopped.abort();
    for (const resume of this.pauses) resume();
    this.pauses.clear();
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.pauses.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.pauses.add(done);
    });
  }
}
