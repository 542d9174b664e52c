import { detectOrderLayout, LINE_ITEMS_COLUMNS } from './layouts';
import { OrderAssembler, type AssembledOrder, type RejectedRow } from './order-assembler';
import { createRowValidator, ORDER_FIELD_COLUMNS } from './row.schema';

const detected = detectOrderLayout(LINE_ITEMS_COLUMNS);
if (!detected.ok) throw new Error(detected.reason);
const validate = createRowValidator(detected.value, { importTime: 0, fileName: 'orders.csv' });

type Overrides = Partial<Record<(typeof LINE_ITEMS_COLUMNS)[number], string>>;

/** A line-items record for order `id`; `sku` varies the line. */
function row(id: string, sku: string, overrides: Overrides = {}): string[] {
  const values: Record<string, string> = {
    external_order_id: id,
    order_placed_at: '2025-01-15T10:30:00Z',
    currency: 'EUR',
    customer_id: `cust-${id}`,
    customer_email: `${id.toLowerCase()}@example.com`,
    customer_name: `Customer ${id}`,
    product_sku: sku,
    product_name: `Product ${sku}`,
    unit_price_cents: '250',
    qty: '2',
    ...overrides,
  };
  return LINE_ITEMS_COLUMNS.map((column) => values[column]!);
}

interface Outcome {
  orders: AssembledOrder[];
  rejected: { orderId: string | undefined; rows: RejectedRow[] }[];
}

/** Feeds records numbered from line 2 (after the header) and collects what comes out. */
function assemble(records: string[][]): Outcome {
  const outcome: Outcome = { orders: [], rejected: [] };
  const assembler = new OrderAssembler(
    {
      order: (order) => outcome.orders.push(order),
      rejected: (rows, orderId) => outcome.rejected.push({ orderId, rows }),
    },
    { columns: ORDER_FIELD_COLUMNS['line-items'] },
  );
  records.forEach((fields, i) => assembler.push({ line: i + 2, fields, check: validate(fields, i + 2) }));
  assembler.end();
  return outcome;
}

function summary(rows: RejectedRow[]): [number, string | undefined, string, string][] {
  return rows.map((r) => [r.line, r.orderId, r.column, r.reason]);
}

describe('OrderAssembler', () => {
  test('consecutive rows with the same id make one order with every line in file order', () => {
    const { orders, rejected } = assemble([row('A', 'S1'), row('A', 'S2', { qty: '1' }), row('B', 'S3')]);
    expect(rejected).toEqual([]);
    expect(orders).toHaveLength(2);
    expect(orders[0]).toEqual({
      orderId: 'A',
      firstLine: 2,
      placedAt: Date.UTC(2025, 0, 15, 10, 30),
      currency: 'EUR',
      customer: { customer_id: 'cust-A', email: 'a@example.com', name: 'Customer A' },
      lines: [
        { sku: 'S1', name: 'Product S1', unit_price_cents: 250, qty: 2 },
        { sku: 'S2', name: 'Product S2', unit_price_cents: 250, qty: 1 },
      ],
      totalCents: 750,
    });
    expect(orders[1]).toMatchObject({ orderId: 'B', firstLine: 4, totalCents: 500 });
  });

  test('an order goes out as soon as the next one starts, not at the end', () => {
    const orders: string[] = [];
    const assembler = new OrderAssembler(
      { order: (order) => orders.push(order.orderId), rejected: () => undefined },
      { columns: ORDER_FIELD_COLUMNS['line-items'] },
    );
    const push = (fields: string[], line: number) =>
      assembler.push({ line, fields, check: validate(fields, line) });
    push(row('A', 'S1'), 2);
    push(row('A', 'S2'), 3);
    expect(orders).toEqual([]);
    push(row('B', 'S1'), 4);
    expect(orders).toEqual(['A']);
    assembler.end();
    expect(orders).toEqual(['A', 'B']);
  });

  test('a bad row rejects its whole order, every row reported, and nothing else', () => {
    const { orders, rejected } = assemble([
      row('A', 'S1'),
      row('B', 'S1'),
      row('B', 'S2', { qty: '0' }),
      row('B', 'S3'),
      row('C', 'S1'),
    ]);
    expect(orders.map((o) => o.orderId)).toEqual(['A', 'C']);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.orderId).toBe('B');
    expect(summary(rejected[0]!.rows)).toEqual([
      [3, 'B', '(order)', 'order rejected: line 4 invalid'],
      [4, 'B', 'qty', 'must be a whole number from 1 to 10000, got "0"'],
      [5, 'B', '(order)', 'order rejected: line 4 invalid'],
    ]);
    expect(rejected[0]!.rows[1]!.fields).toEqual(row('B', 'S2', { qty: '0' }));
  });

  test('an id that reappears after other orders is rejected with both line numbers; the first one stands', () => {
    const { orders, rejected } = assemble([
      row('A', 'S1'),
      row('A', 'S2'),
      row('B', 'S1'),
      row('A', 'S3'),
      row('A', 'S4'),
    ]);
    expect(orders.map((o) => [o.orderId, o.lines.length])).toEqual([
      ['A', 2],
      ['B', 1],
    ]);
    const reason = `"A" reappears: first at line 2, again at line 5; an order's rows must be consecutive`;
    expect(summary(rejected[0]!.rows)).toEqual([
      [5, 'A', 'external_order_id', reason],
      [6, 'A', 'external_order_id', reason],
    ]);
  });

  test.each([
    ['customer_email', 'other@example.com', '"other@example.com" vs "a@example.com"'],
    ['customer_id', 'cust-Z', '"cust-Z" vs "cust-A"'],
    ['customer_name', 'Somebody Else', '"Somebody Else" vs "Customer A"'],
    ['currency', 'USD', '"USD" vs "EUR"'],
    ['order_placed_at', '2025-01-15T10:31:00Z', '"2025-01-15T10:31:00.000Z" vs "2025-01-15T10:30:00.000Z"'],
  ] as const)('rows disagreeing on %s reject the whole order', (column, value, detail) => {
    const { orders, rejected } = assemble([
      row('A', 'S1'),
      row('A', 'S2', { [column]: value }),
      row('B', 'S1'),
    ]);
    expect(orders.map((o) => o.orderId)).toEqual(['B']);
    expect(summary(rejected[0]!.rows)).toEqual([
      [2, 'A', '(order)', 'order rejected: line 3 invalid'],
      [3, 'A', column, `differs from line 2 (${detail}); all rows of an order must agree on it`],
    ]);
  });

  test('the same instant written two ways is agreement', () => {
    const { orders } = assemble([
      row('A', 'S1'),
      row('A', 'S2', { order_placed_at: '2025-01-15T11:30:00+01:00' }),
    ]);
    expect(orders).toHaveLength(1);
  });

  test('an unreadable row between rows of one order rejects that order only', () => {
    const short = row('A', 'S2').slice(0, 8);
    const { orders, rejected } = assemble([row('A', 'S1'), short, row('A', 'S3'), row('B', 'S1')]);
    expect(orders.map((o) => o.orderId)).toEqual(['B']);
    expect(summary(rejected[0]!.rows)).toEqual([
      [2, 'A', '(order)', 'order rejected: line 3 invalid'],
      [3, 'A', '(row)', 'has 8 field(s), the header has 10'],
      [4, 'A', '(order)', 'order rejected: line 3 invalid'],
    ]);
  });

  test('an unreadable row at a boundary whose id column names the next order spoils only that one', () => {
    const short = row('B', 'S1').slice(0, 9);
    const { orders, rejected } = assemble([row('A', 'S1'), short, row('B', 'S2'), row('C', 'S1')]);
    expect(orders.map((o) => o.orderId)).toEqual(['A', 'C']);
    expect(rejected.map((r) => r.orderId)).toEqual(['B']);
    expect(summary(rejected[0]!.rows).map(([line]) => line)).toEqual([3, 4]);
  });

  test('an unreadable row at a boundary that names neither order spoils both, and is reported once', () => {
    const garbled = ['???', 'x'];
    const { orders, rejected } = assemble([row('A', 'S1'), garbled, row('B', 'S1'), row('C', 'S1')]);
    expect(orders.map((o) => o.orderId)).toEqual(['C']);
    expect(rejected.map((r) => r.orderId)).toEqual(['A', 'B']);
    expect(summary(rejected[0]!.rows)).toEqual([
      [2, 'A', '(order)', 'order rejected: line 3 invalid'],
      [3, '???', '(row)', 'has 2 field(s), the header has 10'],
    ]);
    expect(summary(rejected[1]!.rows)).toEqual([[4, 'B', '(order)', 'order rejected: line 3 invalid']]);
  });

  test('an unreadable last row spoils the last order; an unreadable first row the first', () => {
    const atEnd = assemble([row('A', 'S1'), row('B', 'S1'), ['garbled']]);
    expect(atEnd.orders.map((o) => o.orderId)).toEqual(['A']);
    expect(atEnd.rejected.map((r) => r.orderId)).toEqual(['B']);
    const atStart = assemble([['garbled'], row('A', 'S1'), row('B', 'S1')]);
    expect(atStart.orders.map((o) => o.orderId)).toEqual(['B']);
    expect(atStart.rejected.map((r) => [r.orderId, r.rows.length])).toEqual([['A', 2]]);
  });

  test('rows with no order around them are reported without counting as an order', () => {
    const { orders, rejected } = assemble([['garbled'], ['also', 'garbled']]);
    expect(orders).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.orderId).toBeUndefined();
    expect(summary(rejected[0]!.rows).map(([line, id]) => [line, id])).toEqual([
      [2, 'garbled'],
      [3, 'also'],
    ]);
  });

  test('an order whose total cannot be represented exactly is rejected', () => {
    const huge = '999999999999999';
    const { orders, rejected } = assemble([row('A', 'S1', { unit_price_cents: huge, qty: '10' })]);
    expect(orders).toEqual([]);
    expect(summary(rejected[0]!.rows)).toEqual([
      [2, 'A', '(order)', 'order total is too large to represent exactly'],
    ]);
  });

  test('ids can be left unchecked for layouts where they cannot repeat', () => {
    const outcome: string[] = [];
    const assembler = new OrderAssembler(
      { order: (order) => outcome.push(order.orderId), rejected: () => outcome.push('rejected') },
      { columns: ORDER_FIELD_COLUMNS['line-items'], detectReappearing: false },
    );
    for (const [line, fields] of [row('A', 'S1'), row('B', 'S1'), row('A', 'S2')].entries()) {
      assembler.push({ line: line + 2, fields, check: validate(fields, line + 2) });
    }
    assembler.end();
    expect(outcome).toEqual(['A', 'B', 'A']);
  });
});
