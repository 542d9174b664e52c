import { errorMessage, type Logger, type Pool, PollingLoop } from '@orderflow/runtime';
import { Counter, type Registry } from 'prom-client';
import type { DeliveryChannel } from '../channels/delivery-channel';
import type { AttemptOutcome, Notification, NotificationRepository } from '../db/notification.repository';
import { nextStep, type AttemptResult, type RetryPolicy } from '../domain/delivery-policy';
import type { ChannelName } from '../domain/notification';

export interface DeliveryMetrics {
  sent: Counter<'channel'>;
  failed: Counter<'channel'>;
  attempts: Counter<'channel' | 'outcome'>;
}

export function deliveryMetrics(registry: Registry): DeliveryMetrics {
  const registers = [registry];
  return {
    sent: new Counter({
      name: 'orderflow_notifications_sent_total',
      help: 'Notifications delivered (ended SENT), per channel',
      labelNames: ['channel'],
      registers,
    }),
    failed: new Counter({
      name: 'orderflow_notifications_failed_total',
      help: 'Notifications given up on (ended FAILED), per channel',
      labelNames: ['channel'],
      registers,
    }),
    attempts: new Counter({
      name: 'orderflow_notification_attempts_total',
      help: 'Delivery attempts per channel and outcome (ok, error)',
      labelNames: ['channel', 'outcome'],
      registers,
    }),
  };
}

export interface DeliveryWorkerOptions {
  pool: Pool;
  repo: NotificationRepository;
  channels: ReadonlyMap<ChannelName, DeliveryChannel>;
  policy: RetryPolicy;
  /** Notifications of remote channels (email, webhook) claimed and delivered concurrently per round. */
  batchSize: number;
  /** Notifications of the log channel claimed per round: a log delivery is a local write, not a send. */
  logBatchSize?: number;
  leaseMs: number;
  intervalMs: number;
  logger: Logger;
  metrics: DeliveryMetrics;
  random?: () => number;
}

async function attempt(
  channel: DeliveryChannel | undefined,
  notification: Notification,
): Promise<AttemptResult> {
  // Only enabled channels are claimed; this is for a channel that vanished between claim and delivery.
  if (!channel)
    return { ok: false, permanent: false, error: `channel ${notification.channel} is not enabled` };
  try {
    return await channel.deliver(notification);
  } catch (error) {
    // A channel reports failures as results; a throw is a bug in it, and the next attempt may fare better.
    return { ok: false, permanent: false, error: errorMessage(error).slice(0, 500) };
  }
}

/**
 * Delivers PENDING notifications, outside any transaction: claim a batch of due ones (leased), attempt each
 * on its channel concurrently, then record every attempt and move each notification to SENT, FAILED or a
 * later try. A worker that dies mid-delivery leaves its leases to run out; the notifications come back and
 * are sent again with the same Message-ID / X-Delivery-Id, which is what receivers deduplicate on.
 */
export function deliveryWorker(options: DeliveryWorkerOptions): PollingLoop {
  const log = options.logger.child({ component: 'delivery' });
  const random = options.random ?? Math.random;
  const channels = [...options.channels.keys()];

  /** Recording must not be lost to a blip: an unrecorded success would be delivered again after the lease. */
  async function record(outcomes: AttemptOutcome[]) {
    for (let tries = 1; ; tries++) {
      try {
        return await options.repo.recordOutcomes(options.pool, outcomes);
      } catch (error) {
        if (tries >= 5) throw error;
        log.warn({ err: error, tries }, 'recording delivery results failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** tries));
      }
    }
  }

  // Claimed separately, so a backlog of log lines moves in large rounds while remote sends stay few at a time.
  const local = channels.filter((c) => c === 'log');
  const remote = channels.filter((c) => c !== 'log');
  const groups = [
    { channels: local, limit: options.logBatchSize ?? options.batchSize },
    { channels: remote, limit: options.batchSize },
  ].filter((group) => group.channels.length > 0);

  /** One round for a group of channels; returns whether a full batch was claimed (more may be due). */
  async function deliverRound(group: { channels: ChannelName[]; limit: number }): Promise<boolean> {
    const claimed = await options.repo.claimDue(options.pool, {
      limit: group.limit,
      leaseMs: options.leaseMs,
      channels: group.channels,
    });
    if (claimed.length === 0) return false;
    const results = await Promise.all(
      claimed.map(async (n) => ({ n, result: await attempt(options.channels.get(n.channel), n) })),
    );
    const outcomes = results.map(({ n, result }) => ({
      notificationId: n.notification_id,
      attemptNo: n.attempts,
      ok: result.ok,
      error: result.ok ? null : result.error,
      next: nextStep(result, n.round_attempts, options.policy, random()),
    }));
    const changed = new Map((await record(outcomes)).map((row) => [row.notification_id, row.status]));
    outcomes.forEach((outcome, index) => {
      const n = claimed[index]!;
      options.metrics.attempts.inc({ channel: n.channel, outcome: outcome.ok ? 'ok' : 'error' });
      const nLog = log.child({
        notificationId: n.notification_id,
        orderId: n.order_id,
        channel: n.channel,
      });
      if (!changed.has(n.notification_id)) {
        nLog.warn(
          { attempt: n.attempts },
          'attempt outlived its lease; another attempt decides this notification',
        );
        return;
      }
      const next = outcome.next;
      if (next.status === 'SENT') {
        options.metrics.sent.inc({ channel: n.channel });
        nLog.debug({ attempt: n.attempts }, 'notification sent');
      } else if (next.status === 'FAILED') {
        options.metrics.failed.inc({ channel: n.channel });
        nLog.error({ attempt: n.attempts, error: next.error }, 'notification failed; giving up');
      } else {
        nLog.warn(
          {
            attempt: n.attempts,
            roundAttempt: n.round_attempts,
            retryInMs: next.delayMs,
            error: next.error,
          },
          'delivery failed; will retry',
        );
      }
    });
    return claimed.length === group.limit;
  }

  return new PollingLoop(
    'delivery',
    async () => {
      let more = false;
      for (const group of groups) if (await deliverRound(group)) more = true;
      return more;
    },
    { intervalMs: options.intervalMs, logger: log },
  );
}
