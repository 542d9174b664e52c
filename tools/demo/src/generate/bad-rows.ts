import type { Random } from './random';

/** The ways a generated row is broken; each is one the importer refuses, naming the column. */
export const BAD_ROW_KINDS = ['qty', 'price', 'date', 'email', 'missing', 'currency'] as const;
export type BadRowKind = (typeof BAD_ROW_KINDS)[number];

/** Indexes of the line-items columns, in the order the generator writes them. */
export const COLUMNS = [
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

const column = (name: (typeof COLUMNS)[number]): number => COLUMNS.indexOf(name);

/**
 * Breaks one field of a good row (its fields in COLUMNS order, modified in place) and says which
 * column the importer will name.
 */
export function spoilRow(fields: string[], kind: BadRowKind, random: Random): string {
  const set = (name: (typeof COLUMNS)[number], value: string): string => {
    fields[column(name)] = value;
    return name;
  };
  switch (kind) {
    case 'qty':
      return set('qty', random.pick(['0', '-1', '2.5', 'two', '10001']));
    case 'price':
      return set('unit_price_cents', random.pick(['-199', '12.99', '1e3', 'free']));
    case 'date':
      return set(
        'order_placed_at',
        random.pick(['2026-02-30T10:00:00Z', '23/11/2026', 'yesterday', '2026-11-31', 'T12:00:00Z']),
      );
    case 'email': {
      const email = fields[column('customer_email')] ?? '';
      const [local = 'customer', domain = 'example.com'] = email.split('@');
      return set(
        'customer_email',
        random.pick([`${local} at ${domain}`, `${local}@`, `${local}@@${domain}`, `@${domain}`]),
      );
    }
    case 'missing':
      return set(random.pick(['customer_id', 'customer_name', 'product_sku'] as const), '');
    case 'currency':
      return set('currency', random.pick(['EURO', 'US$', 'ABC', 'E']));
  }
}

/**
 * `--bad-rows`: a whole number is an exact count of rows, a number below 1 (or a percentage) is the
 * share of rows that are bad, drawn per order.
 */
export type BadRowPlan = { kind: 'count'; count: number } | { kind: 'share'; share: number };

export function parseBadRows(text: string): BadRowPlan {
  const trimmed = text.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(trimmed);
  if (percent) return shareOf(Number(percent[1]) / 100, text);
  if (!/^\d+(\.\d+)?$/.test(trimmed)) {
    throw new Error(`--bad-rows must be a count (25), a share (0.02) or a percentage (2%), got "${text}"`);
  }
  const value = Number(trimmed);
  if (value >= 1) {
    if (!Number.isInteger(value))
      throw new Error(`--bad-rows: a count must be a whole number, got "${text}"`);
    return { kind: 'count', count: value };
  }
  return shareOf(value, text);
}

function shareOf(share: number, text: string): BadRowPlan {
  if (!(share >= 0 && share <= 1)) throw new Error(`--bad-rows: a share must be 0..1, got "${text}"`);
  return { kind: 'share', share };
}
