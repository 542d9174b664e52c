import type { TopicHandler } from '@orderflow/runtime';
import type { EventSerde, RefundsProcessed } from '@orderflow/contracts';
import { factsFromRefundsProcessed } from '../domain/notification';
import { notificationHandler, type NotifyDeps } from './record-notifications';

/** A refund was carried out: the customer hears how much, and what is still refundable. */
export function refundsProcessedHandler(
  deps: NotifyDeps & { serde: EventSerde },
): TopicHandler<RefundsProcessed> {
  return notificationHandler(
    'refunds.processed',
    deps,
    (buffer) => deps.serde.decode('refunds.processed', buffer),
    factsFromRefundsProcessed,
  );
}
