import {
  eventIdFrom,
  type FailureReason,
  type OrderLine,
  type OrdersFinished,
  type RefundRejectReason,
  type RefundsProcessed,
  type RefundsRejected,
} from '@orderflow/contracts';
import { isCurrencyCode } from './money';

export const CHANNEL_NAMES = ['log', 'email', 'webhook'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

export const NOTIFICATION_STATUSES = ['PENDING', 'SENT', 'FAILED'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export const NOTIFICATION_KINDS = [
  'order.confirmed',
  'order.failed',
  'refund.processed',
  'refund.rejected',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export type SourceTopic = 'orders.finished' | 'refunds.processed' | 'refunds.rejected';

export interface Recipient {
  customerId: string;
  email: string;
  name: string;
}

/** What a notification says, whatever channel carries it: taken from one event, nothing else. */
interface FactsBase {
  eventId: string;
  topic: SourceTopic;
  /** When the event happened (epoch millis). */
  occurredAt: number;
  orderId: string;
  /** Null only for a refund rejected for an order the refunds service does not know. */
  customer: Recipient | null;
}

export interface OrderConfirmedFacts extends FactsBase {
  kind: 'order.confirmed';
  status: 'PAID';
  totalCents: number;
  currency: string;
  lines: OrderLine[];
  paymentId: string | null;
}

export interface OrderFailedFacts extends FactsBase {
  kind: 'order.failed';
  status: 'FAILED';
  totalCents: number;
  currency: string;
  lines: OrderLine[];
  reason: FailureReason | null;
  reasonDetail: string | null;
}

export interface RefundProcessedFacts extends FactsBase {
  kind: 'refund.processed';
  status: 'REFUNDED';
  refundId: string;
  /** This refund's amount: the "total" of a refund notification. */
  totalCents: number;
  currency: string;
  refundedTotalCents: number;
  remainingRefundableCents: number;
  /** Why the customer asked (free text). */
  refundReason: string;
}

export interface RefundRejectedFacts extends FactsBase {
  kind: 'refund.rejected';
  status: 'REJECTED';
  refundId: string;
  /** The amount asked for; null when the whole remaining amount was asked for. */
  totalCents: number | null;
  /** Null when the order is unknown. */
  currency: string | null;
  reason: RefundRejectReason;
  remainingRefundableCents: number | null;
  detail: string | null;
}

export type NotificationFacts =
  OrderConfirmedFacts | OrderFailedFacts | RefundProcessedFacts | RefundRejectedFacts;

function recipient(customer: { customer_id: string; email: string; name: string }): Recipient {
  return { customerId: customer.customer_id, email: customer.email, name: customer.name };
}

export function factsFromOrdersFinished(event: OrdersFinished): OrderConfirmedFacts | OrderFailedFacts {
  const base = {
    eventId: event.event_id,
    topic: 'orders.finished' as const,
    occurredAt: event.finished_at,
    orderId: event.order_id,
    customer: recipient(event.customer),
    totalCents: event.total_cents,
    currency: event.currency,
    lines: event.lines,
  };
  if (event.status === 'PAID') {
    return { ...base, kind: 'order.confirmed', status: 'PAID', paymentId: event.payment_id };
  }
  return {
    ...base,
    kind: 'order.failed',
    status: 'FAILED',
    reason: event.reason,
    reasonDetail: event.reason_detail,
  };
}

export function factsFromRefundsProcessed(event: RefundsProcessed): RefundProcessedFacts {
  return {
    kind: 'refund.processed',
    status: 'REFUNDED',
    eventId: event.event_id,
    topic: 'refunds.processed',
    occurredAt: event.processed_at,
    orderId: event.order_id,
    customer: recipient(event.customer),
    refundId: event.refund_id,
    totalCents: event.amount_cents,
    currency: event.currency,
    refundedTotalCents: event.refunded_total_cents,
    remainingRefundableCents: event.remaining_refundable_cents,
    refundReason: event.reason,
  };
}

export function factsFromRefundsRejected(event: RefundsRejected): RefundRejectedFacts {
  return {
    kind: 'refund.rejected',
    status: 'REJECTED',
    eventId: event.event_id,
    topic: 'refunds.rejected',
    occurredAt: event.rejected_at,
    orderId: event.order_id,
    customer: event.customer ? recipient(event.customer) : null,
    refundId: event.refund_id,
    totalCents: event.requested_amount_cents,
    currency: event.currency,
    reason: event.reason,
    remainingRefundableCents: event.remaining_refundable_cents,
    detail: event.detail,
  };
}

function amountProblem(name: string, value: number | null): string | undefined {
  if (value === null) return undefined;
  return Number.isSafeInteger(value) && value >= 0
    ? undefined
    : `${name} ${value} is not a non-negative integer`;
}

/**
 * Why an event cannot be turned into notifications; empty when it can. Such an event is dead-lettered:
 * no retry makes a bad currency or a negative amount presentable.
 */
export function factsProblems(facts: NotificationFacts): string[] {
  const problems: string[] = [];
  if (facts.orderId.trim() === '') problems.push('order_id is empty');
  if (facts.currency !== null && !isCurrencyCode(facts.currency)) {
    problems.push(`currency ${JSON.stringify(facts.currency)} is not an ISO 4217 code`);
  }
  const amounts: [string, number | null][] = [['total', facts.totalCents]];
  if (facts.kind === 'refund.processed') {
    amounts.push(['refunded_total_cents', facts.refundedTotalCents]);
    amounts.push(['remaining_refundable_cents', facts.remainingRefundableCents]);
  }
  if (facts.kind === 'refund.rejected')
    amounts.push(['remaining_refundable_cents', facts.remainingRefundableCents]);
  for (const [name, value] of amounts) {
    const problem = amountProblem(name, value);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** A plausible mailbox: something before and after one @, no spaces or angle brackets. */
export function isDeliverableEmail(email: string): boolean {
  return /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(email);
}

/**
 * The channels an event is notified on: the enabled ones that can reach someone. Without a customer (or
 * with an address no server would take) there is no e-mail; log and webhook still say what happened.
 */
export function channelsFor(facts: NotificationFacts, enabled: readonly ChannelName[]): ChannelName[] {
  return enabled.filter(
    (channel) => channel !== 'email' || (facts.customer !== null && isDeliverableEmail(facts.customer.email)),
  );
}

/** Same event and channel, same id: a redelivery or a replay can never create a second notification. */
export function notificationIdFor(eventId: string, channel: ChannelName): string {
  return eventIdFrom('notification', eventId, channel);
}
