// The invariants of DESIGN.md ("Invariants") and issue 7, each a pure function over what verify read
// from the topics (EventScan), the services' schemas (Stores) and analytics' Redis (AnalyticsState).
import type { AnalyticsState } from './analytics-reader';
import { CAUSES, type EventScan, type FlowEvent } from './event-scan';
import type { Stores } from './store-reader';

export const INVARIANTS = [
  { key: 'finished-once', name: 'every order finished exactly once' },
  { key: 'stock', name: 'stock conserved, never negative' },
  { key: 'payments', name: 'one kept payment per PAID order' },
  { key: 'refunds', name: 'refunds within paid, one per key' },
  { key: 'notifications', name: 'one notification per (event, channel)' },
  { key: 'analytics', name: 'KPIs and leaderboards to the cent' },
  { key: 'partitions', name: 'one partition per order, causal order' },
] as const;
export type InvariantKey = (typeof INVARIANTS)[number]['key'];

export interface Violation {
  /** What is wrong: an order id, SKU, refund id, event id, `<day> <CUR> <counter>`... */
  id: string;
  problem: string;
}

export interface InvariantResult {
  key: InvariantKey;
  name: string;
  ok: boolean;
  /** How many things (orders, SKUs, refunds, counters...) were checked. */
  checked: number;
  violationCount: number;
  /** The first few violations, in a stable order. */
  violations: Violation[];
  notes: string[];
}

export interface CheckInput {
  scan: EventScan;
  stores: Stores;
  analytics: AnalyticsState;
  /** Orders to judge (all placed orders unless restricted by --since / --orders-from-file). */
  scope: Set<string>;
  /** True when the scope is the whole of orders.placed (global checks then also look for strays). */
  unscoped: boolean;
  channels: string[];
  kpiTtlDays: number;
  now: number;
  /** How many violations to keep per invariant. */
  keep?: number;
}

class Collector {
  readonly violations: Violation[] = [];
  count = 0;
  notes: string[] = [];
  constructor(private readonly keep: number) {}

  add(id: string, problem: string): void {
    this.count++;
    // Enough to pick the first few in id order without holding a million of them.
    if (this.violations.length < 1000) this.violations.push({ id, problem });
  }

  result(key: InvariantKey, checked: number): InvariantResult {
    const name = INVARIANTS.find((i) => i.key === key)!.name;
    const violations = [...this.violations]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, this.keep);
    return {
      key,
      name,
      ok: this.count === 0,
      checked,
      violationCount: this.count,
      violations,
      notes: this.notes,
    };
  }
}

const DAY_MS = 86_400_000;
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const utcMonth = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

/** 1. Every order in orders.placed has exactly one orders.finished (distinct event ids) and is final in orders' own table. */
export function checkFinishedOnce(input: CheckInput): InvariantResult {
  const c = new Collector(input.keep ?? 5);
  const own = new Map(input.stores.orders.map((o) => [o.orderId, o]));
  for (const orderId of input.scope) {
    const finished = input.scan.finished.get(orderId);
    const row = own.get(orderId);
    if (!finished || finished.size === 0) c.add(orderId, 'placed but no orders.finished');
    else if (finished.size > 1)
      c.add(orderId, `${finished.size} orders.finished events (distinct event ids)`);
    if (!row) {
      c.add(orderId, "placed but not in orders' table");
      continue;
    }
    if (row.status !== 'PAID' && row.status !== 'FAILED') c.add(orderId, `status ${row.status}, not final`);
    else if (finished?.size === 1) {
      const [eventId, status] = [...finished][0]!;
      if (row.finishedEventId !== eventId)
        c.add(
          orderId,
          `orders.finished event ${eventId} is not the table's ${row.finishedEventId ?? 'none'}`,
        );
      if (status !== row.status) c.add(orderId, `orders.finished says ${status}, the table ${row.status}`);
    }
  }
  if (input.unscoped) {
    for (const orderId of input.scan.finished.keys()) {
      if (!input.scan.placed.has(orderId)) c.add(orderId, 'finished but never placed');
    }
  }
  return c.result('finished-once', input.scope.size);
}

/** 2. Per SKU: nothing negative, nothing reserved at rest, initial level = on hand + sold, sold = what was committed = what PAID orders bought. */
export function checkStock(input: CheckInput): InvariantResult {
  const c = new Collector(input.keep ?? 5);
  const { stores, scan } = input;
  const stock = new Map(stores.stock.map((s) => [s.sku, s]));
  for (const s of stores.stock) {
    const negative = (['onHand', 'reserved', 'sold'] as const).filter((k) => s[k] < 0);
    if (negative.length > 0) c.add(s.sku, `negative ${negative.join(', ')}`);
    if (s.onHand - s.reserved < 0) c.add(s.sku, `available ${s.onHand - s.reserved} < 0`);
    if (s.reserved !== 0) c.add(s.sku, `reserved ${s.reserved} at rest`);
    const level = scan.stockLevels.get(s.sku);
    if (!level) c.add(s.sku, 'in stock table but no level in inventory.stock-levels');
    else if (level.onHand !== s.onHand - s.reserved + s.sold)
      c.add(
        s.sku,
        `initial ${level.onHand} != available ${s.onHand - s.reserved} + sold ${s.sold}` +
          (level.levels.size > 1 ? ` (the topic holds ${level.levels.size} levels; latest used)` : ''),
      );
    const committed = stores.committedBySku.get(s.sku) ?? 0;
    if (committed !== s.sold) c.add(s.sku, `sold ${s.sold} != ${committed} in committed reservations`);
    const paid = stores.paidUnitsBySku.get(s.sku) ?? 0;
    if (paid !== s.sold) c.add(s.sku, `sold ${s.sold} != ${paid} units in PAID orders`);
  }
  for (const sku of scan.stockLevels.keys()) {
    if (!stock.has(sku)) c.add(sku, 'level in inventory.stock-levels but not in stock table');
  }
  for (const [sku, units] of stores.paidUnitsBySku) {
    if (!stock.has(sku)) c.add(sku, `${units} units in PAID orders of a SKU the stock table lacks`);
  }
  for (const orderId of stores.openReservations) c.add(orderId, 'reservation still RESERVED at rest');
  return c.result('stock', stores.stock.length);
}

/** 3. A PAID order: one SUCCEEDED payment of its total, one payments.succeeded; a FAILED order: no kept payment. */
export function checkPayments(input: CheckInput): InvariantResult {
  const c = new Collector(input.keep ?? 5);
  const payments = new Map(input.stores.payments.map((p) => [p.orderId, p]));
  let checked = 0;
  for (const order of input.stores.orders) {
    if (!input.scope.has(order.orderId)) continue;
    const payment = payments.get(order.orderId);
    const succeeded = input.scan.paymentsSucceeded.get(order.orderId)?.size ?? 0;
    if (order.status === 'PAID') {
      checked++;
      if (!payment) c.add(order.orderId, 'PAID without a payment');
      else {
        if (payment.status !== 'SUCCEEDED') c.add(order.orderId, `PAID but payment ${payment.status}`);
        if (payment.amountCents !== order.totalCents)
          c.add(order.orderId, `payment ${payment.amountCents} != order total ${order.totalCents}`);
      }
      if (succeeded !== 1) c.add(order.orderId, `PAID with ${succeeded} payments.succeeded events`);
    } else if (order.status === 'FAILED') {
      checked++;
      if (payment?.status === 'SUCCEEDED') c.add(order.orderId, 'FAILED but its payment SUCCEEDED (kept)');
      if (payment?.status === 'PENDING') c.add(order.orderId, 'FAILED but its payment still PENDING');
      if (succeeded > 0) c.add(order.orderId, `FAILED with ${succeeded} payments.succeeded events`);
    }
  }
  return c.result('payments', checked);
}

/** 4. Per order: refunded <= paid (orders' record of the total); one refund per idempotency key, one outcome per refund. */
export function checkRefunds(input: CheckInput): InvariantResult {
  const c = new Collector(input.keep ?? 5);
  const { stores, scan } = input;
  const orders = new Map(stores.orders.map((o) => [o.orderId, o]));
  const refunded = new Map<string, number>();
  const keys = new Map<string, string[]>();
  for (const r of stores.refunds) {
    if (r.status === 'REFUNDED')
      refunded.set(r.orderId, (refunded.get(r.orderId) ?? 0) + (r.amountCents ?? 0));
    keys.set(r.idempotencyKey, [...(keys.get(r.idempotencyKey) ?? []), r.refundId]);
    const outcomes = scan.refundOutcomes.get(r.refundId)?.size ?? 0;
    if (outcomes > 1) c.add(r.refundId, `${outcomes} outcome events`);
    if ((r.status === 'REFUNDED' || r.status === 'REJECTED') && outcomes === 0)
      c.add(r.refundId, `${r.status} but no refunds.processed/rejected event`);
  }
  for (const [key, ids] of keys) if (ids.length > 1) c.add(key, `idempotency key has ${ids.length} refunds`);
  for (const [key, { orderId, refundIds }] of scan.refundsByKey) {
    if (!input.unscoped && !input.scope.has(orderId)) continue;
    if (refundIds.size > 1) c.add(key, `idempotency key requested as ${refundIds.size} refund ids`);
  }
  const byOrder = new Map(stores.refundOrders.map((o) => [o.orderId, o]));
  let checked = 0;
  for (const [orderId, cents] of refunded) {
    if (!input.unscoped && !input.scope.has(orderId)) continue;
    checked++;
    const order = orders.get(orderId);
    const paid = order?.status === 'PAID' ? order.totalCents : 0;
    if (cents > paid) c.add(orderId, `refunded ${cents} > paid ${paid}`);
    const own = byOrder.get(orderId);
    if (own && own.refundedCents !== cents)
      c.add(orderId, `refunds' order row says ${own.refundedCents} refunded, its refunds ${cents}`);
  }
  for (const own of stores.refundOrders) {
    if (own.refundedCents > own.paidCents)
      c.add(own.orderId, `refunded ${own.refundedCents} > paid ${own.paidCents}`);
  }
  c.notes.push(`${stores.refunds.length} refunds, ${checked} refunded orders`);
  return c.result('refunds', stores.refunds.length);
}

/** 5. No (event, channel) twice; each order outcome and refund decision has one notification per channel. */
export function checkNotifications(input: CheckInput): InvariantResult {
  const c = new Collector(input.keep ?? 5);
  const channelsOf = new Map<string, Set<string>>();
  for (const n of input.stores.notifications) {
    if (n.count > 1) c.add(n.eventId, `${n.count} notifications on ${n.channel}`);
    const set = channelsOf.get(n.eventId) ?? new Set<string>();
    set.add(n.channel);
    channelsOf.set(n.eventId, set);
  }
  // Email goes only to deliverable addresses, so it is never required; the others always are.
  const required = input.channels.filter((ch) => ch !== 'email');
  const expected = new Map<string, string>();
  for (const o of input.stores.orders) {
    if (o.finishedEventId && input.scope.has(o.orderId)) expected.set(o.finishedEventId, o.orderId);
  }
  for (const r of input.stores.refunds) {
    if (r.outcomeEventId && (input.unscoped || input.scope.has(r.orderId)))
      expected.set(r.outcomeEventId, r.refundId);
  }
  for (const [eventId, owner] of expected) {
    const have = channelsOf.get(eventId);
    for (const ch of required) if (!have?.has(ch)) c.add(owner, `no ${ch} notification for event ${eventId}`);
  }
  if (input.unscoped) {
    const known = new Set([
      ...input.stores.orders.map((o) => o.finishedEventId),
      ...input.stores.refunds.map((r) => r.outcomeEventId),
    ]);
    for (const eventId of channelsOf.keys()) {
      if (!known.has(eventId)) c.add(eventId, 'notified event is no order outcome nor refund decision');
    }
  }
  c.notes.push(`channels required: ${required.join(', ') || 'none'}`);
  return c.result('notifications', expected.size);
}

/**
 * 6. Analytics' counters and boards equal what orders and refunds record: per UTC day of placed_at
 * (orders) or of the decision (refunds) and currency; net spend per customer, all-time and per month of
 * the order's placed_at. Days analytics let expire (ANALYTICS_KPI_TTL_DAYS) are not compared.
 */
export function checkAnalytics(input: CheckInput): InvariantResult {
  const c = new Collector(input.keep ?? 5);
  const { stores, analytics } = input;
  if (analytics.generation === null) {
    c.add('(redis)', 'no active analytics generation: Redis holds no data (wiped and not rebuilt?)');
    return c.result('analytics', 0);
  }
  const kpis = new Map<string, number>();
  const boards = new Map<string, Map<string, number>>();
  const addKpi = (day: string, currency: string, counter: string, by: number): void => {
    const key = `${day} ${currency} ${counter}`;
    kpis.set(key, (kpis.get(key) ?? 0) + by);
  };
  const addSpend = (currency: string, month: string, customer: string, cents: number): void => {
    for (const board of [`${currency}:all`, `${currency}:${month}`]) {
      const scores = boards.get(board) ?? new Map<string, number>();
      scores.set(customer, (scores.get(customer) ?? 0) + cents);
      boards.set(board, scores);
    }
  };
  for (const o of stores.orders) {
    if (!o.finishedEventId || o.placedAtMs === null || !o.currency) continue;
    const day = utcDay(o.placedAtMs);
    if (o.status === 'PAID') {
      addKpi(day, o.currency, 'revenue_cents', o.totalCents);
      addKpi(day, o.currency, 'order_count', 1);
      addSpend(o.currency, utcMonth(o.placedAtMs), o.customerId ?? '', o.totalCents);
    } else if (o.status === 'FAILED') addKpi(day, o.currency, 'failed_order_count', 1);
  }
  const refundOrders = new Map(stores.refundOrders.map((o) => [o.orderId, o]));
  for (const r of stores.refunds) {
    if (r.status !== 'REFUNDED' || r.decidedAtMs === null || !r.currency) continue;
    addKpi(utcDay(r.decidedAtMs), r.currency, 'refund_count', 1);
    addKpi(utcDay(r.decidedAtMs), r.currency, 'refund_amount_cents', r.amountCents ?? 0);
    const order = refundOrders.get(r.orderId);
    if (order?.placedAtMs == null) c.add(r.refundId, 'refunded, but refunds has no placed_at for its order');
    else addSpend(r.currency, utcMonth(order.placedAtMs), order.customerId ?? '', -(r.amountCents ?? 0));
  }

  const expired = (day: string): boolean =>
    input.kpiTtlDays > 0 && Date.parse(`${day}T00:00:00Z`) + (1 + input.kpiTtlDays) * DAY_MS <= input.now;
  let skipped = 0;
  let checked = 0;
  for (const key of new Set([...kpis.keys(), ...analytics.kpis.keys()])) {
    if (expired(key.slice(0, 10))) {
      skipped++;
      continue;
    }
    checked++;
    const want = kpis.get(key) ?? 0;
    const got = analytics.kpis.get(key) ?? 0;
    if (want !== got) c.add(key, `analytics ${got}, orders/refunds say ${want}`);
  }
  for (const board of new Set([...boards.keys(), ...analytics.boards.keys()])) {
    const want = boards.get(board) ?? new Map<string, number>();
    const got = analytics.boards.get(board) ?? new Map<string, number>();
    for (const customer of new Set([...want.keys(), ...got.keys()])) {
      checked++;
      const w = want.get(customer) ?? 0;
      const g = got.get(customer) ?? 0;
      if (w !== g) c.add(`lb ${board} ${customer}`, `analytics ${g}, orders/refunds say ${w}`);
    }
  }
  if (skipped > 0) c.notes.push(`${skipped} counters of days past ANALYTICS_KPI_TTL_DAYS not compared`);
  return c.result('analytics', checked);
}

/**
 * 7. Each order's events carry one partition number on every flow topic, and each event follows its
 * cause: the event its causation_id names exists, belongs to the same order, is of a topic that can cause
 * it, and was written no later.
 */
export function checkPartitions(input: CheckInput): InvariantResult {
  const c = new Collector(input.keep ?? 5);
  const { scan } = input;
  // Each order's reference is its orders.placed event (the root of its flow), else the first event seen;
  // an order is reported once, with its first event off that partition, whatever order the scan read in.
  const partitionOf = new Map<string, FlowEvent>();
  const all = [...scan.events.values(), ...scan.copies].filter((e) => input.scope.has(e.orderId));
  for (const e of all) {
    const known = partitionOf.get(e.orderId);
    if (!known || (e.topic === 'orders.placed' && known.topic !== 'orders.placed'))
      partitionOf.set(e.orderId, e);
  }
  const reported = new Set<string>();
  for (const e of all) {
    const first = partitionOf.get(e.orderId)!;
    if (first.partition === e.partition || reported.has(e.orderId)) continue;
    reported.add(e.orderId);
    c.add(
      e.orderId,
      `${e.topic} partition ${e.partition} (offset ${e.offset}) but ${first.topic} partition ${first.partition}`,
    );
  }
  for (const e of scan.events.values()) {
    if (!input.scope.has(e.orderId) || CAUSES[e.topic].length === 0) continue;
    if (e.causationId === null) {
      c.add(e.orderId, `${e.topic} ${e.eventId} has no causation_id`);
      continue;
    }
    const cause = scan.events.get(e.causationId);
    if (!cause) c.add(e.orderId, `${e.topic} ${e.eventId}: cause ${e.causationId} not in the topics`);
    else if (cause.orderId !== e.orderId)
      c.add(e.orderId, `${e.topic} ${e.eventId}: cause is of order ${cause.orderId}`);
    else if (!CAUSES[e.topic].includes(cause.topic))
      c.add(
        e.orderId,
        `${e.topic} ${e.eventId} caused by ${cause.topic}, expected ${CAUSES[e.topic].join(' | ')}`,
      );
    else if (cause.timestamp > e.timestamp)
      c.add(
        e.orderId,
        `${e.topic} ${e.eventId} written ${cause.timestamp - e.timestamp} ms before its cause`,
      );
  }
  return c.result('partitions', partitionOf.size);
}

export function checkAll(input: CheckInput): InvariantResult[] {
  return [
    checkFinishedOnce(input),
    checkStock(input),
    checkPayments(input),
    checkRefunds(input),
    checkNotifications(input),
    checkAnalytics(input),
    checkPartitions(input),
  ];
}
