import type { Parsed } from './money';

export const LINE_ITEMS_COLUMNS = [
  'external_order_id',
  'order_placed_at',
  'currency',
  'customer_id',
  'customer_email',
  'customer_name',
  'product_sku',
  'product_name',
  'unit_price_cents',
  'qty',
] as const;
export const COMPACT_COLUMNS = ['order_id', 'customer_id', 'sku', 'qty', 'unit_price'] as const;
export const CUSTOMER_JSON_COLUMNS = ['customer_name', 'customer_email', 'products'] as const;
export const STOCK_COLUMNS = ['sku', 'product_name', 'on_hand'] as const;
export const STOCK_OPTIONAL_COLUMNS = ['unit_price_cents'] as const;

export const ORDER_LAYOUTS = {
  'line-items': LINE_ITEMS_COLUMNS,
  compact: COMPACT_COLUMNS,
  'customer-json': CUSTOMER_JSON_COLUMNS,
} as const;

export type OrderLayoutName = keyof typeof ORDER_LAYOUTS;
export const ORDER_LAYOUT_NAMES = Object.keys(ORDER_LAYOUTS) as OrderLayoutName[];

/** Position of each named column in a row; -1 for an optional column the file does not have. */
export type ColumnIndex<C extends string> = Readonly<Record<C, number>>;

export interface DetectedLayout {
  layout: OrderLayoutName;
  index: ColumnIndex<string>;
  /** Number of columns in the header; every row must have exactly this many. */
  width: number;
}

/** Header cells compared the way people write them: trimmed, case-insensitive. */
export function normaliseHeader(cells: readonly string[]): string[] {
  return cells.map((cell) => cell.trim().toLowerCase());
}

/**
 * Finds the named columns in a header. Extra columns are allowed (and ignored); a wanted column that
 * appears twice is refused, because either copy could be the one the file's author meant.
 */
export function resolveColumns<C extends string>(
  header: readonly string[],
  required: readonly C[],
  optional: readonly C[] = [],
): { ok: true; value: ColumnIndex<C> } | { ok: false; reason: string; missing: string[] } {
  const cells = normaliseHeader(header);
  const index = {} as Record<C, number>;
  const missing: string[] = [];
  for (const column of [...required, ...optional]) {
    const first = cells.indexOf(column);
    if (first !== -1 && cells.indexOf(column, first + 1) !== -1) {
      return { ok: false, reason: `column ${column} appears more than once in the header`, missing: [] };
    }
    if (first === -1 && required.includes(column)) missing.push(column);
    index[column] = first;
  }
  if (missing.length > 0) {
    return { ok: false, reason: `header lacks column(s) ${missing.join(', ')}`, missing };
  }
  return { ok: true, value: index };
}

/**
 * The orders layout of a file, from its header or as forced with --format. Detection tries the layouts
 * in order (line items first, the primary one), so a header carrying the columns of several layouts is
 * read as the richest.
 */
export function detectOrderLayout(
  header: readonly string[],
  forced?: OrderLayoutName,
): Parsed<DetectedLayout> {
  const candidates = forced ? [forced] : ORDER_LAYOUT_NAMES;
  for (const layout of candidates) {
    const resolved = resolveColumns<string>(header, ORDER_LAYOUTS[layout]);
    if (resolved.ok) return { ok: true, value: { layout, index: resolved.value, width: header.length } };
    if (forced) return { ok: false, reason: `not a ${layout} file: ${resolved.reason}` };
    // All of the layout's columns are there, one of them twice: say that rather than "unrecognised".
    if (resolved.missing.length === 0) return { ok: false, reason: resolved.reason };
  }
  const expected = ORDER_LAYOUT_NAMES.map((name) => `${name} (${ORDER_LAYOUTS[name].join(',')})`).join('; ');
  return {
    ok: false,
    reason: `unrecognised header "${header.join(',')}"; expected the columns of one of: ${expected}`,
  };
}
