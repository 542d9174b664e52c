import { maskEmail, poison, type HandlerContext } from '@orderflow/runtime';
import type { NotificationRepository } from '../db/notification.repository';
import {
  channelsFor,
  factsProblems,
  notificationIdFor,
  type ChannelName,
  type NotificationFacts,
} from '../domain/notification';
import { renderContent } from '../domain/templates';

export interface NotifyDeps {
  repo: NotificationRepository;
  /** Enabled channels (NOTIFY_CHANNELS). */
  channels: readonly ChannelName[];
  locale: string;
}

/**
 * The whole of consumption: one PENDING notification per enabled channel, rendered now and inserted in
 * the consumer's batch transaction, beside the inbox row. Nothing is sent from here, so a dead SMTP server
 * or webhook receiver can never hold up the partition.
 */
export async function recordNotifications(
  deps: NotifyDeps,
  ctx: HandlerContext,
  facts: NotificationFacts,
): Promise<void> {
  const problems = factsProblems(facts);
  if (problems.length > 0) {
    throw poison('NOTIFIER.INVALID_EVENT', `${facts.topic} cannot be notified: ${problems.join('; ')}`, {
      problems,
    });
  }
  const channels = channelsFor(facts, deps.channels);
  if (deps.channels.includes('email') && !channels.includes('email')) {
    ctx.log.info(
      { kind: facts.kind, email: facts.customer ? maskEmail(facts.customer.email) : null },
      'no deliverable customer address; no e-mail for this event',
    );
  }
  const rows = channels.map((channel) => {
    const notificationId = notificationIdFor(facts.eventId, channel);
    return {
      notificationId,
      eventId: facts.eventId,
      topic: facts.topic,
      kind: facts.kind,
      orderId: facts.orderId,
      customerId: facts.customer?.customerId ?? null,
      // Webhooks go to the configured URL of the moment; only people have an address worth keeping.
      recipient: channel === 'webhook' ? null : (facts.customer?.email ?? null),
      rendered: renderContent(channel, facts, notificationId, deps.locale),
    };
  });
  const created = await deps.repo.insertPending(ctx.tx, rows);
  ctx.log.debug({ kind: facts.kind, channels, created }, 'notifications recorded');
}
