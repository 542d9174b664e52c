import { errorMessage, DELIVERY_ID_HEADER, SIGNATURE_HEADER, signWebhook } from '@orderflow/runtime';
import { webhookResult } from '../domain/delivery-policy';
import { webhookContent, type DeliveryChannel } from './delivery-channel';

export interface WebhookChannelOptions {
  url: string;
  secret: string;
  /** Bound of the whole request, answer included. */
  timeoutMs: number;
  /** Unix seconds; tests may fix it. */
  now?: () => number;
}

/** fetch's "fetch failed" hides the reason in `cause` (ECONNREFUSED and the like). */
function describe(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? errorMessage(error) : `${errorMessage(error)}: ${errorMessage(cause)}`;
}

/**
 * POSTs the stored JSON, signed like the payment gateway's callbacks, with the notification id as the
 * delivery id: every retry carries the same body and id, with a fresh signature.
 */
export function webhookChannel(options: WebhookChannelOptions): DeliveryChannel {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    name: 'webhook',
    async deliver(notification) {
      const { body } = webhookContent(notification);
      try {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'orderflow-notifier',
            [SIGNATURE_HEADER]: signWebhook(options.secret, body, now()),
            [DELIVERY_ID_HEADER]: notification.notification_id,
          },
          body,
          // A POST that is redirected turns into a GET on the way; the receiver should be configured instead.
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        // Read the answer so the connection can be reused; what it says does not matter.
        await response.arrayBuffer().catch(() => undefined);
        return webhookResult(response.status);
      } catch (error) {
        return { ok: false, permanent: false, error: describe(error).slice(0, 500) };
      }
    },
  };
}
