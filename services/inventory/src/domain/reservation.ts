// The reservation decision: an order's lines against the stock of their SKUs -> reserve every line or none.
// Pure: the handler locks the stock rows, asks here, and writes what the decision says.

/** The part of an order line the inventory cares about. */
export interface RequestedLine {
  sku: string;
  qty: number;
  unit_price_cents: number;
}

/** Current stock of a known SKU. */
export interface StockLevel {
  on_hand: number;
  reserved: number;
}

export interface SkuQuantity {
  sku: string;
  qty: number;
}

export interface PricedLine {
  sku: string;
  qty: number;
  unit_price_cents: number;
  line_total_cents: number;
}

export type LineRejectReason = 'UNKNOWN_SKU' | 'INSUFFICIENT_STOCK';
export type RejectReason = 'UNKNOWN_SKU' | 'OUT_OF_STOCK';

export interface RejectedLine {
  sku: string;
  reason: LineRejectReason;
  /** Units of this SKU the whole order asks for (lines sharing a SKU are summed). */
  requested: number;
  /** Units available to reserve at decision time; 0 for an unknown SKU. */
  available: number;
}

export type ReservationDecision =
  | {
      outcome: 'RESERVED';
      /** One per order line, in order, priced with the order's own unit prices. */
      lines: PricedLine[];
      total_cents: number;
      /** What to add to `reserved`, one entry per SKU, sorted by SKU. */
      quantities: SkuQuantity[];
    }
  | {
      outcome: 'REJECTED';
      /** UNKNOWN_SKU when any SKU is unknown, otherwise OUT_OF_STOCK. */
      reason: RejectReason;
      /** Only the SKUs that failed, in the order they first appear in the order. */
      lines: RejectedLine[];
    };

/** Stock columns are Postgres `integer`. */
export const MAX_UNITS = 2_147_483_647;

export function available(level: StockLevel): number {
  return level.on_hand - level.reserved;
}

/**
 * Units per SKU, sorted by SKU: several lines may name the same SKU, and the stock rows are locked and
 * updated in this order.
 */
export function quantitiesBySku(lines: readonly { sku: string; qty: number }[]): SkuQuantity[] {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.qty);
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, qty]) => ({ sku, qty }));
}

/** Prices one line; undefined when the amount is not a safe integer (it could not be carried exactly). */
export function priceLine(line: RequestedLine): PricedLine | undefined {
  const total = BigInt(line.unit_price_cents) * BigInt(line.qty);
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return {
    sku: line.sku,
    qty: line.qty,
    unit_price_cents: line.unit_price_cents,
    line_total_cents: Number(total),
  };
}

/**
 * Why an order can never be reserved whatever the stock (an empty order, a non-positive quantity, a
 * negative or inexact price): such an order is a bad message, not an out-of-stock one. Empty when fine.
 */
export function orderProblems(lines: readonly RequestedLine[]): string[] {
  const problems: string[] = [];
  if (lines.length === 0) problems.push('the order has no lines');
  lines.forEach((line, index) => {
    const where = `lines[${index}]`;
    if (line.sku.trim() === '') problems.push(`${where}.sku is empty`);
    if (!Number.isInteger(line.qty) || line.qty <= 0)
      problems.push(`${where}.qty must be a positive integer`);
    if (!Number.isSafeInteger(line.unit_price_cents) || line.unit_price_cents < 0) {
      problems.push(`${where}.unit_price_cents must be a non-negative integer`);
    }
  });
  if (problems.length > 0) return problems;
  let total = 0n;
  for (const [index, line] of lines.entries()) {
    const priced = priceLine(line);
    if (!priced) {
      problems.push(`lines[${index}] total exceeds ${Number.MAX_SAFE_INTEGER} cents`);
      continue;
    }
    total += BigInt(priced.line_total_cents);
  }
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) problems.push('order total exceeds the largest exact amount');
  for (const { sku, qty } of quantitiesBySku(lines)) {
    if (qty > MAX_UNITS) problems.push(`${qty} units of ${sku} exceed ${MAX_UNITS}`);
  }
  return problems;
}

/**
 * All or none: the order is reserved only when every SKU is known and has enough available units for
 * the sum of its lines. Expects lines that passed `orderProblems`.
 */
export function decideReservation(
  lines: readonly RequestedLine[],
  stock: ReadonlyMap<string, StockLevel>,
): ReservationDecision {
  const quantities = quantitiesBySku(lines);
  const requested = new Map(quantities.map((q) => [q.sku, q.qty]));
  const rejected: RejectedLine[] = [];
  const seen = new Set<string>();
  for (const line of lines) {
    if (seen.has(line.sku)) continue;
    seen.add(line.sku);
    const wanted = requested.get(line.sku) ?? 0;
    const level = stock.get(line.sku);
    if (!level) {
      rejected.push({ sku: line.sku, reason: 'UNKNOWN_SKU', requested: wanted, available: 0 });
      continue;
    }
    const free = Math.max(0, available(level));
    if (wanted > free) {
      rejected.push({ sku: line.sku, reason: 'INSUFFICIENT_STOCK', requested: wanted, available: free });
    }
  }
  if (rejected.length > 0) {
    const reason = rejected.some((line) => line.reason === 'UNKNOWN_SKU') ? 'UNKNOWN_SKU' : 'OUT_OF_STOCK';
    return { outcome: 'REJECTED', reason, lines: rejected };
  }
  const priced = priceOrder(lines);
  return { outcome: 'RESERVED', lines: priced.lines, total_cents: priced.total_cents, quantities };
}

/**
 * Decides orders one after another against the same stock, as one batch: an order reserved earlier in the
 * sequence has taken its units, so a later one sees only what is left. All or none per order, as
 * `decideReservation`. `stock` is left as it is; `reserved` is what the whole sequence adds to `reserved`,
 * one entry per SKU, sorted by SKU. Expects orders whose lines passed `orderProblems`.
 */
export function decideInSequence(
  orders: readonly (readonly RequestedLine[])[],
  stock: ReadonlyMap<string, StockLevel>,
): { decisions: ReservationDecision[]; reserved: SkuQuantity[] } {
  const levels = new Map<string, StockLevel>();
  for (const [sku, level] of stock) levels.set(sku, { ...level });
  const added = new Map<string, number>();
  const decisions = orders.map((lines) => {
    const decision = decideReservation(lines, levels);
    if (decision.outcome === 'RESERVED') {
      for (const { sku, qty } of decision.quantities) {
        const level = levels.get(sku)!;
        level.reserved += qty;
        added.set(sku, (added.get(sku) ?? 0) + qty);
      }
    }
    return decision;
  });
  return { decisions, reserved: quantitiesBySku([...added].map(([sku, qty]) => ({ sku, qty }))) };
}

/** Every line priced with the order's unit prices, and their sum. Expects lines that passed `orderProblems`. */
export function priceOrder(lines: readonly RequestedLine[]): { lines: PricedLine[]; total_cents: number } {
  const priced = lines.map((line) => {
    const result = priceLine(line);
    if (!result) throw new RangeError(`line total of ${line.sku} is not exact; check orderProblems first`);
    return result;
  });
  return { lines: priced, total_cents: priced.reduce((sum, line) => sum + line.line_total_cents, 0) };
}

export type ReservationStatus = 'RESERVED' | 'COMMITTED' | 'RELEASED' | 'REJECTED';
export type OrderOutcome = 'PAID' | 'FAILED';

export type FinishAction =
  /** RESERVED + PAID: reserved units leave the shelf and count as sold. */
  | 'COMMIT'
  /** RESERVED + FAILED: reserved units go back to available. */
  | 'RELEASE'
  /** Nothing reserved, or already settled. */
  | 'NONE'
  /**
   * No reservation yet: the outcome overtook its orders.placed (only in a replay, topics are not ordered
   * against each other). Recording it keeps a late orders.placed from reserving stock nobody releases.
   */
  | 'RECORD_OUTCOME';

/**
 * What an orders.finished does to an order's reservation. `conflict` flags an outcome that contradicts
 * what was already settled (e.g. FAILED after COMMITTED): nothing changes, but someone should look.
 */
export function actionOnFinish(
  status: ReservationStatus | undefined,
  outcome: OrderOutcome,
): { action: FinishAction; conflict: boolean } {
  switch (status) {
    case undefined:
      return { action: 'RECORD_OUTCOME', conflict: false };
    case 'RESERVED':
      return { action: outcome === 'PAID' ? 'COMMIT' : 'RELEASE', conflict: false };
    case 'COMMITTED':
      return { action: 'NONE', conflict: outcome !== 'PAID' };
    case 'RELEASED':
      return { action: 'NONE', conflict: outcome !== 'FAILED' };
    case 'REJECTED':
      // Nothing was reserved; an order the inventory rejected cannot have been paid.
      return { action: 'NONE', conflict: outcome === 'PAID' };
  }
}

/** What settling reservations does to one SKU's row; every field is added to the column of that name. */
export interface StockDelta {
  sku: string;
  on_hand: number;
  reserved: number;
  sold: number;
}

/**
 * The net change to each SKU's row of committing (`COMMIT`: reserved units leave on hand and count as
 * sold) or releasing (`RELEASE`: reserved units become available again) several reservations, one entry
 * per SKU, sorted by SKU, so a batch updates every row once.
 */
export function settlementDeltas(
  settlements: readonly { action: 'COMMIT' | 'RELEASE'; quantities: readonly SkuQuantity[] }[],
): StockDelta[] {
  const deltas = new Map<string, StockDelta>();
  for (const { action, quantities } of settlements) {
    for (const { sku, qty } of quantities) {
      let delta = deltas.get(sku);
      if (!delta) {
        delta = { sku, on_hand: 0, reserved: 0, sold: 0 };
        deltas.set(sku, delta);
      }
      delta.reserved -= qty;
      if (action === 'COMMIT') {
        delta.on_hand -= qty;
        delta.sold += qty;
      }
    }
  }
  return [...deltas.values()].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** The status a reservation ends in after `action`. */
export function statusAfter(action: 'COMMIT' | 'RELEASE'): ReservationStatus {
  return action === 'COMMIT' ? 'COMMITTED' : 'RELEASED';
}
