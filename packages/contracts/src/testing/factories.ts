// Valid, internally consistent events for tests. Every call yields fresh ids so tests never share data;
// pass overrides for what a test is about. The `...For` builders continue one order's flow.
import { randomUUID } from 'node:crypto';
import type { TopicName, TopicValue } from '../catalogue';
import type {
  Customer,
  InventoryRejected,
  InventoryReserved,
  InventoryStockLevels,
  OrderLine,
  OrdersFinished,
  OrdersPlaced,
  PaymentsFailed,
  PaymentsSucceeded,
  RefundsProcessed,
  RefundsRejected,
  RefundsRequested,
} from '../generated/types';

/** A short unique id with a readable prefix, e.g. `ord-1f3a9c2e`. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

const PLACED_AT = Date.UTC(2025, 0, 15, 10, 30);

function envelope(correlationId: string = randomUUID(), causationId: string | null = null) {
  return {
    event_id: randomUUID(),
    occurred_at: Date.now(),
    correlation_id: correlationId,
    causation_id: causationId,
  };
}

/** Continues the flow of `cause`: same order, same correlation id, caused by it. */
function follow(cause: { event_id: string; order_id: string; correlation_id: string }) {
  return { ...envelope(cause.correlation_id, cause.event_id), order_id: cause.order_id };
}

function sumLines(lines: readonly { unit_price_cents: number; qty: number }[]): number {
  return lines.reduce((sum, line) => sum + line.unit_price_cents * line.qty, 0);
}

export function buildCustomer(overrides: Partial<Customer> = {}): Customer {
  const id = uniqueId('cust');
  return { customer_id: id, email: `${id}@example.test`, name: 'Ada Lovelace', ...overrides };
}

export function buildOrderLine(overrides: Partial<OrderLine> = {}): OrderLine {
  return {
    sku: uniqueId('SKU'),
    name: 'Analytical Engine gear',
    unit_price_cents: 1250,
    qty: 2,
    ...overrides,
  };
}

/** total_cents follows the lines unless overridden. */
export function buildOrdersPlaced(overrides: Partial<OrdersPlaced> = {}): OrdersPlaced {
  const lines = overrides.lines ?? [buildOrderLine(), buildOrderLine({ unit_price_cents: 399, qty: 1 })];
  return {
    ...envelope(),
    order_id: uniqueId('ord'),
    source: { file: 'orders.csv', line: 2 },
    placed_at: PLACED_AT,
    currency: 'EUR',
    customer: buildCustomer(),
    lines,
    total_cents: sumLines(lines),
    content_hash: randomUUID().replace(/-/g, '').repeat(2),
    ...overrides,
  };
}

export function inventoryReservedFor(
  placed: OrdersPlaced,
  overrides: Partial<InventoryReserved> = {},
): InventoryReserved {
  return {
    ...follow(placed),
    reservation_id: uniqueId('res'),
    currency: placed.currency,
    lines: placed.lines.map((line) => ({
      sku: line.sku,
      qty: line.qty,
      unit_price_cents: line.unit_price_cents,
      line_total_cents: line.unit_price_cents * line.qty,
    })),
    total_cents: placed.total_cents,
    ...overrides,
  };
}

/** Rejects the order because its first line is short of stock. */
export function inventoryRejectedFor(
  placed: OrdersPlaced,
  overrides: Partial<InventoryRejected> = {},
): InventoryRejected {
  const first = placed.lines[0];
  return {
    ...follow(placed),
    reason: 'OUT_OF_STOCK',
    lines: first
      ? [{ sku: first.sku, reason: 'INSUFFICIENT_STOCK', requested: first.qty, available: 0 }]
      : [],
    ...overrides,
  };
}

export function paymentsSucceededFor(
  reserved: InventoryReserved,
  overrides: Partial<PaymentsSucceeded> = {},
): PaymentsSucceeded {
  return {
    ...follow(reserved),
    payment_id: uniqueId('pay'),
    amount_cents: reserved.total_cents,
    currency: reserved.currency,
    gateway_reference: uniqueId('gw'),
    paid_at: Date.now(),
    ...overrides,
  };
}

export function paymentsFailedFor(
  reserved: InventoryReserved,
  overrides: Partial<PaymentsFailed> = {},
): PaymentsFailed {
  return {
    ...follow(reserved),
    payment_id: uniqueId('pay'),
    amount_cents: reserved.total_cents,
    currency: reserved.currency,
    reason: 'DECLINED',
    detail: 'card declined',
    ...overrides,
  };
}

/** PAID by default; pass `{ status: 'FAILED', reason, payment_id: null }` for a failed order. */
export function ordersFinishedFor(
  placed: OrdersPlaced,
  overrides: Partial<OrdersFinished> = {},
): OrdersFinished {
  return {
    ...follow(placed),
    status: 'PAID',
    reason: null,
    reason_detail: null,
    customer: placed.customer,
    currency: placed.currency,
    total_cents: placed.total_cents,
    lines: placed.lines,
    placed_at: placed.placed_at,
    finished_at: Date.now(),
    payment_id: uniqueId('pay'),
    ...overrides,
  };
}

/** A partial refund of a third of the order (amount_cents null would mean "everything left"). */
export function refundsRequestedFor(
  finished: OrdersFinished,
  overrides: Partial<RefundsRequested> = {},
): RefundsRequested {
  const refundId = uniqueId('ref');
  return {
    ...envelope(refundId),
    order_id: finished.order_id,
    refund_id: refundId,
    idempotency_key: randomUUID(),
    amount_cents: Math.floor(finished.total_cents / 3),
    reason: 'damaged on arrival',
    requested_at: Date.now(),
    ...overrides,
  };
}

export function refundsProcessedFor(
  finished: OrdersFinished,
  requested: RefundsRequested,
  overrides: Partial<RefundsProcessed> = {},
): RefundsProcessed {
  const amount = requested.amount_cents ?? finished.total_cents;
  return {
    ...follow(requested),
    refund_id: requested.refund_id,
    amount_cents: amount,
    currency: finished.currency,
    customer: finished.customer,
    order_placed_at: finished.placed_at,
    refunded_total_cents: amount,
    remaining_refundable_cents: finished.total_cents - amount,
    reason: requested.reason,
    processed_at: Date.now(),
    ...overrides,
  };
}

/** Rejected because the amount is more than what is left; pass overrides for the other reasons. */
export function refundsRejectedFor(
  finished: OrdersFinished,
  requested: RefundsRequested,
  overrides: Partial<RefundsRejected> = {},
): RefundsRejected {
  return {
    ...follow(requested),
    refund_id: requested.refund_id,
    requested_amount_cents: requested.amount_cents,
    currency: finished.currency,
    customer: finished.customer,
    reason: 'AMOUNT_EXCEEDS_REMAINING',
    remaining_refundable_cents: 0,
    detail: null,
    rejected_at: Date.now(),
    ...overrides,
  };
}

export function buildInventoryStockLevels(
  overrides: Partial<InventoryStockLevels> = {},
): InventoryStockLevels {
  return {
    ...envelope(),
    sku: uniqueId('SKU'),
    product_name: 'Difference Engine crank',
    on_hand: 100,
    unit_price_cents: 1250,
    currency: 'EUR',
    ...overrides,
  };
}

/** One valid event per topic, each from a fresh order; for tests that iterate over every topic. */
export function sampleEvent<T extends TopicName>(topic: T): TopicValue<T> {
  const placed = buildOrdersPlaced();
  const reserved = inventoryReservedFor(placed);
  const finished = ordersFinishedFor(placed);
  const requested = refundsRequestedFor(finished);
  const samples: { [K in TopicName]: () => TopicValue<K> } = {
    'orders.placed': () => placed,
    'inventory.reserved': () => reserved,
    'inventory.rejected': () => inventoryRejectedFor(placed),
    'payments.succeeded': () => paymentsSucceededFor(reserved),
    'payments.failed': () => paymentsFailedFor(reserved),
    'orders.finished': () => finished,
    'refunds.requested': () => requested,
    'refunds.processed': () => refundsProcessedFor(finished, requested),
    'refunds.rejected': () => refundsRejectedFor(finished, requested),
    'inventory.stock-levels': () => buildInventoryStockLevels(),
  };
  return samples[topic]();
}
