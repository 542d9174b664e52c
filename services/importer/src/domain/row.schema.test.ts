import { detectOrderLayout, LINE_ITEMS_COLUMNS, COMPACT_COLUMNS, type DetectedLayout } from './layouts';
import {
  compactRowSchema,
  createRowValidator,
  fastCompactRow,
  fastLineItemsRow,
  lineItemsRowSchema,
  placeholderEmail,
  type Catalog,
  type RowCheck,
} from './row.schema';

const IMPORT_TIME = Date.UTC(2025, 5, 1, 12);

function layout(header: readonly string[]): DetectedLayout {
  const detected = detectOrderLayout(header);
  if (!detected.ok) throw new Error(detected.reason);
  return detected.value;
}

const GOOD_LINE_ITEM: Record<(typeof LINE_ITEMS_COLUMNS)[number], string> = {
  external_order_id: 'A-1',
  order_placed_at: '2025-01-15T10:30:00Z',
  currency: 'EUR',
  customer_id: 'c-1',
  customer_email: 'ada@example.com',
  customer_name: 'Ada Lovelace',
  product_sku: 'SKU-1',
  product_name: 'Gear',
  unit_price_cents: '1250',
  qty: '2',
};

function lineItem(overrides: Partial<typeof GOOD_LINE_ITEM> = {}): string[] {
  const row = { ...GOOD_LINE_ITEM, ...overrides };
  return LINE_ITEMS_COLUMNS.map((column) => row[column]);
}

const validateLineItem = createRowValidator(layout(LINE_ITEMS_COLUMNS), {
  importTime: IMPORT_TIME,
  fileName: 'orders.csv',
});

function problemOf(check: RowCheck): { column: string; reason: string } | undefined {
  return check.ok ? undefined : { column: check.column, reason: check.reason };
}

describe('line-items rows', () => {
  test('a good row becomes an order row with exact values', () => {
    expect(validateLineItem(lineItem(), 2)).toEqual({
      ok: true,
      row: {
        line: 2,
        orderId: 'A-1',
        placedAt: Date.UTC(2025, 0, 15, 10, 30),
        currency: 'EUR',
        customer: { customer_id: 'c-1', email: 'ada@example.com', name: 'Ada Lovelace' },
        items: [{ sku: 'SKU-1', name: 'Gear', unit_price_cents: 1250, qty: 2 }],
      },
    });
  });

  test('fields are trimmed', () => {
    const check = validateLineItem(lineItem({ external_order_id: ' A-1 ', qty: ' 3 ', currency: 'EUR ' }), 2);
    expect(check).toMatchObject({ ok: true, row: { orderId: 'A-1', currency: 'EUR', items: [{ qty: 3 }] } });
  });

  test.each([
    ['qty', '0', 'must be a whole number from 1 to 10000, got "0"'],
    ['qty', '10001', 'must be a whole number from 1 to 10000, got "10001"'],
    ['qty', '1.5', 'must be a whole number from 1 to 10000, got "1.5"'],
    ['qty', '-1', 'must be a whole number from 1 to 10000, got "-1"'],
    ['qty', '', 'is empty'],
    ['unit_price_cents', '12.50', 'must be a whole number of minor units (cents), 0 or more, got "12.50"'],
    ['unit_price_cents', '-5', 'must be a whole number of minor units (cents), 0 or more, got "-5"'],
    ['customer_email', 'not-an-email', 'is not a valid email address, got "not-an-email"'],
    ['customer_email', 'ada@', 'is not a valid email address, got "ada@"'],
    ['currency', 'eur', 'is not an ISO 4217 currency code (three capital letters, e.g. EUR), got "eur"'],
    ['currency', 'XYZ', 'is not an ISO 4217 currency code (three capital letters, e.g. EUR), got "XYZ"'],
    ['currency', 'EURO', 'is not an ISO 4217 currency code (three capital letters, e.g. EUR), got "EURO"'],
    [
      'order_placed_at',
      '15/01/2025',
      'is not an ISO 8601 timestamp (e.g. 2025-01-15T10:30:00Z), got "15/01/2025"',
    ],
    [
      'order_placed_at',
      '2025-02-30',
      'is not an ISO 8601 timestamp (e.g. 2025-01-15T10:30:00Z), got "2025-02-30"',
    ],
    ['customer_name', '  ', 'is empty'],
    ['product_sku', '', 'is empty'],
  ])('%s %j is refused: %s', (column, value, reason) => {
    const check = validateLineItem(lineItem({ [column]: value }), 7);
    expect(check).toEqual({ ok: false, orderId: 'A-1', column, reason });
  });

  test('over-long values are refused and shown shortened', () => {
    expect(problemOf(validateLineItem(lineItem({ product_name: 'x'.repeat(300) }), 2))).toEqual({
      column: 'product_name',
      reason: `is longer than 256 characters, got "${'x'.repeat(57)}..."`,
    });
  });

  test('a row without an order id belongs to no known order', () => {
    expect(validateLineItem(lineItem({ external_order_id: '' }), 3)).toMatchObject({
      ok: false,
      orderId: undefined,
      column: 'external_order_id',
    });
  });

  test('a row with the wrong number of fields names no order, only a hint', () => {
    const short = lineItem().slice(0, 9);
    expect(validateLineItem(short, 4)).toEqual({
      ok: false,
      orderId: undefined,
      orderIdHint: 'A-1',
      column: '(row)',
      reason: 'has 9 field(s), the header has 10',
    });
    expect(problemOf(validateLineItem([...lineItem(), 'extra'], 4))?.reason).toBe(
      'has 11 field(s), the header has 10',
    );
  });

  test('columns in another order are read by name', () => {
    const header = [...LINE_ITEMS_COLUMNS].reverse();
    const validate = createRowValidator(layout(header), { importTime: IMPORT_TIME, fileName: 'f.csv' });
    const fields = header.map((column) => GOOD_LINE_ITEM[column]);
    expect(validate(fields, 2)).toMatchObject({
      ok: true,
      row: { orderId: 'A-1', items: [{ qty: 2, unit_price_cents: 1250 }] },
    });
  });
});

describe('compact rows', () => {
  const validate = createRowValidator(layout(COMPACT_COLUMNS), {
    currency: 'EUR',
    importTime: IMPORT_TIME,
    fileName: 'compact.csv',
  });

  test('the decimal price becomes exact cents; time, currency and customer details are filled in', () => {
    expect(validate(['B-1', 'cust-9', 'SKU-2', '3', '19.99'], 2)).toEqual({
      ok: true,
      row: {
        line: 2,
        orderId: 'B-1',
        placedAt: IMPORT_TIME,
        currency: 'EUR',
        customer: { customer_id: 'cust-9', email: 'cust-9@unknown.invalid', name: 'cust-9' },
        items: [{ sku: 'SKU-2', name: 'SKU-2', unit_price_cents: 1999, qty: 3 }],
      },
    });
  });

  test.each([
    ['1e3', 'is not a plain decimal amount such as 19.99, got "1e3"'],
    ['1.234', 'has more than 2 decimal places, got "1.234"'],
    ['-1', 'is not a plain decimal amount such as 19.99, got "-1"'],
    ['+1', 'is not a plain decimal amount such as 19.99, got "+1"'],
    ['', 'is empty'],
  ])('unit_price %j is refused', (price, reason) => {
    expect(validate(['B-1', 'cust-9', 'SKU-2', '3', price], 5)).toEqual({
      ok: false,
      orderId: 'B-1',
      column: 'unit_price',
      reason,
    });
  });

  test('prices follow the minor unit of --currency', () => {
    const yen = createRowValidator(layout(COMPACT_COLUMNS), {
      currency: 'JPY',
      importTime: 0,
      fileName: 'f',
    });
    expect(yen(['B-1', 'c', 'S', '1', '1500'], 2)).toMatchObject({
      ok: true,
      row: { items: [{ unit_price_cents: 1500 }] },
    });
    expect(yen(['B-1', 'c', 'S', '1', '1500.50'], 2)).toMatchObject({ ok: false, column: 'unit_price' });
  });

  test('the layout cannot be used without a currency', () => {
    expect(() => createRowValidator(layout(COMPACT_COLUMNS), { importTime: 0, fileName: 'f' })).toThrow(
      /--currency/,
    );
  });

  test('placeholder emails are valid addresses even for odd customer ids', () => {
    expect(placeholderEmail('cust 1/2')).toMatch(/^customer-[0-9a-f]{16}@unknown\.invalid$/);
    expect(placeholderEmail('cust 1/2')).toBe(placeholderEmail('cust 1/2'));
  });
});

describe('customer-json rows', () => {
  const catalog: Catalog = new Map([
    ['SKU-1', { name: 'Gear', unit_price_cents: 1250 }],
    ['SKU-2', { name: 'Cog', unit_price_cents: 399 }],
    ['SKU-FREE', { name: 'Unpriced', unit_price_cents: null }],
  ]);
  const validate = createRowValidator(layout(['customer_name', 'customer_email', 'products']), {
    currency: 'USD',
    importTime: IMPORT_TIME,
    fileName: 'customers.csv',
    catalog,
  });

  test('one order per row, named after the file and line, priced from the catalog', () => {
    const products = JSON.stringify([
      { sku: 'SKU-1', quantity: 2 },
      { sku: 'SKU-2', quantity: 1 },
    ]);
    expect(validate(['Ada Lovelace', 'Ada@Example.com', products], 7)).toEqual({
      ok: true,
      row: {
        line: 7,
        orderId: 'customers.csv-L7',
        placedAt: IMPORT_TIME,
        currency: 'USD',
        customer: { customer_id: 'ada@example.com', email: 'Ada@Example.com', name: 'Ada Lovelace' },
        items: [
          { sku: 'SKU-1', name: 'Gear', unit_price_cents: 1250, qty: 2 },
          { sku: 'SKU-2', name: 'Cog', unit_price_cents: 399, qty: 1 },
        ],
      },
    });
  });

  test.each([
    ['[{"sku":"SKU-9","quantity":1}]', 'products[0].sku', 'is not in the catalog, got "SKU-9"'],
    ['[{"sku":"SKU-FREE","quantity":1}]', 'products[0].sku', 'has no price in the catalog, got "SKU-FREE"'],
    ['[{"sku":"SKU-1","quantity":0}]', 'products[0].quantity', 'must be from 1 to 10000'],
    ['[{"sku":"SKU-1","quantity":"2"}]', 'products[0].quantity', 'must be a number'],
    ['[{"sku":"SKU-1","quantity":1.5}]', 'products[0].quantity', 'must be a whole number'],
    ['[]', 'products', 'lists no products'],
    ['{"sku":"SKU-1"}', 'products', 'must be a JSON array of {"sku", "quantity"} objects'],
    ['[{"sku":"SKU-1"', 'products', 'is not valid JSON, got "[{\\"sku\\":\\"SKU-1\\""'],
  ])('products %s is refused at %s', (products, column, reason) => {
    expect(validate(['Ada', 'ada@example.com', products], 3)).toEqual({
      ok: false,
      orderId: 'customers.csv-L3',
      column,
      reason,
    });
  });

  test('a short row is its own rejected order', () => {
    expect(validate(['Ada', 'ada@example.com'], 4)).toMatchObject({
      ok: false,
      orderId: 'customers.csv-L4',
      column: '(row)',
    });
  });
});

// The hand-written fast paths must accept exactly what the zod schemas accept, with the same values.
describe('fast paths agree with the zod schemas', () => {
  const variants: Record<string, string[]> = {
    text: ['A-1', '', ' ', 'x'.repeat(256), 'x'.repeat(257), 'ünïcödé', '"quoted"'],
    timestamp: [
      '2025-01-15T10:30:00Z',
      '2025-01-15',
      '2025-02-30',
      'now',
      '',
      '2025-01-15T10:30:00.123+05:30',
    ],
    currency: ['EUR', 'JPY', 'eur', 'XXX', '', 'EURO'],
    email: [
      'a@b.co',
      'ada.lovelace+x@example.com',
      'a@b',
      '@b.co',
      'a b@c.de',
      '',
      `${'a'.repeat(250)}@b.co`,
    ],
    number: ['0', '1', '10000', '10001', '007', '1.0', '-1', '', '1e3', '99999999999999999999'],
    decimal: ['0', '1.1', '19.99', '1.234', '1e3', '', '-1', '.5'],
  };
  const kinds: Record<(typeof LINE_ITEMS_COLUMNS)[number], keyof typeof variants> = {
    external_order_id: 'text',
    order_placed_at: 'timestamp',
    currency: 'currency',
    customer_id: 'text',
    customer_email: 'email',
    customer_name: 'text',
    product_sku: 'text',
    product_name: 'text',
    unit_price_cents: 'number',
    qty: 'number',
  };
  const lineItemPositions = LINE_ITEMS_COLUMNS.map((_, i) => i);

  test('line items', () => {
    let compared = 0;
    for (const column of LINE_ITEMS_COLUMNS) {
      for (const value of variants[kinds[column]]!) {
        const fields = lineItem({ [column]: value });
        const fast = fastLineItemsRow(fields, lineItemPositions, 2);
        const input = Object.fromEntries(LINE_ITEMS_COLUMNS.map((name, i) => [name, fields[i]!.trim()]));
        const slow = lineItemsRowSchema.safeParse(input);
        expect({ column, value, accepted: fast !== undefined }).toEqual({
          column,
          value,
          accepted: slow.success,
        });
        if (fast && slow.success) {
          expect(fast.items[0]).toEqual({
            sku: slow.data.product_sku,
            name: slow.data.product_name,
            unit_price_cents: slow.data.unit_price_cents,
            qty: slow.data.qty,
          });
          expect(fast.placedAt).toBe(slow.data.order_placed_at);
        }
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  test('compact', () => {
    const compactKinds: Record<(typeof COMPACT_COLUMNS)[number], keyof typeof variants> = {
      order_id: 'text',
      customer_id: 'text',
      sku: 'text',
      qty: 'number',
      unit_price: 'decimal',
    };
    const good = { order_id: 'B-1', customer_id: 'c', sku: 'S', qty: '2', unit_price: '1.50' };
    const validate = createRowValidator(layout(COMPACT_COLUMNS), {
      currency: 'EUR',
      importTime: 0,
      fileName: 'f',
    });
    for (const column of COMPACT_COLUMNS) {
      for (const value of variants[compactKinds[column]]!) {
        const row = { ...good, [column]: value };
        const fields = COMPACT_COLUMNS.map((name) => row[name]);
        const fast = fastCompactRow(fields, [0, 1, 2, 3, 4], 2, {
          currency: 'EUR',
          digits: 2,
          importTime: 0,
        });
        const zodAccepts = compactRowSchema.safeParse(
          Object.fromEntries(COMPACT_COLUMNS.map((n, i) => [n, fields[i]!.trim()])),
        ).success;
        const overall = validate(fields, 2);
        expect({ column, value, fast: fast !== undefined }).toEqual({ column, value, fast: overall.ok });
        if (!zodAccepts) expect(fast).toBeUndefined();
      }
    }
  });
});
