// What one consumed event changes in the analytics: pure, so the live consumer and a rebuild apply
// exactly the same thing, and a replay gives the same numbers.
import type { OrdersFinished, RefundsProcessed } from '@orderflow/contracts';
import { isUsableTime, utcDay, utcMonth } from './dates';
import type { KpiCounter } from './kpi';

export interface CustomerDisplay {
  customerId: string;
  name: string;
  email: string;
  /**
   * Which event's view of the customer wins: the latest `occurred_at`, ties broken by a hash of the
   * event id, so the stored name does not depend on the order events were replayed in.
   */
  version: { at: number; tiebreak: number };
}

/** The effects of one event, applied once per event id. */
export interface EventEffects {
  eventId: string;
  kpi: { day: string; currency: string; increments: Partial<Record<KpiCounter, number>> };
  /** Change of the customer's net spend (paid minus refunded), all-time and in the order's month. */
  spend?: { currency: string; month: string; customerId: string; deltaCents: number };
  customer?: CustomerDisplay;
}

/** An event that can never be applied (it goes to dlq.analytics). */
export class InvalidEventError extends Error {
  readonly code = 'ANALYTICS.INVALID_EVENT';
  readonly retryable = false;

  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

const CURRENCY = /^[A-Z]{3}$/;

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvalidEventError(message);
}

function checkEnvelope(event: { event_id: string; occurred_at: number }): void {
  check(event.event_id.length > 0 && event.event_id.length <= 200, 'event_id is empty or too long');
  check(isUsableTime(event.occurred_at), 'occurred_at is not a usable timestamp');
}

function checkCustomer(customer: { customer_id: string }): void {
  check(customer.customer_id.length > 0, 'customer.customer_id is empty');
}

function checkAmount(value: number, field: string): void {
  check(Number.isSafeInteger(value) && value >= 0, `${field} is not a non-negative integer of cents`);
}

/** 32-bit FNV-1a: a stable number per event id, only used to order two events of the same millisecond. */
export function tiebreakOf(eventId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    hash ^= eventId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function display(event: {
  event_id: string;
  occurred_at: number;
  customer: { customer_id: string; name: string; email: string };
}): CustomerDisplay {
  return {
    customerId: event.customer.customer_id,
    name: event.customer.name,
    email: event.customer.email,
    version: { at: event.occurred_at, tiebreak: tiebreakOf(event.event_id) },
  };
}

/**
 * A finished order counts on the UTC day it was placed: PAID adds to revenue, the order count and the
 * customer's net spend; FAILED only to the failed-order count.
 */
export function orderFinishedEffects(event: OrdersFinished): EventEffects {
  checkEnvelope(event);
  checkCustomer(event.customer);
  check(CURRENCY.test(event.currency), `currency ${JSON.stringify(event.currency)} is not an ISO 4217 code`);
  check(isUsableTime(event.placed_at), 'placed_at is not a usable timestamp');
  checkAmount(event.total_cents, 'total_cents');
  const day = utcDay(event.placed_at);
  if (event.status === 'FAILED') {
    return {
      eventId: event.event_id,
      kpi: { day, currency: event.currency, increments: { failed_order_count: 1 } },
    };
  }
  check(event.status === 'PAID', `status ${String(event.status)} is neither PAID nor FAILED`);
  return {
    eventId: event.event_id,
    kpi: {
      day,
      currency: event.currency,
      increments: { revenue_cents: event.total_cents, order_count: 1 },
    },
    spend: {
      currency: event.currency,
      month: utcMonth(event.placed_at),
      customerId: event.customer.customer_id,
      deltaCents: event.total_cents,
    },
    customer: display(event),
  };
}

/**
 * A refund counts on the UTC day it was processed, and comes off the customer's net spend in the month
 * the order was placed (so a month's leaderboard nets each order's refunds against it).
 */
export function refundProcessedEffects(event: RefundsProcessed): EventEffects {
  checkEnvelope(event);
  checkCustomer(event.customer);
  check(CURRENCY.test(event.currency), `currency ${JSON.stringify(event.currency)} is not an ISO 4217 code`);
  check(isUsableTime(event.processed_at), 'processed_at is not a usable timestamp');
  check(isUsableTime(event.order_placed_at), 'order_placed_at is not a usable timestamp');
  checkAmount(event.amount_cents, 'amount_cents');
  return {
    eventId: event.event_id,
    kpi: {
      day: utcDay(event.processed_at),
      currency: event.currency,
      increments: { refund_count: 1, refund_amount_cents: event.amount_cents },
    },
    spend: {
      currency: event.currency,
      month: utcMonth(event.order_placed_at),
      customerId: event.customer.customer_id,
      deltaCents: -event.amount_cents,
    },
    customer: display(event),
  };
}
