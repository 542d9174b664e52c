import {
  batchEventHandler,
  maskEmail,
  poison,
  type ConsumedEvent,
  type HandlerContext,
  type Logger,
  type TopicHandler,
} from '@orderflow/runtime';
import type { NewNotification, NotificationRepository } from '../db/notification.repository';
import {
  channelsFor,
  factsProblems,
  notificationIdFor,
  type ChannelName,
  type NotificationFacts,
  type SourceTopic,
} from '../domain/notification';
import { renderContent } from '../domain/templates';

export interface NotifyDeps {
  repo: NotificationRepository;
  /** Enabled channels (NOTIFY_CHANNELS). */
  channels: readonly ChannelName[];
  locale: string;
}

/** One event's notifications: one per enabled channel it can go to, rendered now. */
function notificationsFor(deps: NotifyDeps, log: Logger, facts: NotificationFacts): NewNotification[] {
  const problems = factsProblems(facts);
  if (problems.length > 0) {
    throw poison('NOTIFIER.INVALID_EVENT', `${facts.topic} cannot be notified: ${problems.join('; ')}`, {
      problems,
    });
  }
  const channels = channelsFor(facts, deps.channels);
  if (deps.channels.includes('email') && !channels.includes('email')) {
    log.info(
      { kind: facts.kind, email: facts.customer ? maskEmail(facts.customer.email) : null },
      'no deliverable customer address; no e-mail for this event',
    );
  }
  return channels.map((channel) => {
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
}

/**
 * The whole of consumption: one PENDING notification per enabled channel and event, rendered now and
 * inserted in the consumer's batch transaction, beside the inbox rows, with one statement for the whole
 * batch. Nothing is sent from here, so a dead SMTP server or webhook receiver can never hold up the
 * partition. An event that can never be notified throws `poison`: the runner then goes through the batch
 * message by message and dead-letters that event alone.
 */
export async function recordNotifications<V>(
  deps: NotifyDeps,
  ctx: HandlerContext,
  events: readonly ConsumedEvent<V>[],
  factsOf: (event: V) => NotificationFacts,
  logFor: (event: ConsumedEvent<V>) => Logger,
): Promise<void> {
  const rows: NewNotification[] = [];
  for (const event of events) rows.push(...notificationsFor(deps, logFor(event), factsOf(event.value)));
  const created = await deps.repo.insertPending(ctx.tx, rows);
  ctx.log.debug({ events: events.length, notifications: rows.length, created }, 'notifications recorded');
}

/** The batch handler of a topic whose events each become notifications. */
export function notificationHandler<V extends { event_id: string; order_id?: string }>(
  topic: SourceTopic,
  deps: NotifyDeps,
  decode: (buffer: Buffer) => Promise<V>,
  factsOf: (event: V) => NotificationFacts,
): TopicHandler<V> {
  return batchEventHandler<V>(topic, decode, (ctx, events, logFor) =>
    recordNotifications(deps, ctx, events, factsOf, logFor),
  );
}
