import { eventHandler, type TopicHandler } from '@orderflow/runtime';
import type { EventSerde, RefundsProcessed } from '@orderflow/contracts';
import { factsFromRefundsProcessed } from '../domain/notification';
import { recordNotifications, type NotifyDeps } from './record-notifications';

/** A refund was carried out: the customer hears how much, and what is still refundable. */
export function refundsProcessedHandler(
  deps: NotifyDeps & { serde: EventSerde },
): TopicHandler<RefundsProcessed> {
  return eventHandler(
    'refunds.processed',
    (buffer) => deps.serde.decode('refunds.processed', buffer),
    (ctx, { value }) => recordNotifications(deps, ctx, factsFromRefundsProcessed(value)),
  );
}
