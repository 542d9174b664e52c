import type { TopicHandler } from '@orderflow/runtime';
import type { EventSerde, RefundsRejected } from '@orderflow/contracts';
import { factsFromRefundsRejected } from '../domain/notification';
import { notificationHandler, type NotifyDeps } from './record-notifications';

/**
 * A refund request was refused. For an order the refunds service does not know the event has no customer:
 * there is no one to e-mail, but the log line and the webhook still record the refusal.
 */
export function refundsRejectedHandler(
  deps: NotifyDeps & { serde: EventSerde },
): TopicHandler<RefundsRejected> {
  return notificationHandler(
    'refunds.rejected',
    deps,
    (buffer) => deps.serde.decode('refunds.rejected', buffer),
    factsFromRefundsRejected,
  );
}
