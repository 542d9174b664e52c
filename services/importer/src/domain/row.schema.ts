import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Customer, OrderLine } from '@orderflow/contracts';
import { isCurrency, minorUnitDigits } from './currencies';
import { COMPACT_COLUMNS, LINE_ITEMS_COLUMNS, type DetectedLayout } from './layouts';
import { parseDecimalToMinorUnits, parseWholeNumber } from './money';
import { parseTimestamp } from './timestamp';

export const MAX_QTY = 10_000;
/** Longest id, SKU or name accepted; longer values are almost always a shifted or broken row. */
export const MAX_TEXT = 256;

/** A row that passed validation, normalised to what an orders.placed event needs. */
export interface OrderRow {
  line: number;
  orderId: string;
  placedAt: number;
  currency: string;
  customer: Customer;
  /** One item for the line-items and compact layouts; the products of the row for customer-json. */
  items: OrderLine[];
}

export interface RowProblem {
  /** Column the problem is in, as named in the header; `(row)` for the row as a whole. */
  column: string;
  reason: string;
}

export type RowCheck =
  | { ok: true; row: OrderRow }
  | ({
      ok: false;
      /** The row's order id, or undefined when the row is too broken to say which order it belongs to. */
      orderId: string | undefined;
      /** For a row whose order is unknown: what its order id column holds, which may still be right. */
      orderIdHint?: string | undefined;
    } & RowProblem);

/** SKU -> name and price, from a stock CSV given with --catalog (customer-json layout). */
export type Catalog = ReadonlyMap<string, { name: string; unit_price_cents: number | null }>;

export interface RowContext {
  /** Currency of every order: required for compact and customer-json, which have no currency column. */
  currency?: string | undefined;
  /** Placed time for layouts that do not carry one. */
  importTime: number;
  /** Base name of the file; customer-json orders are named after it and their line. */
  fileName: string;
  catalog?: Catalog | undefined;
}

export const ROW = '(row)';

export const text = z.string().min(1, 'is empty').max(MAX_TEXT, `is longer than ${MAX_TEXT} characters`);

const timestamp = z
  .string()
  .min(1, 'is empty')
  .transform((value, ctx) => {
    const millis = parseTimestamp(value);
    if (millis === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is not an ISO 8601 timestamp (e.g. 2025-01-15T10:30:00Z)' });
      return z.NEVER;
    }
    return millis;
  });

const currency = z
  .string()
  .min(1, 'is empty')
  .refine(isCurrency, 'is not an ISO 4217 currency code (three capital letters, e.g. EUR)');

const email = z
  .string()
  .min(1, 'is empty')
  .max(254, 'is longer than 254 characters')
  .pipe(z.email('is not a valid email address'));

const qty = z
  .string()
  .min(1, 'is empty')
  .transform((value, ctx) => {
    const n = parseWholeNumber(value);
    if (n === undefined || n < 1 || n > MAX_QTY) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number from 1 to ${MAX_QTY}` });
      return z.NEVER;
    }
    return n;
  });

export const cents = z
  .string()
  .min(1, 'is empty')
  .transform((value, ctx) => {
    const n = parseWholeNumber(value);
    if (n === undefined || !Number.isSafeInteger(n)) {
      ctx.addIssue({ code: 'custom', message: 'must be a whole number of minor units (cents), 0 or more' });
      return z.NEVER;
    }
    return n;
  });

export const lineItemsRowSchema = z.object({
  external_order_id: text,
  order_placed_at: timestamp,
  currency,
  customer_id: text,
  customer_email: email,
  customer_name: text,
  product_sku: text,
  product_name: text,
  unit_price_cents: cents,
  qty,
});

export const compactRowSchema = z.object({
  order_id: text,
  customer_id: text,
  sku: text,
  qty,
  unit_price: z.string().min(1, 'is empty'),
});

export const productsSchema = z
  .array(
    z.object(
      {
        sku: z.string('must be a string').trim().min(1, 'is empty').max(MAX_TEXT),
        quantity: z
          .number('must be a number')
          .int('must be a whole number')
          .min(1, `must be from 1 to ${MAX_QTY}`)
          .max(MAX_QTY, `must be from 1 to ${MAX_QTY}`),
      },
      'must be an object {"sku": ..., "quantity": ...}',
    ),
    'must be a JSON array of {"sku", "quantity"} objects',
  )
  .min(1, 'lists no products');

export const customerJsonRowSchema = z.object({
  customer_name: text,
  customer_email: email,
  products: z.string().min(1, 'is empty'),
});

/** Which column of each layout holds the order-level fields, for reporting disagreements. */
export interface OrderFieldColumns {
  orderId: string;
  placedAt: string;
  currency: string;
  customerId: string;
  email: string;
  name: string;
}

export const ORDER_FIELD_COLUMNS: Record<DetectedLayout['layout'], OrderFieldColumns> = {
  'line-items': {
    orderId: 'external_order_id',
    placedAt: 'order_placed_at',
    currency: 'currency',
    customerId: 'customer_id',
    email: 'customer_email',
    name: 'customer_name',
  },
  compact: {
    orderId: 'order_id',
    placedAt: '(import time)',
    currency: '(--currency)',
    customerId: 'customer_id',
    email: '(placeholder)',
    name: '(placeholder)',
  },
  'customer-json': {
    orderId: '(file and line)',
    placedAt: '(import time)',
    currency: '(--currency)',
    customerId: 'customer_email',
    email: 'customer_email',
    name: 'customer_name',
  },
};

export function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

export function firstProblem(error: z.ZodError, input: Record<string, string>): RowProblem {
  const issue = error.issues[0];
  const column = String(issue?.path[0] ?? ROW);
  const value = input[column];
  const message = issue?.message ?? 'is invalid';
  return { column, reason: value ? `${message}, got ${quote(value)}` : message };
}

// Fast paths: the same rules as the zod schemas above, written out by hand for the common case of a good
// row, because per-row zod parsing was a fifth of an import's time. They only ever accept; when one says
// no, the zod schema runs and is the one that decides and explains. row.schema.test.ts checks that the two
// agree.

const EMAIL = z.regexes.email;

function isText(value: string): boolean {
  return value.length >= 1 && value.length <= MAX_TEXT;
}

function isEmail(value: string): boolean {
  return value.length >= 1 && value.length <= 254 && EMAIL.test(value);
}

function quantity(value: string): number | undefined {
  const n = parseWholeNumber(value);
  return n !== undefined && n >= 1 && n <= MAX_QTY ? n : undefined;
}

function minorUnits(value: string): number | undefined {
  const n = parseWholeNumber(value);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

/** Positions of a layout's columns, in the order its fast path reads them. */
function positions(detected: DetectedLayout, columns: readonly string[]): number[] {
  return columns.map((column) => detected.index[column] ?? -1);
}

/** parseTimestamp remembering its last answer: the rows of an order repeat the same placed time. */
export function lastTimestampParser(): (text: string) => number | undefined {
  let lastText: string | undefined;
  let lastValue: number | undefined;
  return (text) => {
    if (text !== lastText) {
      lastText = text;
      lastValue = parseTimestamp(text);
    }
    return lastValue;
  };
}

/** The line-items row, or undefined when any rule fails (the zod schema then says which). */
export function fastLineItemsRow(
  fields: readonly string[],
  at: readonly number[],
  line: number,
  timestamp: (text: string) => number | undefined = parseTimestamp,
): OrderRow | undefined {
  const orderId = fields[at[0]!]!.trim();
  if (!isText(orderId)) return undefined;
  const placedAt = timestamp(fields[at[1]!]!.trim());
  if (placedAt === undefined) return undefined;
  const orderCurrency = fields[at[2]!]!.trim();
  if (!isCurrency(orderCurrency)) return undefined;
  const customerId = fields[at[3]!]!.trim();
  const customerEmail = fields[at[4]!]!.trim();
  const customerName = fields[at[5]!]!.trim();
  const sku = fields[at[6]!]!.trim();
  const productName = fields[at[7]!]!.trim();
  if (
    !isText(customerId) ||
    !isEmail(customerEmail) ||
    !isText(customerName) ||
    !isText(sku) ||
    !isText(productName)
  ) {
    return undefined;
  }
  const unitPrice = minorUnits(fields[at[8]!]!.trim());
  const qtyValue = quantity(fields[at[9]!]!.trim());
  if (unitPrice === undefined || qtyValue === undefined) return undefined;
  return {
    line,
    orderId,
    placedAt,
    currency: orderCurrency,
    customer: { customer_id: customerId, email: customerEmail, name: customerName },
    items: [{ sku, name: productName, unit_price_cents: unitPrice, qty: qtyValue }],
  };
}

/** The compact row, or undefined when any rule fails (the zod schema then says which). */
export function fastCompactRow(
  fields: readonly string[],
  at: readonly number[],
  line: number,
  context: { currency: string; digits: number; importTime: number },
): OrderRow | undefined {
  const orderId = fields[at[0]!]!.trim();
  const customerId = fields[at[1]!]!.trim();
  const sku = fields[at[2]!]!.trim();
  if (!isText(orderId) || !isText(customerId) || !isText(sku)) return undefined;
  const qtyValue = quantity(fields[at[3]!]!.trim());
  if (qtyValue === undefined) return undefined;
  const price = parseDecimalToMinorUnits(fields[at[4]!]!.trim(), context.digits);
  if (!price.ok) return undefined;
  return {
    line,
    orderId,
    placedAt: context.importTime,
    currency: context.currency,
    customer: { customer_id: customerId, email: placeholderEmail(customerId), name: customerId },
    items: [{ sku, name: sku, unit_price_cents: price.value, qty: qtyValue }],
  };
}

/** Deterministic stand-in address for a compact-layout customer, whose file gives no email. */
export function placeholderEmail(customerId: string): string {
  const local = /^[A-Za-z0-9._+-]{1,64}$/.test(customerId)
    ? customerId
    : `customer-${createHash('sha256').update(customerId).digest('hex').slice(0, 16)}`;
  return `${local}@unknown.invalid`;
}

/** customer-json orders have no id in the file: the file name and line make one that a re-import repeats. */
export function customerJsonOrderId(fileName: string, line: number): string {
  return `${fileName}-L${line}`;
}

/**
 * Turns one CSV record of an orders layout into an OrderRow, or says which column is wrong and why.
 * Fields are trimmed; columns are looked up by name through the detected layout.
 */
export function createRowValidator(
  detected: DetectedLayout,
  context: RowContext,
): (fields: readonly string[], line: number) => RowCheck {
  const columns = Object.entries(detected.index);
  const idColumn = ORDER_FIELD_COLUMNS[detected.layout].orderId;
  const idIndex = detected.index[idColumn];

  function read(fields: readonly string[]): Record<string, string> {
    const input: Record<string, string> = {};
    for (const [column, index] of columns) input[column] = (fields[index] ?? '').trim();
    return input;
  }

  function wrongWidth(fields: readonly string[], line: number): RowCheck {
    const problem = {
      column: ROW,
      reason: `has ${fields.length} field(s), the header has ${detected.width}`,
    };
    if (detected.layout === 'customer-json') {
      return { ok: false, orderId: customerJsonOrderId(context.fileName, line), ...problem };
    }
    // Fields may be shifted, so the id column cannot be trusted: the assembler decides from the
    // neighbouring rows which order this row spoils.
    const hint = idIndex === undefined ? undefined : fields[idIndex]?.trim();
    return { ok: false, orderId: undefined, orderIdHint: hint, ...problem };
  }

  switch (detected.layout) {
    case 'line-items': {
      const at = positions(detected, LINE_ITEMS_COLUMNS);
      const timestamp = lastTimestampParser();
      return (fields, line) => {
        if (fields.length !== detected.width) return wrongWidth(fields, line);
        const fast = fastLineItemsRow(fields, at, line, timestamp);
        if (fast) return { ok: true, row: fast };
        const input = read(fields);
        const parsed = lineItemsRowSchema.safeParse(input);
        if (!parsed.success) {
          return {
            ok: false,
            orderId: input['external_order_id'] || undefined,
            ...firstProblem(parsed.error, input),
          };
        }
        const row = parsed.data;
        return {
          ok: true,
          row: {
            line,
            orderId: row.external_order_id,
            placedAt: row.order_placed_at,
            currency: row.currency,
            customer: { customer_id: row.customer_id, email: row.customer_email, name: row.customer_name },
            items: [
              {
                sku: row.product_sku,
                name: row.product_name,
                unit_price_cents: row.unit_price_cents,
                qty: row.qty,
              },
            ],
          },
        };
      };
    }
    case 'compact': {
      const orderCurrency = requireCurrency(context);
      const digits = minorUnitDigits(orderCurrency);
      const at = positions(detected, COMPACT_COLUMNS);
      const fastContext = { currency: orderCurrency, digits, importTime: context.importTime };
      return (fields, line) => {
        if (fields.length !== detected.width) return wrongWidth(fields, line);
        const fast = fastCompactRow(fields, at, line, fastContext);
        if (fast) return { ok: true, row: fast };
        const input = read(fields);
        const orderId = input['order_id'] || undefined;
        const parsed = compactRowSchema.safeParse(input);
        if (!parsed.success) return { ok: false, orderId, ...firstProblem(parsed.error, input) };
        const row = parsed.data;
        const price = parseDecimalToMinorUnits(row.unit_price, digits);
        if (!price.ok) {
          return {
            ok: false,
            orderId,
            column: 'unit_price',
            reason: `${price.reason}, got ${quote(row.unit_price)}`,
          };
        }
        return {
          ok: true,
          row: {
            line,
            orderId: row.order_id,
            placedAt: context.importTime,
            currency: orderCurrency,
            customer: {
              customer_id: row.customer_id,
              email: placeholderEmail(row.customer_id),
              name: row.customer_id,
            },
            items: [{ sku: row.sku, name: row.sku, unit_price_cents: price.value, qty: row.qty }],
          },
        };
      };
    }
    case 'customer-json': {
      const orderCurrency = requireCurrency(context);
      const catalog = context.catalog;
      if (!catalog) throw new Error('the customer-json layout needs a catalog');
      return (fields, line) => {
        const orderId = customerJsonOrderId(context.fileName, line);
        if (fields.length !== detected.width) return wrongWidth(fields, line);
        const input = read(fields);
        const parsed = customerJsonRowSchema.safeParse(input);
        if (!parsed.success) return { ok: false, orderId, ...firstProblem(parsed.error, input) };
        const row = parsed.data;
        let json: unknown;
        try {
          json = JSON.parse(row.products);
        } catch {
          return {
            ok: false,
            orderId,
            column: 'products',
            reason: `is not valid JSON, got ${quote(row.products)}`,
          };
        }
        const products = productsSchema.safeParse(json);
        if (!products.success) {
          const issue = products.error.issues[0];
          const path = (issue?.path ?? []).map((part) =>
            typeof part === 'number' ? `[${part}]` : `.${String(part)}`,
          );
          return {
            ok: false,
            orderId,
            column: `products${path.join('')}`,
            reason: issue?.message ?? 'is invalid',
          };
        }
        const items: OrderLine[] = [];
        for (const [position, product] of products.data.entries()) {
          const entry = catalog.get(product.sku);
          if (!entry) {
            return {
              ok: false,
              orderId,
              column: `products[${position}].sku`,
              reason: `is not in the catalog, got ${quote(product.sku)}`,
            };
          }
          if (entry.unit_price_cents === null) {
            return {
              ok: false,
              orderId,
              column: `products[${position}].sku`,
              reason: `has no price in the catalog, got ${quote(product.sku)}`,
            };
          }
          items.push({
            sku: product.sku,
            name: entry.name,
            unit_price_cents: entry.unit_price_cents,
            qty: product.quantity,
          });
        }
        return {
          ok: true,
          row: {
            line,
            orderId,
            placedAt: context.importTime,
            currency: orderCurrency,
            customer: {
              customer_id: row.customer_email.toLowerCase(),
              email: row.customer_email,
              name: row.customer_name,
            },
            items,
          },
        };
      };
    }
  }
}

function requireCurrency(context: RowContext): string {
  if (!context.currency || !isCurrency(context.currency)) {
    throw new Error('this layout needs an ISO 4217 currency from --currency');
  }
  return context.currency;
}
