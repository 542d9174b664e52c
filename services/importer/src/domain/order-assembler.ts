import type { Customer, OrderLine } from '@orderflow/contracts';
import { IdRegistry } from './id-registry';
import type { OrderFieldColumns, OrderRow, RowCheck, RowProblem } from './row.schema';

/** One CSV record after validation, as the assembler sees it. */
export interface AssemblerInput {
  line: number;
  /** The record as parsed, kept for the rejects file. */
  fields: readonly string[];
  check: RowCheck;
}

export interface AssembledOrder {
  orderId: string;
  /** Line of the order's first row. */
  firstLine: number;
  placedAt: number;
  currency: string;
  customer: Customer;
  lines: OrderLine[];
  totalCents: number;
}

export interface RejectedRow extends RowProblem {
  line: number;
  orderId: string | undefined;
  fields: readonly string[];
}

export interface AssemblerSink {
  order(order: AssembledOrder): void;
  /**
   * Every row of one rejected order, in file order; `orderId` is undefined for rows that belong to no
   * known order (a broken file with no readable row around them).
   */
  rejected(rows: RejectedRow[], orderId: string | undefined): void;
}

export interface AssemblerOptions {
  columns: OrderFieldColumns;
  /**
   * Remember every order id to refuse one that comes back after other orders. Off for layouts whose ids
   * cannot repeat (customer-json), where the memory would be wasted.
   */
  detectReappearing?: boolean;
}

interface Entry {
  line: number;
  fields: readonly string[];
  row?: OrderRow | undefined;
  problem?: RowProblem | undefined;
  /** For a row whose order is unknown: the value in its order id column. */
  hint?: string | undefined;
}

interface OpenOrder {
  id: string;
  firstLine: number;
  entries: Entry[];
  /** First valid row: the others must agree with it on the order-level fields. */
  reference?: OrderRow;
  /** Line of the first row that spoils the order (its own or a neighbouring unreadable row). */
  spoiledBy?: number;
  /** First line of an earlier order with the same id. */
  earlierLine?: number;
}

type OrderField = keyof Omit<OrderFieldColumns, 'orderId'>;

function orderFieldValues(row: OrderRow): Record<OrderField, string> {
  return {
    placedAt: new Date(row.placedAt).toISOString(),
    currency: row.currency,
    customerId: row.customer.customer_id,
    email: row.customer.email,
    name: row.customer.name,
  };
}

function disagreement(
  reference: OrderRow,
  row: OrderRow,
): { field: OrderField; was: string; now: string } | undefined {
  if (
    reference.placedAt === row.placedAt &&
    reference.currency === row.currency &&
    reference.customer.customer_id === row.customer.customer_id &&
    reference.customer.email === row.customer.email &&
    reference.customer.name === row.customer.name
  ) {
    return undefined;
  }
  const was = orderFieldValues(reference);
  const now = orderFieldValues(row);
  const field = (Object.keys(was) as OrderField[]).find((key) => was[key] !== now[key]);
  return field ? { field, was: was[field], now: now[field] } : undefined;
}

/**
 * Builds orders from consecutive rows with the same order id, streaming: an order is emitted when the id
 * changes or at the end, so memory holds one order at a time (plus the ids seen). Never emits a partial
 * order: a bad row rejects its whole order, as do rows disagreeing on order-level fields; an id that
 * reappears after other orders is rejected. A row too broken to name its order (wrong number of fields,
 * no id) is given to the order around it; at a boundary between two orders it spoils both unless its id
 * column names one of them.
 */
export class OrderAssembler {
  private open: OpenOrder | undefined;
  private pending: Entry[] = [];
  private readonly seen = new IdRegistry();

  constructor(
    private readonly sink: AssemblerSink,
    private readonly options: AssemblerOptions,
  ) {}

  push(input: AssemblerInput): void {
    const { check } = input;
    const entry: Entry = check.ok
      ? { line: input.line, fields: input.fields, row: check.row }
      : {
          line: input.line,
          fields: input.fields,
          problem: { column: check.column, reason: check.reason },
          hint: check.orderIdHint,
        };
    const orderId = check.ok ? check.row.orderId : check.orderId;
    if (orderId === undefined) {
      this.pending.push(entry);
      return;
    }
    const open = this.open;
    if (open && open.id === orderId) {
      // Unreadable rows between two rows of one order belong to it, whatever their id column says.
      for (const unknown of this.pending.splice(0)) this.add(open, unknown);
      this.add(open, entry);
      return;
    }
    const next = this.start(orderId, input.line);
    for (const unknown of this.pending.splice(0)) {
      if (unknown.hint === orderId || !open) {
        this.add(next, unknown);
      } else if (unknown.hint === open.id) {
        this.add(open, unknown);
      } else {
        // Could be the last row of the one or the first of the other: neither may go out partial.
        this.add(open, unknown);
        next.spoiledBy ??= unknown.line;
      }
    }
    if (open) this.finish(open);
    this.add(next, entry);
    this.open = next;
  }

  end(): void {
    const open = this.open;
    this.open = undefined;
    const orphans = this.pending.splice(0);
    if (open) {
      for (const unknown of orphans) this.add(open, unknown);
      this.finish(open);
    } else if (orphans.length > 0) {
      this.sink.rejected(
        orphans.map((entry) => ({
          line: entry.line,
          orderId: entry.hint || undefined,
          fields: entry.fields,
          column: entry.problem?.column ?? '(row)',
          reason: entry.problem?.reason ?? 'unreadable row',
        })),
        undefined,
      );
    }
  }

  private start(id: string, line: number): OpenOrder {
    const order: OpenOrder = { id, firstLine: line, entries: [] };
    if (this.options.detectReappearing !== false) {
      const earlier = this.seen.firstLineOrAdd(id, line);
      if (earlier !== undefined) order.earlierLine = earlier;
    }
    return order;
  }

  private add(order: OpenOrder, entry: Entry): void {
    order.entries.push(entry);
    if (entry.problem) {
      order.spoiledBy ??= entry.line;
      return;
    }
    const row = entry.row!;
    if (!order.reference) {
      order.reference = row;
      return;
    }
    const differs = disagreement(order.reference, row);
    if (differs) {
      entry.problem = {
        column: this.options.columns[differs.field],
        reason: `differs from line ${order.reference.line} (${JSON.stringify(differs.now)} vs ${JSON.stringify(differs.was)}); all rows of an order must agree on it`,
      };
      order.spoiledBy ??= entry.line;
    }
  }

  private finish(order: OpenOrder): void {
    const reference = order.reference;
    if (order.earlierLine === undefined && order.spoiledBy === undefined && reference) {
      const lines = order.entries.flatMap((entry) => entry.row!.items);
      let totalCents = 0;
      for (const line of lines) totalCents += line.unit_price_cents * line.qty;
      if (Number.isSafeInteger(totalCents)) {
        this.sink.order({
          orderId: order.id,
          firstLine: order.firstLine,
          placedAt: reference.placedAt,
          currency: reference.currency,
          customer: reference.customer,
          lines,
          totalCents,
        });
        return;
      }
      this.reject(order, () => ({
        column: '(order)',
        reason: 'order total is too large to represent exactly',
      }));
      return;
    }
    if (order.earlierLine !== undefined) {
      const reason = `${JSON.stringify(order.id)} reappears: first at line ${order.earlierLine}, again at line ${order.firstLine}; an order's rows must be consecutive`;
      this.reject(order, (entry) => entry.problem ?? { column: this.options.columns.orderId, reason });
      return;
    }
    const reason = `order rejected: line ${order.spoiledBy} invalid`;
    this.reject(order, (entry) => entry.problem ?? { column: '(order)', reason });
  }

  private reject(order: OpenOrder, problemOf: (entry: Entry) => RowProblem): void {
    this.sink.rejected(
      order.entries.map((entry) => ({
        line: entry.line,
        // An unreadable row is reported under the id it shows, which is what someone looking for it sees.
        orderId: entry.hint || order.id,
        fields: entry.fields,
        ...problemOf(entry),
      })),
      order.id,
    );
  }
}
