import { formatMoney, isCurrencyCode, minorDigits } from './money';

describe('formatMoney', () => {
  test('cents become the currency amount, written for the locale', () => {
    expect(formatMoney(2899, 'EUR')).toBe('€28.99');
    expect(formatMoney(2899, 'EUR', 'de-DE')).toBe('28,99\u00a0€');
    expect(formatMoney(123456789, 'USD')).toBe('$1,234,567.89');
  });

  test('small and zero amounts keep their leading zeros', () => {
    expect(formatMoney(5, 'EUR')).toBe('€0.05');
    expect(formatMoney(0, 'GBP')).toBe('£0.00');
  });

  test('currencies without or with three minor digits are scaled by their own exponent', () => {
    expect(minorDigits('JPY')).toBe(0);
    expect(formatMoney(1500, 'JPY')).toBe('¥1,500');
    expect(formatMoney(1234, 'BHD')).toBe('BHD\u00a01.234');
  });

  test('amounts beyond float precision are still exact', () => {
    expect(formatMoney(9_007_199_254_740_991, 'EUR')).toBe('€90,071,992,547,409.91');
  });
});

describe('isCurrencyCode', () => {
  test('three capitals Intl knows', () => {
    expect(isCurrencyCode('EUR')).toBe(true);
    expect(isCurrencyCode('eur')).toBe(false);
    expect(isCurrencyCode('EURO')).toBe(false);
    expect(isCurrencyCode('')).toBe(false);
  });
});
