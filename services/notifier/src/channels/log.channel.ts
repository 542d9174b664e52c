import { maskEmail, type Logger } from '@orderflow/runtime';
import { logContent, type DeliveryChannel } from './delivery-channel';

/** Writes the notification as one info line; the address is masked, the rest is what the templates said. */
export function logChannel(logger: Logger): DeliveryChannel {
  const log = logger.child({ component: 'notification-log' });
  return {
    name: 'log',
    async deliver(notification) {
      const content = logContent(notification);
      log.info(
        {
          ...content.fields,
          notificationId: notification.notification_id,
          eventId: notification.event_id,
          email: notification.recipient === null ? null : maskEmail(notification.recipient),
        },
        content.line,
      );
      return { ok: true };
    },
  };
}
