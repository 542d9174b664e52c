import {
  addDays,
  daysBetween,
  isCalendarDay,
  isCalendarMonth,
  isUsableTime,
  kpiExpiresAt,
  rangeLength,
  utcDay,
  utcMonth,
} from './dates';

describe('UTC days and months', () => {
  test('a time is bucketed by its UTC date, not the local one', () => {
    expect(utcDay(Date.UTC(2025, 0, 31, 23, 59, 59, 999))).toBe('2025-01-31');
    expect(utcDay(Date.UTC(2025, 1, 1, 0, 0, 0, 0))).toBe('2025-02-01');
    expect(utcMonth(Date.UTC(2024, 11, 31, 23, 0))).toBe('2024-12');
  });

  test('only real calendar dates and months are accepted', () => {
    expect(isCalendarDay('2024-02-29')).toBe(true);
    expect(isCalendarDay('2025-02-29')).toBe(false);
    expect(isCalendarDay('2025-13-01')).toBe(false);
    expect(isCalendarDay('2025-1-01')).toBe(false);
    expect(isCalendarDay('2025-01-01T00:00:00Z')).toBe(false);
    expect(isCalendarMonth('2025-12')).toBe(true);
    expect(isCalendarMonth('2025-00')).toBe(false);
    expect(isCalendarMonth('2025-13')).toBe(false);
    expect(isCalendarMonth('2025-1')).toBe(false);
  });

  test('timestamps outside four-digit years are not usable', () => {
    expect(isUsableTime(0)).toBe(true);
    expect(isUsableTime(Date.UTC(9999, 11, 31, 23, 59, 59, 999))).toBe(true);
    expect(isUsableTime(Date.UTC(10000, 0, 1))).toBe(false);
    expect(isUsableTime(-1)).toBe(false);
    expect(isUsableTime(1.5)).toBe(false);
  });

  test('ranges include both ends and cross months and leap days', () => {
    expect(daysBetween('2024-02-27', '2024-03-01')).toEqual([
      '2024-02-27',
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
    expect(daysBetween('2025-01-02', '2025-01-01')).toEqual([]);
    expect(rangeLength('2025-01-01', '2025-01-01')).toBe(1);
    expect(rangeLength('2024-01-01', '2024-12-31')).toBe(366);
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
  });

  test('a day expires its TTL after the day ends, whenever it was written; 0 means never', () => {
    expect(kpiExpiresAt('2025-01-31', 1)).toBe(Date.UTC(2025, 1, 2) / 1000);
    expect(kpiExpiresAt('2025-01-31', 400)).toBe(Date.UTC(2025, 0, 31) / 1000 + 401 * 86_400);
    expect(kpiExpiresAt('2025-01-31', 0)).toBeUndefined();
  });
});
