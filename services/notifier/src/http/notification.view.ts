import { maskEmail } from '@orderflow/runtime';
import type { Attempt, Notification } from '../db/notification.repository';
import type { EmailContent, LogContent, WebhookContent } from '../domain/templates';

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/**
 * The public view of a notification (snake_case, ISO 8601 times). The read API needs no token, so the
 * customer's address is shown masked, as in the logs.
 */
export function notificationView(n: Notification) {
  return {
    notification_id: n.notification_id,
    event_id: n.event_id,
    topic: n.topic,
    kind: n.kind,
    channel: n.channel,
    order_id: n.order_id,
    customer_id: n.customer_id,
    recipient: n.recipient === null ? null : maskEmail(n.recipient),
    status: n.status,
    attempt_count: n.attempts,
    round_attempts: n.round_attempts,
    manual_retries: n.manual_retries,
    next_attempt_at: n.status === 'PENDING' ? iso(n.next_attempt_at) : null,
    last_error: n.last_error,
    created_at: iso(n.created_at),
    updated_at: iso(n.updated_at),
    sent_at: iso(n.sent_at),
    failed_at: iso(n.failed_at),
  };
}

/** What was (or will be) sent: e-mail subject and bodies, the webhook's JSON, the log line. */
function contentView(n: Notification) {
  switch (n.channel) {
    case 'email': {
      const c = n.content as EmailContent;
      return { subject: c.subject, text: c.text, html: c.html };
    }
    case 'webhook': {
      const c = n.content as WebhookContent;
      return { payload: JSON.parse(c.body) as unknown };
    }
    case 'log': {
      const c = n.content as LogContent;
      return { line: c.line, fields: c.fields };
    }
  }
}

export function attemptView(a: Attempt) {
  return {
    attempt: a.attempt_no,
    started_at: iso(a.started_at),
    finished_at: iso(a.finished_at),
    ok: a.ok,
    error: a.error,
  };
}

export function notificationDetailView(n: Notification, attempts: Attempt[]) {
  return { ...notificationView(n), content: contentView(n), attempts: attempts.map(attemptView) };
}
