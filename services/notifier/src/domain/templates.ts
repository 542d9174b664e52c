import type { FailureReason, RefundRejectReason } from '@orderflow/contracts';
import { formatMoney } from './money';
import type {
  ChannelName,
  NotificationFacts,
  OrderConfirmedFacts,
  OrderFailedFacts,
  RefundProcessedFacts,
  RefundRejectedFacts,
} from './notification';

export interface EmailContent {
  /** Display name of the recipient (the address is kept beside the content). */
  toName: string;
  subject: string;
  text: string;
  html: string;
}

export interface WebhookContent {
  /** The exact JSON sent, fixed when the notification is created so every retry carries the same bytes. */
  body: string;
}

export interface LogContent {
  line: string;
  fields: Record<string, string | number | null>;
}

export type ChannelContent =
  | { channel: 'email'; content: EmailContent }
  | { channel: 'webhook'; content: WebhookContent }
  | { channel: 'log'; content: LogContent };

const FAILURE_REASONS: Record<FailureReason, string> = {
  OUT_OF_STOCK: 'some items are out of stock',
  UNKNOWN_SKU: 'the order contains an unknown product',
  PAYMENT_DECLINED: 'the payment was declined',
  PAYMENT_TIMEOUT: 'the payment timed out',
  PAYMENT_ERROR: 'the payment could not be processed',
};

/** Why an order failed, in words a customer understands. */
export function failureReasonText(reason: FailureReason | null): string {
  return reason === null ? 'the order could not be completed' : FAILURE_REASONS[reason];
}

const REFUND_REJECT_REASONS: Record<RefundRejectReason, string> = {
  ORDER_NOT_PAID: 'the order was not paid',
  ORDER_UNKNOWN: 'we could not find the order',
  AMOUNT_EXCEEDS_REMAINING: 'the amount asked for is more than what can still be refunded',
  NOTHING_LEFT_TO_REFUND: 'the order has already been refunded in full',
};

/** Why a refund was refused; says how much is left when that is the reason and it is known. */
export function refundRejectReasonText(facts: RefundRejectedFacts, locale: string): string {
  const text = REFUND_REJECT_REASONS[facts.reason];
  if (
    facts.reason === 'AMOUNT_EXCEEDS_REMAINING' &&
    facts.remainingRefundableCents !== null &&
    facts.currency !== null
  ) {
    return `${text} (${formatMoney(facts.remainingRefundableCents, facts.currency, locale)})`;
  }
  return text;
}

/** The amount a notification is about, for people; refund requests may have no currency or no amount. */
export function formattedTotal(facts: NotificationFacts, locale: string): string | null {
  if (facts.totalCents === null) return null;
  if (facts.currency === null) return `${facts.totalCents} (minor units)`;
  return formatMoney(facts.totalCents, facts.currency, locale);
}

function reasonText(facts: NotificationFacts, locale: string): string | null {
  switch (facts.kind) {
    case 'order.failed':
      return failureReasonText(facts.reason);
    case 'refund.rejected':
      return refundRejectReasonText(facts, locale);
    default:
      return null;
  }
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A mail body: paragraphs, the order's items (if any) and a key/value summary, as text and as HTML. */
interface MailBody {
  greeting: string;
  paragraphs: string[];
  items?: [string, string][];
  table: [string, string][];
}

function textRows(rows: [string, string][], separator: string): string[] {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `  ${`${key}${separator}`.padEnd(width + separator.length)} ${value}`);
}

function mailText(body: MailBody): string {
  const items = body.items && body.items.length > 0 ? [...textRows(body.items, ''), ''] : [];
  return [
    body.greeting,
    '',
    ...body.paragraphs.flatMap((p) => [p, '']),
    ...items,
    ...textRows(body.table, ':'),
    '',
    '-- orderflow',
    '',
  ].join('\n');
}

function htmlTable(rows: [string, string][]): string {
  const cells = rows
    .map(([key, value]) => `<tr><th align="left">${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('');
  return `<table>${cells}</table>`;
}

function mailHtml(body: MailBody): string {
  const paragraphs = body.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('');
  const items = body.items && body.items.length > 0 ? htmlTable(body.items) : '';
  return `<!doctype html><html><body><p>${escapeHtml(body.greeting)}</p>${paragraphs}${items}${htmlTable(body.table)}<p>-- orderflow</p></body></html>`;
}

function lineItems(facts: OrderConfirmedFacts | OrderFailedFacts, locale: string): [string, string][] {
  return facts.lines.map((line) => [
    `${line.qty} x ${line.name}`,
    formatMoney(line.unit_price_cents * line.qty, facts.currency, locale),
  ]);
}

function commonRows(facts: NotificationFacts, total: string | null): [string, string][] {
  return [
    ['Order', facts.orderId],
    ['Customer', facts.customer?.customerId ?? 'unknown'],
    ['Status', facts.status],
    ['Total', total ?? 'the full remaining amount'],
  ];
}

function subjectAndBody(facts: NotificationFacts, locale: string): { subject: string; body: MailBody } {
  const greeting = `Hello ${facts.customer?.name ?? 'there'},`;
  const total = formattedTotal(facts, locale);
  switch (facts.kind) {
    case 'order.confirmed':
      return {
        subject: `Order ${facts.orderId} confirmed: ${total}`,
        body: {
          greeting,
          paragraphs: [
            `Thank you for your order ${facts.orderId}. We received your payment of ${total} and your order is confirmed.`,
          ],
          items: lineItems(facts, locale),
          table: commonRows(facts, total),
        },
      };
    case 'order.failed':
      return {
        subject: `Order ${facts.orderId} could not be completed`,
        body: {
          greeting,
          paragraphs: [
            `We are sorry: your order ${facts.orderId} (${total}) could not be completed because ${failureReasonText(facts.reason)}.`,
            'No payment has been kept for this order.',
          ],
          items: lineItems(facts, locale),
          table: [...commonRows(facts, total), ['Reason', failureReasonText(facts.reason)]],
        },
      };
    case 'refund.processed':
      return refundProcessedMail(facts, greeting, total ?? '', locale);
    case 'refund.rejected':
      return {
        subject: `Refund request for order ${facts.orderId} declined`,
        body: {
          greeting,
          paragraphs: [
            `We could not refund ${total ?? 'the remaining amount'} of your order ${facts.orderId}: ${refundRejectReasonText(facts, locale)}.`,
          ],
          table: [
            ...commonRows(facts, total),
            ['Refund', facts.refundId],
            ['Reason', refundRejectReasonText(facts, locale)],
          ],
        },
      };
  }
}

function refundProcessedMail(
  facts: RefundProcessedFacts,
  greeting: string,
  total: string,
  locale: string,
): { subject: string; body: MailBody } {
  const refunded = formatMoney(facts.refundedTotalCents, facts.currency, locale);
  const remaining = formatMoney(facts.remainingRefundableCents, facts.currency, locale);
  return {
    subject: `Refund of ${total} for order ${facts.orderId}`,
    body: {
      greeting,
      paragraphs: [
        `We have refunded ${total} of your order ${facts.orderId} (your reason: ${facts.refundReason}).`,
        `Refunded so far: ${refunded}. Still refundable: ${remaining}.`,
      ],
      table: [...commonRows(facts, total), ['Refund', facts.refundId], ['Refunded so far', refunded]],
    },
  };
}

export function renderEmail(facts: NotificationFacts, locale: string): EmailContent {
  const { subject, body } = subjectAndBody(facts, locale);
  return { toName: facts.customer?.name ?? '', subject, text: mailText(body), html: mailHtml(body) };
}

/** Kind-specific members of the webhook payload. */
function webhookDetails(facts: NotificationFacts): Record<string, unknown> {
  switch (facts.kind) {
    case 'order.confirmed':
      return { payment_id: facts.paymentId, lines: facts.lines };
    case 'order.failed':
      return { reason_detail: facts.reasonDetail, lines: facts.lines };
    case 'refund.processed':
      return {
        refund_id: facts.refundId,
        refunded_total_cents: facts.refundedTotalCents,
        remaining_refundable_cents: facts.remainingRefundableCents,
        refund_reason: facts.refundReason,
      };
    case 'refund.rejected':
      return {
        refund_id: facts.refundId,
        remaining_refundable_cents: facts.remainingRefundableCents,
        reason_detail: facts.detail,
      };
  }
}

/**
 * The webhook's JSON: snake_case, money as raw minor units plus a formatted string for display. No e-mail
 * address: the receiver gets the customer id and looks the rest up itself.
 */
export function webhookPayload(facts: NotificationFacts, notificationId: string, locale: string) {
  return {
    notification_id: notificationId,
    type: facts.kind,
    event_id: facts.eventId,
    topic: facts.topic,
    occurred_at: new Date(facts.occurredAt).toISOString(),
    order_id: facts.orderId,
    customer_id: facts.customer?.customerId ?? null,
    status: facts.status,
    total_cents: facts.totalCents,
    currency: facts.currency,
    total_formatted: formattedTotal(facts, locale),
    reason: facts.kind === 'order.failed' || facts.kind === 'refund.rejected' ? facts.reason : null,
    reason_text: reasonText(facts, locale),
    ...webhookDetails(facts),
  };
}

/** One line for the log channel. */
export function renderLogLine(facts: NotificationFacts, locale: string): string {
  const total = formattedTotal(facts, locale) ?? 'the full remaining amount';
  const customer = facts.customer?.customerId ?? 'an unknown customer';
  switch (facts.kind) {
    case 'order.confirmed':
      return `order ${facts.orderId} confirmed for ${customer}: ${total} (PAID)`;
    case 'order.failed':
      return `order ${facts.orderId} failed for ${customer}: ${total} (FAILED, ${failureReasonText(facts.reason)})`;
    case 'refund.processed':
      return `refund ${facts.refundId} of ${total} processed for order ${facts.orderId} of ${customer} (REFUNDED)`;
    case 'refund.rejected':
      return `refund ${facts.refundId} of ${total} rejected for order ${facts.orderId} of ${customer} (REJECTED, ${refundRejectReasonText(facts, locale)})`;
  }
}

export function renderLog(facts: NotificationFacts, locale: string): LogContent {
  return {
    line: renderLogLine(facts, locale),
    fields: {
      kind: facts.kind,
      orderId: facts.orderId,
      customerId: facts.customer?.customerId ?? null,
      status: facts.status,
      totalCents: facts.totalCents,
      currency: facts.currency,
    },
  };
}

/** What a notification on `channel` carries, rendered once when it is created. */
export function renderContent(
  channel: ChannelName,
  facts: NotificationFacts,
  notificationId: string,
  locale: string,
): ChannelContent {
  switch (channel) {
    case 'email':
      return { channel, content: renderEmail(facts, locale) };
    case 'webhook':
      return { channel, content: { body: JSON.stringify(webhookPayload(facts, notificationId, locale)) } };
    case 'log':
      return { channel, content: renderLog(facts, locale) };
  }
}
