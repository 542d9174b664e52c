import type { Customer, OrderLine, OrdersPlaced, Source } from '@orderflow/contracts';

/** What the service keeps of the orders.placed an order is built from. */
export interface PlacedOrder {
  orderId: string;
  placedEventId: string;
  /** The flow id every later event of the order copies. */
  correlationId: string;
  contentHash: string;
  customer: Customer;
  currency: string;
  totalCents: number;
  lines: OrderLine[];
  /** When the customer placed it (epoch millis). */
  placedAt: number;
  source: Source | null;
}

export function placedOrderFrom(event: OrdersPlaced): PlacedOrder {
  return {
    orderId: event.order_id,
    placedEventId: event.event_id,
    correlationId: event.correlation_id,
    contentHash: event.content_hash,
    customer: event.customer,
    currency: event.currency,
    totalCents: event.total_cents,
    lines: event.lines,
    placedAt: event.placed_at,
    source: event.source,
  };
}

/**
 * What makes an orders.placed unusable, however often it is retried: the schema lets these through, the
 * importer should not. An empty list means the order is fine.
 */
export function placedOrderProblems(event: OrdersPlaced): string[] {
  const problems: string[] = [];
  if (event.order_id.trim() === '') problems.push('order_id is empty');
  if (!/^[A-Z]{3}$/.test(event.currency))
    problems.push(`currency ${JSON.stringify(event.currency)} is not ISO 4217`);
  if (event.lines.length === 0) problems.push('the order has no lines');
  event.lines.forEach((line, index) => {
    if (!Number.isInteger(line.qty) || line.qty <= 0)
      problems.push(`lines[${index}].qty ${line.qty} is not positive`);
    if (line.unit_price_cents < 0) problems.push(`lines[${index}].unit_price_cents is negative`);
  });
  const sum = event.lines.reduce((total, line) => total + line.unit_price_cents * line.qty, 0);
  if (sum !== event.total_cents) {
    problems.push(`total_cents ${event.total_cents} is not the sum of the lines (${sum})`);
  }
  return problems;
}
