// UTC calendar days and months as the API and the Redis keys spell them (YYYY-MM-DD, YYYY-MM).

const DAY_MS = 86_400_000;
/** 9999-12-31T23:59:59.999Z: beyond it ISO dates get six-digit years. */
const MAX_TIME_MS = 253_402_300_799_999;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_PATTERN = /^(\d{4})-(\d{2})$/;

/** An epoch-millis timestamp that has a four-digit-year UTC date. */
export function isUsableTime(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_TIME_MS;
}

/** The UTC date of an epoch-millis time, e.g. `2025-01-31`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC month of an epoch-millis time, e.g. `2025-01`. */
export function utcMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** True for a real calendar date written YYYY-MM-DD (no 2025-02-30). */
export function isCalendarDay(text: string): boolean {
  const match = DAY_PATTERN.exec(text);
  if (!match) return false;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isFinite(ms) && utcDay(ms) === text;
}

/** True for YYYY-MM with a month 01..12. */
export function isCalendarMonth(text: string): boolean {
  const match = MONTH_PATTERN.exec(text);
  if (!match) return false;
  const month = Number(match[2]);
  return month >= 1 && month <= 12;
}

/** Epoch millis of 00:00 UTC of a YYYY-MM-DD day. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

export function addDays(day: string, days: number): string {
  return utcDay(dayStartMs(day) + days * DAY_MS);
}

/** Days from `from` to `to`, both included; `to` before `from` gives none. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let ms = dayStartMs(from); ms <= dayStartMs(to); ms += DAY_MS) days.push(utcDay(ms));
  return days;
}

/** Number of days in the inclusive range (1 for a single day). */
export function rangeLength(from: string, to: string): number {
  return Math.round((dayStartMs(to) - dayStartMs(from)) / DAY_MS) + 1;
}

/**
 * When a day's KPIs leave Redis: `ttlDays` after the end of the day, so the moment is the same whether
 * the day was written live or by a rebuild. Epoch seconds; undefined when they never expire (ttl 0).
 */
export function kpiExpiresAt(day: string, ttlDays: number): number | undefined {
  if (ttlDays <= 0) return undefined;
  return Math.floor((dayStartMs(day) + (1 + ttlDays) * DAY_MS) / 1000);
}
