import { parseDecimalToMinorUnits, parseWholeNumber } from './money';

describe('parseDecimalToMinorUnits', () => {
  test.each([
    ['1.1', 110],
    ['0.07', 7],
    ['19.99', 1999],
    ['12', 1200],
    ['0', 0],
    ['0.5', 50],
    ['1.10', 110],
    ['007.50', 750],
    ['9999999999999.99', 999999999999999],
  ])('%s is exactly %i cents', (text, cents) => {
    expect(parseDecimalToMinorUnits(text)).toEqual({ ok: true, value: cents });
  });

  test('amounts whose float value is inexact still come out exact', () => {
    // 0.29 * 100 is 28.999999999999996 as a float.
    expect(parseDecimalToMinorUnits('0.29')).toEqual({ ok: true, value: 29 });
    expect(parseDecimalToMinorUnits('1.15')).toEqual({ ok: true, value: 115 });
    expect(parseDecimalToMinorUnits('4.35')).toEqual({ ok: true, value: 435 });
  });

  test.each(['1e3', '-1', '', '+1', '1,5', '1.', '.5', ' 1', '1 000', 'NaN', '0x10', '1.0.0', '١٢'])(
    '%j is refused',
    (text) => {
      expect(parseDecimalToMinorUnits(text)).toMatchObject({ ok: false });
    },
  );

  test('more decimal places than the currency has are refused, not rounded', () => {
    expect(parseDecimalToMinorUnits('1.234')).toEqual({
      ok: false,
      reason: 'has more than 2 decimal places',
    });
    expect(parseDecimalToMinorUnits('1.999')).toMatchObject({ ok: false });
  });

  test('the minor unit follows the currency: none for JPY, three digits for KWD', () => {
    expect(parseDecimalToMinorUnits('1500', 0)).toEqual({ ok: true, value: 1500 });
    expect(parseDecimalToMinorUnits('1500.5', 0)).toEqual({
      ok: false,
      reason: 'must be a whole amount in this currency',
    });
    expect(parseDecimalToMinorUnits('1.234', 3)).toEqual({ ok: true, value: 1234 });
    expect(parseDecimalToMinorUnits('1.5', 3)).toEqual({ ok: true, value: 1500 });
  });

  test('integer parts too long to stay exact are refused', () => {
    expect(parseDecimalToMinorUnits('12345678901234')).toMatchObject({ ok: false });
  });
});

describe('parseWholeNumber', () => {
  test('digits only', () => {
    expect(parseWholeNumber('42')).toBe(42);
    expect(parseWholeNumber('007')).toBe(7);
    expect(parseWholeNumber('0')).toBe(0);
  });

  test.each(['', '-1', '+1', '1.0', '1e3', ' 1', '0x1', '1_000'])('%j is not a whole number', (text) => {
    expect(parseWholeNumber(text)).toBeUndefined();
  });
});
