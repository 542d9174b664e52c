import { parseTimestamp } from './timestamp';

describe('parseTimestamp', () => {
  test('a timestamp without an offset is UTC', () => {
    expect(parseTimestamp('2025-01-15T10:30:00')).toBe(Date.UTC(2025, 0, 15, 10, 30));
    expect(parseTimestamp('2025-01-15 10:30')).toBe(Date.UTC(2025, 0, 15, 10, 30));
    expect(parseTimestamp('2025-01-15')).toBe(Date.UTC(2025, 0, 15));
  });

  test('offsets are honoured', () => {
    expect(parseTimestamp('2025-01-15T10:30:00Z')).toBe(Date.UTC(2025, 0, 15, 10, 30));
    expect(parseTimestamp('2025-01-15T10:30:00+01:00')).toBe(Date.UTC(2025, 0, 15, 9, 30));
    expect(parseTimestamp('2025-01-15T10:30:00-0530')).toBe(Date.UTC(2025, 0, 15, 16, 0));
    expect(parseTimestamp('2025-01-15T10:30:00+02')).toBe(Date.UTC(2025, 0, 15, 8, 30));
  });

  test('fractions keep milliseconds and drop the rest', () => {
    expect(parseTimestamp('2025-01-15T10:30:00.5Z')).toBe(Date.UTC(2025, 0, 15, 10, 30, 0, 500));
    expect(parseTimestamp('2025-01-15T10:30:00.123456789Z')).toBe(Date.UTC(2025, 0, 15, 10, 30, 0, 123));
  });

  test('leap days exist only in leap years', () => {
    expect(parseTimestamp('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseTimestamp('2000-02-29')).toBe(Date.UTC(2000, 1, 29));
    expect(parseTimestamp('2025-02-29')).toBeUndefined();
    expect(parseTimestamp('1900-02-29')).toBeUndefined();
  });

  test('years before 100 are not taken for 19xx', () => {
    expect(new Date(parseTimestamp('0050-06-01')!).getUTCFullYear()).toBe(50);
  });

  test.each([
    '',
    'yesterday',
    '2025-13-01',
    '2025-02-30',
    '2025-01-15T24:00:00',
    '2025-01-15T10:60:00',
    '2025-01-15T10:30:61',
    '15/01/2025',
    '2025-1-5',
    '1736937000000',
    '2025-01-15T10:30:00+25:00',
    '2025-01-15Z',
  ])('%j is refused', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });
});
