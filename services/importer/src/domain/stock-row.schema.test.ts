import { resolveColumns, STOCK_COLUMNS, STOCK_OPTIONAL_COLUMNS } from './layouts';
import { createStockRowValidator, type StockColumn } from './stock-row.schema';

function validator(header: string[]) {
  const resolved = resolveColumns<StockColumn>(header, STOCK_COLUMNS, STOCK_OPTIONAL_COLUMNS);
  if (!resolved.ok) throw new Error(resolved.reason);
  return createStockRowValidator(resolved.value, header.length);
}

describe('stock rows', () => {
  const withPrices = validator(['sku', 'product_name', 'on_hand', 'unit_price_cents']);
  const withoutPrices = validator(['on_hand', 'sku', 'product_name']);

  test('a good row, with and without a price', () => {
    expect(withPrices(['S1', 'Gear', '10', '1250'], 2)).toEqual({
      ok: true,
      row: { line: 2, sku: 'S1', productName: 'Gear', onHand: 10, unitPriceCents: 1250 },
    });
    expect(withPrices(['S1', 'Gear', '0', ''], 2)).toMatchObject({
      ok: true,
      row: { onHand: 0, unitPriceCents: null },
    });
    expect(withoutPrices(['7', 'S2', 'Cog'], 3)).toMatchObject({
      ok: true,
      row: { sku: 'S2', onHand: 7, unitPriceCents: null },
    });
  });

  test.each([
    [['S1', 'Gear', '-1', '1'], 'on_hand', 'must be a whole number from 0 to 2147483647, got "-1"'],
    [
      ['S1', 'Gear', '2147483648', '1'],
      'on_hand',
      'must be a whole number from 0 to 2147483647, got "2147483648"',
    ],
    [['S1', 'Gear', '1.5', '1'], 'on_hand', 'must be a whole number from 0 to 2147483647, got "1.5"'],
    [
      ['S1', 'Gear', '1', '12.5'],
      'unit_price_cents',
      'must be empty or a whole number of minor units (cents), 0 or more, got "12.5"',
    ],
    [['', 'Gear', '1', '1'], 'sku', 'is empty'],
    [['S1', '', '1', '1'], 'product_name', 'is empty'],
    [['S1', 'Gear', '1'], '(row)', 'has 3 field(s), the header has 4'],
  ])('%j is refused at %s', (fields, column, reason) => {
    expect(withPrices(fields, 4)).toMatchObject({ ok: false, column, reason });
  });
});
