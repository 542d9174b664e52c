import type { Notification } from '../db/notification.repository';
import type { AttemptResult } from '../domain/delivery-policy';
import type { ChannelName } from '../domain/notification';
import type { EmailContent, LogContent, WebhookContent } from '../domain/templates';

/** One way of reaching someone. `deliver` makes one attempt and says how it went; it does not retry. */
export interface DeliveryChannel {
  readonly name: ChannelName;
  deliver(notification: Notification): Promise<AttemptResult>;
  close?(): Promise<void> | void;
}

/** The content stored with a notification of the channel (rendered by the templates when it was created). */
export function emailContent(notification: Notification): EmailContent {
  return notification.content as EmailContent;
}

export function webhookContent(notification: Notification): WebhookContent {
  return notification.content as WebhookContent;
}

export function logContent(notification: Notification): LogContent {
  return notification.content as LogContent;
}
