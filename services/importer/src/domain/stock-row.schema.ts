import { z } from 'zod';
import type { ColumnIndex } from './layouts';
import { parseWholeNumber } from './money';
import { firstProblem, ROW, text, type RowProblem } from './row.schema';

/** on_hand is an Avro int. */
export const MAX_ON_HAND = 2_147_483_647;

export interface StockRow {
  line: number;
  sku: string;
  productName: string;
  onHand: number;
  /** Null when the file has no price column or leaves it empty. */
  unitPriceCents: number | null;
}

export type StockRowCheck =
  { ok: true; row: StockRow } | ({ ok: false; sku: string | undefined } & RowProblem);

export type StockColumn = 'sku' | 'product_name' | 'on_hand' | 'unit_price_cents';

const onHand = z
  .string()
  .min(1, 'is empty')
  .transform((value, ctx) => {
    const n = parseWholeNumber(value);
    if (n === undefined || n > MAX_ON_HAND) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number from 0 to ${MAX_ON_HAND}` });
      return z.NEVER;
    }
    return n;
  });

export const stockRowSchema = z.object({
  sku: text,
  product_name: text,
  on_hand: onHand,
  unit_price_cents: z.string().transform((value, ctx) => {
    if (value === '') return null;
    const n = parseWholeNumber(value);
    if (n === undefined || !Number.isSafeInteger(n)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be empty or a whole number of minor units (cents), 0 or more',
      });
      return z.NEVER;
    }
    return n;
  }),
});

/** Validates one record of a stock file (`sku,product_name,on_hand[,unit_price_cents]`). */
export function createStockRowValidator(
  index: ColumnIndex<StockColumn>,
  width: number,
): (fields: readonly string[], line: number) => StockRowCheck {
  return (fields, line) => {
    const value = (column: StockColumn) => {
      const at = index[column];
      return at === -1 ? '' : (fields[at] ?? '').trim();
    };
    if (fields.length !== width) {
      return {
        ok: false,
        sku: value('sku') || undefined,
        column: ROW,
        reason: `has ${fields.length} field(s), the header has ${width}`,
      };
    }
    const input = {
      sku: value('sku'),
      product_name: value('product_name'),
      on_hand: value('on_hand'),
      unit_price_cents: value('unit_price_cents'),
    };
    const parsed = stockRowSchema.safeParse(input);
    if (!parsed.success)
      return { ok: false, sku: input.sku || undefined, ...firstProblem(parsed.error, input) };
    const row = parsed.data;
    return {
      ok: true,
      row: {
        line,
        sku: row.sku,
        productName: row.product_name,
        onHand: row.on_hand,
        unitPriceCents: row.unit_price_cents,
      },
    };
  };
}
