import type { EachBatchPayload } from 'kafkajs';

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 200, maxMs: 10_000 };

export function retryDelay(attempt: number, policy: RetryPolicy = DEFAULT_RETRY): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 16));
}

/** Waits before the next attempt at a batch, heartbeating so a long outage does not cost the partitions. */
export async function backoff(payload: EachBatchPayload, delayMs: number): Promise<void> {
  const deadline = Date.now() + delayMs;
  while (Date.now() < deadline && payload.isRunning() && !payload.isStale()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, deadline - Date.now())));
    await payload.heartbeat().catch(() => undefined);
  }
}
