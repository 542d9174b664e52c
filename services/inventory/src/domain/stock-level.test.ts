import { onHandAfterLevel, stockLevelProblems } from './stock-level';

describe('onHandAfterLevel', () => {
  test('a count at or above what is reserved is taken as it is', () => {
    expect(onHandAfterLevel(10, 3)).toEqual({ on_hand: 10, clamped: false });
    expect(onHandAfterLevel(3, 3)).toEqual({ on_hand: 3, clamped: false });
  });

  test('a count below what is reserved keeps on hand at the reserved amount', () => {
    expect(onHandAfterLevel(2, 5)).toEqual({ on_hand: 5, clamped: true });
  });
});

describe('stockLevelProblems', () => {
  const level = { sku: 'A', product_name: 'Gear', on_hand: 5, unit_price_cents: 100 };

  test('a valid level, with or without a price, has none', () => {
    expect(stockLevelProblems(level)).toEqual([]);
    expect(stockLevelProblems({ ...level, on_hand: 0, unit_price_cents: null })).toEqual([]);
  });

  test('a negative count, a negative price or an empty SKU is refused', () => {
    expect(stockLevelProblems({ ...level, sku: ' ', on_hand: -1, unit_price_cents: -1 })).toEqual([
      'sku is empty',
      'on_hand must be an integer 0..2147483647',
      'unit_price_cents must be a non-negative integer',
    ]);
  });
});
